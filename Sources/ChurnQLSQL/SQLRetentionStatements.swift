import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `churn monthly|weekly|quarterly` and `cohort monthly|weekly` as one query each, with the in-memory
/// definitions (docs/metrics.md). The analysis date is given (the caller knows it or asks the server), so that
/// the periods are fixed before the query runs. The periods come from a recursive CTE, which Spark lacks.
public enum SQLRetentionStatements {
    /// Columns: period_start, base, churned, new, reactivated, churn_rate, retention_rate; one row per period.
    ///
    /// The counts depend only on each customer's last purchase day in each period they bought in: for period k
    /// (first day f, s = f − 1, end e), the latest purchase up to s is the last one of the customer's latest
    /// period before k, and the latest up to e that of k when they bought in k. So one sorted pass gives each
    /// customer's purchase periods j with their last day m and the next such period and day; each of those
    /// rows covers the periods up to the next purchase period as a range of period numbers, and the counts are
    /// running sums of +1/−1 at the ranges' ends. Nothing is joined or grouped per customer and period, which on
    /// a server spills to disk with millions of customers.
    public static func churnSeries(
        _ period: Period, asof: Int32, dialect: SQLDialect, context: SQLContext, span: SourceSpan,
        source: SourceText
    ) throws(Diagnostic) -> SQLText {
        let orders = try ordersSource("churn", dialect, context, span, source)
        let d = dialect
        func q(_ name: String) -> String { d.quote(name) }
        let a = d.date(asof)
        let window = context.churnWindow
        // Periods are numbered from the analysis date's (0) back.
        func number(_ day: String) -> String { d.periodDistance(from: a, to: day, period) }
        // The last day that still has W days after it up to asof: later purchases keep a customer active at
        // every period end (and their day + W need not be a date the engine can write).
        let lastQuiet = d.date(Int32(clamping: Int(asof) - window))
        let next = d.nextPeriod(q("f"), period)
        let stop = "COALESCE(\(q("nj")), 0)"
        let hi = q("hi")
        let churnFrom = greatest("\(q("j")) + 1", q("kc"))
        let churnTo = least(hi, "COALESCE(\(q("nj")) - 1, 0)")
        func event(_ k: String, _ deltas: [Int], _ condition: String) -> String {
            let names = ["db", "dc", "pc", "pr", "pn"]
            let columns = zip(deltas, names).map { "\($0) AS \(q($1))" }.joined(separator: ", ")
            return "SELECT \(k) AS \(q("k")), \(columns) FROM \(q("spans")) WHERE \(condition)"
        }
        let ctes: [(String, String)] = [
            ("valid_orders", orders.validOrders(asof: a)),
            (
                "periods",
                """
                SELECT \(d.periodStart("MIN(\(q("day")))", period)) AS \(q("f")) FROM \(q("valid_orders")) HAVING COUNT(*) > 0
                    UNION ALL SELECT \(next) FROM \(q("periods")) WHERE \(next) <= \(a)
                """
            ),
            ("windows", "SELECT \(q("f")), \(number(q("f"))) AS \(q("k")) FROM \(q("periods"))"),
            // The last order of each customer's purchase period is the one whose next order is in a later period.
            (
                "ordered",
                """
                SELECT \(q("customer")), \(q("day")), \(q("j")),
                    LEAD(\(q("j"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("day"))) AS \(q("next_j"))
                FROM (SELECT \(q("customer")), \(q("day")), \(number(q("day"))) AS \(q("j")) FROM \(q("valid_orders"))) AS \(q("o"))
                """
            ),
            (
                "bought",
                """
                SELECT \(q("customer")), \(q("j")), \(q("day")) AS \(q("m")) FROM \(q("ordered"))
                    WHERE \(q("next_j")) IS NULL OR \(q("next_j")) <> \(q("j"))
                """
            ),
            (
                "steps",
                """
                SELECT \(q("j")), \(q("m")),
                    LEAD(\(q("j"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("j"))) AS \(q("nj")),
                    LEAD(\(q("m"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("j"))) AS \(q("nm")),
                    LAG(\(q("j"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("j"))) AS \(q("pj"))
                FROM \(q("bought"))
                """
            ),
            // hi: the last period the customer is in the base of by this row's day m (f − 1 − W ≤ m), up to the
            // next purchase period; kc: the first period whose end is W days past m (churned there if in the
            // base and no purchase since); nkc: the same for the next purchase period's last day.
            (
                "spans",
                """
                SELECT \(q("j")), \(q("nj")), \(q("pj")),
                    CASE WHEN \(q("m")) < \(lastQuiet) THEN \(least(number(d.addDays(q("m"), "\(window + 1)")), stop)) ELSE \(stop) END AS \(hi),
                    CASE WHEN \(q("m")) <= \(lastQuiet) THEN \(number(d.addDays(q("m"), "\(window)"))) END AS \(q("kc")),
                    CASE WHEN \(q("nm")) <= \(lastQuiet) THEN \(number(d.addDays(q("nm"), "\(window)"))) END AS \(q("nkc"))
                FROM \(q("steps"))
                """
            ),
            (
                "events",
                [
                    event("\(q("j")) + 1", [1, 0, 0, 0, 0], "\(q("j")) + 1 <= \(hi)"),
                    event("\(hi) + 1", [-1, 0, 0, 0, 0], "\(q("j")) + 1 <= \(hi)"),
                    event(churnFrom, [0, 1, 0, 0, 0], "\(q("kc")) IS NOT NULL AND \(churnFrom) <= \(churnTo)"),
                    event("\(churnTo) + 1", [0, -1, 0, 0, 0], "\(q("kc")) IS NOT NULL AND \(churnFrom) <= \(churnTo)"),
                    event(q("nj"), [0, 0, 1, 0, 0], "\(q("nj")) <= \(hi) AND \(q("nkc")) = \(q("nj"))"),
                    event(q("nj"), [0, 0, 0, 1, 0], "\(q("nj")) > \(hi)"),
                    event(q("j"), [0, 0, 0, 0, 1], "\(q("pj")) IS NULL"),
                ].joined(separator: "\n    UNION ALL ")
            ),
            (
                "deltas",
                """
                SELECT \(q("k")), SUM(\(q("db"))) AS \(q("db")), SUM(\(q("dc"))) AS \(q("dc")), SUM(\(q("pc"))) AS \(q("pc")),
                    SUM(\(q("pr"))) AS \(q("pr")), SUM(\(q("pn"))) AS \(q("pn"))
                FROM \(q("events")) GROUP BY \(q("k"))
                """
            ),
            (
                "counts",
                """
                SELECT \(q("w")).\(q("f")),
                    CAST(SUM(COALESCE(\(q("x")).\(q("db")), 0)) OVER (ORDER BY \(q("w")).\(q("k")) ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS \(d.integerType)) AS \(q("base")),
                    CAST(SUM(COALESCE(\(q("x")).\(q("dc")), 0)) OVER (ORDER BY \(q("w")).\(q("k")) ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                        + COALESCE(\(q("x")).\(q("pc")), 0) AS \(d.integerType)) AS \(q("churned")),
                    CAST(COALESCE(\(q("x")).\(q("pn")), 0) AS \(d.integerType)) AS \(q("new")),
                    CAST(COALESCE(\(q("x")).\(q("pr")), 0) AS \(d.integerType)) AS \(q("reactivated"))
                FROM \(q("windows")) AS \(q("w")) LEFT JOIN \(q("deltas")) AS \(q("x")) ON \(q("x")).\(q("k")) = \(q("w")).\(q("k"))
                """
            ),
        ]
        let rate = "CAST(\(q("churned")) AS \(d.doubleType)) / \(q("base"))"
        let select = """
            SELECT \(q("f")) AS \(q("period_start")), \(q("base")), \(q("churned")), \(q("new")), \(q("reactivated")),
                CASE WHEN \(q("base")) = 0 THEN NULL ELSE \(rate) END AS \(q("churn_rate")),
                CASE WHEN \(q("base")) = 0 THEN NULL ELSE 1 - \(rate) END AS \(q("retention_rate"))
            FROM \(q("counts"))
            ORDER BY \(q("f"))
            """
        return try recursive(ctes, select, dialect, "churn", span, source)
    }

    private static func least(_ a: String, _ b: String) -> String { "CASE WHEN \(a) <= \(b) THEN \(a) ELSE \(b) END" }
    private static func greatest(_ a: String, _ b: String) -> String {
        "CASE WHEN \(a) >= \(b) THEN \(a) ELSE \(b) END"
    }

    /// Columns: cohort_start, period, size, active, revenue; one row per cohort and period up to asof.
    public static func cohorts(
        _ period: Period, asof: Int32, dialect: SQLDialect, context: SQLContext, span: SourceSpan,
        source: SourceText
    ) throws(Diagnostic) -> SQLText {
        let orders = try ordersSource("cohort", dialect, context, span, source)
        let d = dialect
        func q(_ name: String) -> String { d.quote(name) }
        let a = d.date(asof)
        let ctes: [(String, String)] = [
            ("valid_orders", orders.validOrders(asof: a)),
            (
                "members",
                "SELECT \(q("customer")), \(d.periodStart("MIN(\(q("day")))", period)) AS \(q("cohort")) FROM \(q("valid_orders")) GROUP BY \(q("customer"))"
            ),
            (
                "sizes",
                """
                SELECT \(q("cohort")), COUNT(*) AS \(q("size")), \(d.periodDistance(from: q("cohort"), to: a, period)) AS \(q("periods"))
                    FROM \(q("members")) GROUP BY \(q("cohort"))
                """
            ),
            (
                "numbers",
                """
                SELECT 0 AS \(q("n")) UNION ALL SELECT \(q("n")) + 1 FROM \(q("numbers"))
                    WHERE \(q("n")) < (SELECT MAX(\(q("periods"))) FROM \(q("sizes")))
                """
            ),
            (
                "cells",
                """
                SELECT \(q("m")).\(q("cohort")), \(d.periodDistance(from: "\(q("m")).\(q("cohort"))", to: "\(q("o")).\(q("day"))", period)) AS \(q("period")),
                    COUNT(DISTINCT \(q("o")).\(q("customer"))) AS \(q("active")), SUM(\(q("o")).\(q("amount"))) AS \(q("revenue"))
                    FROM \(q("valid_orders")) AS \(q("o")) JOIN \(q("members")) AS \(q("m")) ON \(q("m")).\(q("customer")) = \(q("o")).\(q("customer"))
                    GROUP BY 1, 2
                """
            ),
        ]
        let select = """
            SELECT \(q("s")).\(q("cohort")) AS \(q("cohort_start")), \(q("k")).\(q("n")) AS \(q("period")), \(q("s")).\(q("size")),
                COALESCE(\(q("c")).\(q("active")), 0) AS \(q("active")), COALESCE(\(q("c")).\(q("revenue")), 0) AS \(q("revenue"))
            FROM \(q("sizes")) AS \(q("s")) JOIN \(q("numbers")) AS \(q("k")) ON \(q("k")).\(q("n")) <= \(q("s")).\(q("periods"))
            LEFT JOIN \(q("cells")) AS \(q("c")) ON \(q("c")).\(q("cohort")) = \(q("s")).\(q("cohort")) AND \(q("c")).\(q("period")) = \(q("k")).\(q("n"))
            ORDER BY \(q("s")).\(q("cohort")), \(q("k")).\(q("n"))
            """
        return try recursive(ctes, select, dialect, "cohort", span, source)
    }

    private static func ordersSource(
        _ statement: String, _ dialect: SQLDialect, _ context: SQLContext, _ span: SourceSpan, _ source: SourceText
    ) throws(Diagnostic) -> SQLOrders {
        guard let orders = SQLOrders(context, dialect) else {
            throw NotInSQL.error("`\(statement)` without an orders table", dialect, span, source)
        }
        if let limit = context.customersLimit, limit.concernsOrders {
            throw NotInSQL.error(
                "`\(statement)` over \(limit.reason.replacingPrefix("the customers table "))", dialect, span, source)
        }
        return orders
    }

    private static func recursive(
        _ ctes: [(String, String)], _ select: String, _ dialect: SQLDialect, _ statement: String, _ span: SourceSpan,
        _ source: SourceText
    ) throws(Diagnostic) -> SQLText {
        guard dialect != .spark else {
            throw NotInSQL.error("`\(statement)` (its periods need a recursive CTE)", dialect, span, source)
        }
        let body = ctes.map { "\(dialect.quote($0.0)) AS (\n    \($0.1)\n)" }.joined(separator: ",\n")
        let text = "WITH RECURSIVE\n\(body)\n\(select)"
        return SQLText(dialect: dialect, text: text, parameterizedText: text, parameters: [])
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
