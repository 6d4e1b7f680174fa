import ChurnQLStore

/// The SQL engines `compile` writes for. Each differs in identifier quoting, date arithmetic and a few
/// function names; everything else is the standard SQL they share.
public enum SQLDialect: String, Sendable, CaseIterable {
    case postgres, spark, duckdb, sqlite

    /// An identifier, always quoted (so any name, keyword or hostile text is only ever a name): double quotes,
    /// backticks for Spark, an embedded quote doubled.
    public func quote(_ name: String) -> String {
        let mark = self == .spark ? "`" : "\""
        return mark + name.replacingOccurrences(of: mark, with: mark + mark) + mark
    }

    /// A text literal: single quotes, an embedded quote doubled. Spark reads backslash escapes and joins
    /// adjacent literals ('it''s' is "its" there), so both its quote and backslash are escaped with a backslash.
    func text(_ value: String) -> String {
        guard self == .spark else { return "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'" + escaped + "'"
    }

    /// A date literal; SQLite keeps dates as `YYYY-MM-DD` text.
    func date(_ day: Int32) -> String {
        self == .sqlite ? "'\(Dates.format(day))'" : "DATE '\(Dates.format(day))'"
    }

    var doubleType: String {
        switch self {
        case .postgres: return "DOUBLE PRECISION"
        case .spark, .duckdb: return "DOUBLE"
        case .sqlite: return "REAL"
        }
    }

    var integerType: String { self == .sqlite ? "INTEGER" : "BIGINT" }

    var textType: String {
        switch self {
        case .postgres, .sqlite: return "TEXT"
        case .spark: return "STRING"
        case .duckdb: return "VARCHAR"
        }
    }

    func boolean(_ value: Bool) -> String {
        self == .sqlite ? (value ? "1" : "0") : (value ? "TRUE" : "FALSE")
    }

    /// The days from `b` to `a` (a − b) as an integer.
    func daysBetween(_ a: String, _ b: String) -> String {
        switch self {
        case .postgres: return "(\(a) - \(b))"
        case .duckdb: return "date_diff('day', \(b), \(a))"
        case .spark: return "datediff(\(a), \(b))"
        case .sqlite: return "CAST(julianday(\(a)) - julianday(\(b)) AS INTEGER)"
        }
    }

    /// `d` moved by `n` days (an integer expression).
    func addDays(_ d: String, _ n: String) -> String {
        switch self {
        case .postgres, .duckdb: return "(\(d) + CAST(\(n) AS INTEGER))"
        case .spark: return "date_add(\(d), CAST(\(n) AS INT))"
        case .sqlite: return "date(\(d), printf('%+d days', \(n)))"
        }
    }

    /// `d` moved by whole months, the day clamped to the month's end as churnql does; nil where the dialect
    /// cannot (SQLite's month arithmetic overflows into the next month instead).
    func addMonths(_ d: String, _ months: Int) -> String? {
        switch self {
        case .postgres: return "CAST(\(d) + INTERVAL '\(months) months' AS DATE)"
        case .duckdb: return "CAST(\(d) + INTERVAL (\(months)) MONTH AS DATE)"
        case .spark: return "add_months(\(d), \(months))"
        case .sqlite: return nil
        }
    }

    /// Text comparisons and sorts in Unicode code point order, as churnql compares text.
    func binaryCollation(_ text: String) -> String {
        self == .postgres ? "\(text) COLLATE \"C\"" : text
    }

    /// The placeholder of bind parameter `n` (1-based) when the text is executed with parameters.
    func placeholder(_ n: Int) -> String {
        switch self {
        case .postgres, .duckdb: return "$\(n)"
        case .sqlite: return "?\(n)"
        case .spark: return "?"
        }
    }
}
