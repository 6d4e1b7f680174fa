enum _PlaceholderChurnQLRender {}
