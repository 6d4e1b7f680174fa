import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore

/// The `histogram` step as in memory (Histogram.swift), with the same double operations in the same order, so the
/// edges are the same numbers: finite values only; one bin when all values are equal; width (max − min) / bins;
/// a value's bin ⌊(v − min) / width⌋, the maximum in the last; edges min + i · width, the last ending at the max;
/// the bar 40 blocks for the fullest bin, rounded half up. One row per bin, in bin order.
extension SQLPlanWriter {
    mutating func histogram(
        _ expression: BoundExpression, bins: Int, name: String, input: SQLRelation, spans: [SourceSpan]
    ) throws(Diagnostic) -> SQLRelation {
        let value = try writer(scope(input)).write(expression.syntax)
        guard value.type == .integer || value.type == .decimal || value.type == .null else {
            throw notInSQL("histogram over \(value.type.rawValue)", spans)
        }
        let double = dialect.doubleType
        let v = q("v")
        // `v - v = 0` leaves out infinities (and NaN, which SQLite reads as null).
        let values = define(
            name + "_values",
            .join(
                .null,
                [
                    .sql("SELECT \(v) FROM (SELECT CAST("), .fragment(value),
                    .sql(
                        " AS \(double)) AS \(v) FROM \(input.name)) AS \(q("x")) WHERE \(v) IS NOT NULL AND \(v) - \(v) = 0"
                    ),
                ]),
            columns: [], hidden: [])
        let (low, high, total, count, width) = (q("low"), q("high"), q("total"), q("bins"), q("width"))
        let range = define(
            name + "_range",
            SQLFragment(
                """
                SELECT \(low), \(high), \(total), \(count), CASE WHEN \(count) > 1 THEN (\(high) - \(low)) / CAST(\(count) AS \(double)) ELSE CAST(0 AS \(double)) END AS \(width) FROM (
                      SELECT \(low), \(high), \(total), CASE WHEN \(high) > \(low) AND (\(high) - \(low)) - (\(high) - \(low)) = 0 THEN \(bins) ELSE 1 END AS \(count)
                      FROM (SELECT MIN(\(v)) AS \(low), MAX(\(v)) AS \(high), COUNT(*) AS \(total) FROM \(values.name)) AS \(q("s"))
                    ) AS \(q("b"))
                """, .null),
            columns: [], hidden: [])
        let (bin, position, n) = (q("bin"), q("position"), q("n"))
        let counts = define(
            name + "_counts",
            SQLFragment(
                """
                SELECT CASE WHEN \(position) > \(count) - 1 THEN \(count) - 1 ELSE \(position) END AS \(bin), COUNT(*) AS \(n) FROM (
                      SELECT \(count), CASE WHEN \(width) = 0 THEN 0 ELSE \(floor("(\(v) - \(low)) / \(width)")) END AS \(position)
                      FROM \(values.name) CROSS JOIN \(range.name)
                    ) AS \(q("p")) GROUP BY CASE WHEN \(position) > \(count) - 1 THEN \(count) - 1 ELSE \(position) END
                """, .null),
            columns: [], hidden: [])
        let numbers = binNumbers(bins, name: name)
        let i = "\(q("i")).\(q("i"))"
        let filled = "COALESCE(\(q("c")).\(n), 0)"
        let blocks = "CAST(\(filled) AS \(double)) / \(q("l")).\(q("largest")) * 40"
        let body = """
            SELECT \(low) + CAST(\(i) AS \(double)) * \(width) AS \(q("from")), CASE WHEN \(i) = \(count) - 1 THEN \(high) ELSE \(low) + CAST(\(i) + 1 AS \(double)) * \(width) END AS \(q("to")), \(filled) AS \(n), CAST(\(filled) AS \(double)) / \(total) AS \(q("share")), SUBSTR(\(dialect.text(String(repeating: "█", count: 40))), 1, CAST(\(roundHalfUp(blocks)) AS INTEGER)) AS \(q("bar")), \(i) + 1 AS \(q(SQLRelation.order))
                FROM \(numbers) AS \(q("i")) CROSS JOIN \(range.name) LEFT JOIN \(counts.name) AS \(q("c")) ON \(q("c")).\(bin) = \(i)
                CROSS JOIN (SELECT MAX(\(n)) AS \(q("largest")) FROM \(counts.name)) AS \(q("l"))
                WHERE \(i) < \(count) AND \(total) > 0
            """
        return define(
            name, SQLFragment(body, .null), columns: StepRules.histogramColumns, hidden: [SQLRelation.order])
    }

    /// The numbers 0 to bins − 1 (and more), as a derived table of one column `i`: a cross join of digits.
    private mutating func binNumbers(_ bins: Int, name: String) -> String {
        let digits = define(
            name + "_digits",
            SQLFragment((0...9).map { "SELECT \($0) AS \(q("d"))" }.joined(separator: " UNION ALL "), .null),
            columns: [], hidden: [])
        var places = 1
        var limit = 10
        while limit < bins {
            places += 1
            limit *= 10
        }
        let sum = (0..<places).map { p in p == 0 ? "\(q("d0")).\(q("d"))" : "\(q("d\(p)")).\(q("d")) * \(pow10(p))"
        }
        let from = (0..<places).map { "\(digits.name) AS \(q("d\($0)"))" }.joined(separator: " CROSS JOIN ")
        return "(SELECT \(sum.joined(separator: " + ")) AS \(q("i")) FROM \(from))"
    }

    private func pow10(_ p: Int) -> Int { (0..<p).reduce(1) { r, _ in r * 10 } }

    /// ⌊x⌋ of a non-negative double, as an integer (SQLite's cast truncates; the others' round).
    private func floor(_ x: String) -> String {
        dialect == .sqlite ? "CAST(\(x) AS INTEGER)" : "CAST(FLOOR(\(x)) AS \(dialect.integerType))"
    }

    /// A non-negative double rounded half up exactly as Swift's `rounded()`: x − ⌊x⌋ is exact.
    private func roundHalfUp(_ x: String) -> String {
        let whole = floor(x)
        return "CASE WHEN (\(x)) - \(whole) >= 0.5 THEN \(whole) + 1 ELSE \(whole) END"
    }
}
