enum _PlaceholderChurnQLShell {}
