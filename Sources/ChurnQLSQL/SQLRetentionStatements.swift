import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `churn monthly|weekly|quarterly` and `cohort monthly|weekly` as one query each, with the in-memory
/// definitions (docs/metrics.md). The analysis date is given (the caller knows it or asks the server), so that
/// the periods are fixed before the query runs. The periods come from a recursive CTE, which Spark lacks.
public enum SQLRetentionStatements {
    /// Columns: period_start, base, churned, new, reactivated, churn_rate, retention_rate; one row per period.
    public static func churnSeries(
        _ period: Period, asof: Int32, dialect: SQLDialect, context: SQLContext, span: SourceSpan,
        source: SourceText
    ) throws(Diagnostic) -> SQLText {
        let orders = try ordersSource("churn", dialect, context, span, source)
        let d = dialect
        func q(_ name: String) -> String { d.quote(name) }
        let a = d.date(asof)
        let window = context.churnWindow
        let next = d.nextPeriod(q("f"), period)
        let end = d.addDays(next, "-1")
        let ctes: [(String, String)] = [
            ("valid_orders", orders.validOrders(asof: a)),
            ("purchase_days", "SELECT DISTINCT \(q("customer")), \(q("day")) FROM \(q("valid_orders"))"),
            (
                "firsts",
                "SELECT \(q("customer")), MIN(\(q("day"))) AS \(q("first")) FROM \(q("purchase_days")) GROUP BY \(q("customer"))"
            ),
            (
                "periods",
                """
                SELECT \(d.periodStart("MIN(\(q("first")))", period)) AS \(q("f")) FROM \(q("firsts")) HAVING COUNT(*) > 0
                    UNION ALL SELECT \(next) FROM \(q("periods")) WHERE \(next) <= \(a)
                """
            ),
            (
                "windows",
                """
                SELECT \(q("f")), \(d.addDays(q("f"), "-1")) AS \(q("s")),
                    CASE WHEN \(end) < \(a) THEN \(end) ELSE \(a) END AS \(q("e")) FROM \(q("periods"))
                """
            ),
            // Per period, each customer with a purchase day in [s − W, e]: active as of s, active as of e,
            // bought in (s, e].
            (
                "flags",
                """
                SELECT \(q("w")).\(q("f")), \(q("p")).\(q("customer")),
                    MAX(CASE WHEN \(q("p")).\(q("day")) <= \(q("w")).\(q("s")) THEN 1 ELSE 0 END) AS \(q("in_base")),
                    MAX(CASE WHEN \(q("p")).\(q("day")) > \(d.addDays("\(q("w")).\(q("e"))", "-\(window)")) THEN 1 ELSE 0 END) AS \(q("active_at_end")),
                    MAX(CASE WHEN \(q("p")).\(q("day")) > \(q("w")).\(q("s")) THEN 1 ELSE 0 END) AS \(q("bought"))
                    FROM \(q("windows")) AS \(q("w")) JOIN \(q("purchase_days")) AS \(q("p"))
                        ON \(q("p")).\(q("day")) >= \(d.addDays("\(q("w")).\(q("s"))", "-\(window)")) AND \(q("p")).\(q("day")) <= \(q("w")).\(q("e"))
                    GROUP BY \(q("w")).\(q("f")), \(q("p")).\(q("customer"))
                """
            ),
            (
                "counts",
                """
                SELECT \(q("x")).\(q("f")), SUM(\(q("x")).\(q("in_base"))) AS \(q("base")),
                    SUM(CASE WHEN \(q("x")).\(q("in_base")) = 1 AND \(q("x")).\(q("active_at_end")) = 0 THEN 1 ELSE 0 END) AS \(q("churned")),
                    SUM(CASE WHEN \(q("x")).\(q("in_base")) = 0 AND \(q("x")).\(q("bought")) = 1 AND \(q("c")).\(q("first")) <= \(q("w")).\(q("s")) THEN 1 ELSE 0 END) AS \(q("reactivated"))
                    FROM \(q("flags")) AS \(q("x"))
                    JOIN \(q("firsts")) AS \(q("c")) ON \(q("c")).\(q("customer")) = \(q("x")).\(q("customer"))
                    JOIN \(q("windows")) AS \(q("w")) ON \(q("w")).\(q("f")) = \(q("x")).\(q("f"))
                    GROUP BY \(q("x")).\(q("f"))
                """
            ),
            (
                "news",
                """
                SELECT \(q("w")).\(q("f")), COUNT(*) AS \(q("new")) FROM \(q("windows")) AS \(q("w"))
                    JOIN \(q("firsts")) AS \(q("c")) ON \(q("c")).\(q("first")) > \(q("w")).\(q("s")) AND \(q("c")).\(q("first")) <= \(q("w")).\(q("e"))
                    GROUP BY \(q("w")).\(q("f"))
                """
            ),
        ]
        let base = "COALESCE(\(q("c")).\(q("base")), 0)"
        let churned = "COALESCE(\(q("c")).\(q("churned")), 0)"
        let rate = "CAST(\(churned) AS \(d.doubleType)) / \(base)"
        let select = """
            SELECT \(q("w")).\(q("f")) AS \(q("period_start")), \(base) AS \(q("base")), \(churned) AS \(q("churned")),
                COALESCE(\(q("n")).\(q("new")), 0) AS \(q("new")), COALESCE(\(q("c")).\(q("reactivated")), 0) AS \(q("reactivated")),
                CASE WHEN \(base) = 0 THEN NULL ELSE \(rate) END AS \(q("churn_rate")),
                CASE WHEN \(base) = 0 THEN NULL ELSE 1 - \(rate) END AS \(q("retention_rate"))
            FROM \(q("windows")) AS \(q("w"))
            LEFT JOIN \(q("counts")) AS \(q("c")) ON \(q("c")).\(q("f")) = \(q("w")).\(q("f"))
            LEFT JOIN \(q("news")) AS \(q("n")) ON \(q("n")).\(q("f")) = \(q("w")).\(q("f"))
            ORDER BY \(q("w")).\(q("f"))
            """
        return try recursive(ctes, select, dialect, "churn", span, source)
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
