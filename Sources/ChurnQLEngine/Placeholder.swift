enum _PlaceholderChurnQLEngine {}
