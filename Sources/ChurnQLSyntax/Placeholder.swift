enum _PlaceholderChurnQLSyntax {}
