import ChurnQLSyntax

/// Which catalogue functions each dialect runs exactly (the catalogue's `backends` say the same; a test keeps
/// the two in step).
enum SQLFunctionSupport {
    static let scalars: Set<String> = [
        "abs", "floor", "ceil", "year", "month", "day", "quarter", "weekday", "week", "days_between", "coalesce", "if",
    ]
    static let aggregates: Set<String> = [
        "count", "count_distinct", "sum", "avg", "mean", "min", "max", "median", "percentile", "stddev",
    ]
    static let retention: Set<String> = ["churn_rate", "retention_rate"]

    /// What SQLite lacks: ISO weeks (strftime('%V') is recent), quantiles and the standard deviation.
    static let notInSQLite: Set<String> = ["week", "median", "percentile", "stddev"]

    static func runs(_ name: String, on dialect: SQLDialect) -> Bool {
        guard scalars.contains(name) || aggregates.contains(name) || retention.contains(name) else { return false }
        return dialect != .sqlite || !notInSQLite.contains(name)
    }
}
