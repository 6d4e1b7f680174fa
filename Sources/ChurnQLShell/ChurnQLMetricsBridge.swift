import ChurnQLMetrics

/// Metric help comes from the metric catalogue, the single source of definitions.
enum ChurnQLMetricsBridge {
    static var names: [String] { MetricCatalog.all.map(\.name) }

    static func definition(_ name: String) -> String? {
        guard let m = MetricCatalog.find(name) else { return nil }
        return
            "\(m.name) — \(m.summary)\n  \(m.definition)\n  \(m.formula)\n  explain \(m.name) works it through on your data.\n"
    }
}
