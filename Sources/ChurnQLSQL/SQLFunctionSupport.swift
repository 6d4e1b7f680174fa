import ChurnQLSyntax

/// Which catalogue functions each dialect runs exactly: the catalogue's `backends` (from which the docs' table
/// is generated), and how the compiler dispatches them.
enum SQLFunctionSupport {
    static let aggregates: Set<String> = [
        "count", "count_distinct", "sum", "avg", "mean", "min", "max", "median", "percentile", "stddev",
    ]
    static let retention: Set<String> = [
        "churn_rate", "retention_rate", "repeat_rate", "avg_purchase_cycle", "median_purchase_cycle",
        "net_revenue_retention", "gross_revenue_retention",
    ]

    static func runs(_ name: String, on dialect: SQLDialect) -> Bool {
        guard let backend = FunctionSignature.Backend(rawValue: dialect.rawValue) else { return false }
        return FunctionCatalog.find(name)?.backends.contains(backend) ?? false
    }
}
