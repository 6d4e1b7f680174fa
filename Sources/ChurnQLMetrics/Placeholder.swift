enum _PlaceholderChurnQLMetrics {}
