import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore

/// The derived customers table as CTEs over the orders table, with the in-memory definitions
/// (docs/metrics.md): orders on or before asof with a customer and a date; same-day orders merged into purchase
/// days; customers whose every order is later still present, with no orders.
struct SQLCustomers {
    let dialect: SQLDialect
    let context: SQLContext

    /// The derived columns this backend computes, in the table's order, with their types.
    static let derived: [(name: String, type: DataType)] = [
        ("first_order", .date), ("last_order", .date), ("orders", .integer), ("purchase_days", .integer),
        ("frequency", .integer), ("revenue", .decimal), ("avg_order_value", .decimal), ("days_since_last", .integer),
        ("tenure_days", .integer), ("active_span_days", .integer), ("purchase_cycle_days", .decimal),
        ("next_purchase", .date), ("overdue_days", .integer), ("status", .text), ("is_new", .boolean),
        ("lifecycle", .text), ("reactivated", .boolean),
    ]

    private func q(_ name: String) -> String { dialect.quote(name) }

    /// The CTEs ending in one named `customers`, with `columns` (the customers schema's, in order) and the
    /// churn flags; nil with the first column it cannot write.
    func ctes(
        columns: [ColumnSchema], keyNames: Set<String>, flags: [ChurnFlags], measures: [RetentionMeasure] = []
    ) -> (ctes: [(String, String)], missing: String?) {
        guard let orders = context.ordersTable, let customer = context.customerColumn, let date = context.dateColumn
        else { return ([], "the customers table (no orders table is detected)") }
        let derivedNames = Set(Self.derived.map(\.name))
        let attributeColumns = context.attributes?.columns ?? [:]
        for column in columns
        where !keyNames.contains(column.name.lowercased()) && !derivedNames.contains(column.name)
            && attributeColumns[column.name] == nil && !(column.name == "p_alive" && context.aliveModel != nil)
        {
            return ([], "the column '\(column.name)'")
        }
        let needs = Set(columns.map(\.name))
        var ctes: [(String, String)] = []
        // Customers come in key order, as in memory (text by code point), so that `take` and ties in a sort
        // pick the same rows.
        let source = SQLOrders(dialect: dialect, context: context, table: orders, customer: customer, date: date)
        let customerKey = source.customerKey
        let keys =
            "SELECT DISTINCT \(customerKey) AS \(q("customer")) FROM \(context.reference(orders, dialect)) WHERE \(q(customer)) IS NOT NULL"
        let attributes = context.attributes
        if needs.isSubset(of: keyNamesIn(columns, keyNames)) && flags.isEmpty && measures.isEmpty && attributes == nil {
            // Only keys: no order needs summarising.
            let order =
                "ROW_NUMBER() OVER (ORDER BY \(dialect.binaryCollation("\(q("k")).\(q("customer"))"))) AS \(q("__order"))"
            let keySelect =
                (columns.map { "\(q("k")).\(q("customer")) AS \(q($0.name))" } + [order]).joined(separator: ", ")
            return (
                [
                    ("customer_keys", keys),
                    ("customers", "SELECT \(keySelect) FROM \(q("customer_keys")) AS \(q("k"))"),
                ], nil
            )
        }
        let asof: String
        if let day = context.asof {
            asof = dialect.date(day)
        } else {
            ctes.append(("asof", source.latestDay))
            asof = "(SELECT \(q("asof")) FROM \(q("asof")))"
        }
        ctes.append(
            (
                "customer_orders",
                customerOrders(source, needs: needs, flags: flags, measures: measures, asof: asof, into: &ctes)
            ))
        // Every customer with an order (of any date) is a row; a customer whose every order is after asof or
        // undated has nulls (no purchase). Attribute-only customers come after the others.
        var key = "\(q("o")).\(q("customer"))"
        var from = "\(q("customer_orders")) AS \(q("o"))"
        var rank = dialect.binaryCollation(key)
        if let attributes {
            let attributeKey =
                context.tables[attributes.table]?.column(attributes.key)?.type == .text
                ? q(attributes.key) : "CAST(\(q(attributes.key)) AS \(dialect.textType))"
            // The first row of a repeated key, as in memory; a server table has no row order, so which one is
            // the server's choice.
            let sources = Set(attributeColumns.values).sorted().map { q($0) }.joined(separator: ", ")
            let sourceList = sources.isEmpty ? "" : ", \(sources)"
            ctes.append(
                (
                    "attribute_rows",
                    """
                    SELECT * FROM (
                        SELECT \(attributeKey) AS \(q("__key"))\(sourceList), ROW_NUMBER() OVER (PARTITION BY \(q(attributes.key))) AS \(q("__n"))
                        FROM \(context.reference(attributes.table, dialect)) WHERE \(q(attributes.key)) IS NOT NULL
                    ) AS \(q("r")) WHERE \(q("__n")) = 1
                    """
                ))
            from +=
                " FULL OUTER JOIN \(q("attribute_rows")) AS \(q("a")) ON \(q("a")).\(q("__key")) = \(q("o")).\(q("customer"))"
            key = "COALESCE(\(q("o")).\(q("customer")), \(q("a")).\(q("__key")))"
            rank = "CASE WHEN \(q("o")).\(q("customer")) IS NULL THEN 1 ELSE 0 END, \(dialect.binaryCollation(key))"
        }
        var select: [String] = []
        let definitions = definitionsSQL(asof: asof)
        for column in columns {
            if keyNames.contains(column.name.lowercased()) {
                select.append("\(key) AS \(q(column.name))")
            } else if let source = attributeColumns[column.name] {
                select.append("\(q("a")).\(q(source)) AS \(q(column.name))")
            } else if let sql = definitions[column.name] {
                select.append("\(sql) AS \(q(column.name))")
            }
        }
        select.append("ROW_NUMBER() OVER (ORDER BY \(rank)) AS \(q("__order"))")
        for flag in flags {
            let start = dialect.addDays(asof, "\(-flag.periodDays)")
            let lastByStart = "\(q("o")).\(q("last_by_start_\(flag.periodDays)"))"
            let base =
                "\(lastByStart) IS NOT NULL AND \(dialect.daysBetween(start, lastByStart)) <= \(context.churnWindow)"
            select.append("CASE WHEN \(base) THEN 1 ELSE 0 END AS \(q(flag.baseColumn))")
            select.append(
                "CASE WHEN \(base) AND \(q("o")).\(q("last_order")) <= \(start) THEN 1 ELSE 0 END AS \(q(flag.churnedColumn))"
            )
        }
        select += measures.map { measureColumn($0, asof: asof, definitions: definitions) }
        ctes.append(("customers", "SELECT \(select.joined(separator: ",\n        "))\n    FROM \(from)"))
        return (ctes, nil)
    }

    /// The derived columns that need a customer's distinct purchase days (not only its orders).
    static let dayLevel: Set<String> = [
        "purchase_days", "frequency", "purchase_cycle_days", "next_purchase", "overdue_days", "lifecycle",
        "reactivated", "p_alive",
    ]

    /// One row per customer with an order: its first and last purchase day, orders, purchase days and revenue
    /// up to asof (null without any), the longest gap and the churn flags' last day before each period. One
    /// aggregation over the orders, or two (by day, then by customer) when purchase days are needed; no join.
    private func customerOrders(
        _ source: SQLOrders, needs: Set<String>, flags: [ChurnFlags], measures: [RetentionMeasure], asof: String,
        into ctes: inout [(String, String)]
    ) -> String {
        let byDay =
            !needs.isDisjoint(with: Self.dayLevel) || measures.contains(.repeater) || measures.contains(.cycle)
        let valid = "\(q("day")) <= \(asof)"
        let table = context.reference(source.table, dialect)
        let rows: String
        var perCustomer = [
            "MIN(CASE WHEN \(valid) THEN \(q("day")) END) AS \(q("first_order"))",
            "MAX(CASE WHEN \(valid) THEN \(q("day")) END) AS \(q("last_order"))",
            "SUM(CASE WHEN \(valid) THEN \(q("revenue")) END) AS \(q("revenue"))",
        ]
        if byDay {
            ctes.append(
                (
                    "purchase_days",
                    """
                    SELECT \(source.customerKey) AS \(q("customer")), \(source.day) AS \(q("day")), COUNT(*) AS \(q("orders")), SUM(\(source.amount)) AS \(q("revenue"))
                        FROM \(table) WHERE \(q(source.customer)) IS NOT NULL GROUP BY 1, 2
                    """
                ))
            perCustomer += [
                "SUM(CASE WHEN \(valid) THEN \(q("orders")) END) AS \(q("orders"))",
                "SUM(CASE WHEN \(valid) THEN 1 END) AS \(q("purchase_days"))",
            ]
            if needs.contains("reactivated") {
                // Undated days sort first in some engines and last in others: either way a dated day's previous
                // dated day is the one before it, and the first has none.
                let gap = dialect.daysBetween(
                    q("day"), "LAG(\(q("day"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("day")))")
                rows =
                    "(SELECT \(q("customer")), \(q("day")), \(q("orders")), \(q("revenue")), \(gap) AS \(q("gap")) FROM \(q("purchase_days"))) AS \(q("d"))"
                perCustomer.append("MAX(CASE WHEN \(valid) THEN \(q("gap")) END) AS \(q("longest_gap"))")
            } else {
                rows = q("purchase_days")
            }
        } else {
            rows =
                "(SELECT \(source.customerKey) AS \(q("customer")), \(source.day) AS \(q("day")), \(source.amount) AS \(q("revenue")) FROM \(table) WHERE \(q(source.customer)) IS NOT NULL) AS \(q("d"))"
            perCustomer.append("SUM(CASE WHEN \(valid) THEN 1 END) AS \(q("orders"))")
        }
        for flag in flags {
            let start = dialect.addDays(asof, "\(-flag.periodDays)")
            perCustomer.append(
                "MAX(CASE WHEN \(q("day")) <= \(start) THEN \(q("day")) END) AS \(q("last_by_start_\(flag.periodDays)"))"
            )
        }
        perCustomer += measureAggregates(measures, asof: asof)
        return
            "SELECT \(q("customer")), \(perCustomer.joined(separator: ", "))\n    FROM \(rows) GROUP BY \(q("customer"))"
    }

    private func keyNamesIn(_ columns: [ColumnSchema], _ keyNames: Set<String>) -> Set<String> {
        Set(columns.map(\.name).filter { keyNames.contains($0.lowercased()) })
    }

    /// Each derived column's SQL over `o` (the customer's order summary, null without orders).
    func definitionsSQL(asof: String) -> [String: String] {
        func o(_ name: String) -> String { "\(q("o")).\(q(name))" }
        let double = dialect.doubleType
        let daysSinceLast = dialect.daysBetween(asof, o("last_order"))
        let tenure = dialect.daysBetween(asof, o("first_order"))
        let span = dialect.daysBetween(o("last_order"), o("first_order"))
        let hasCycle = "\(o("purchase_days")) >= 2"
        let cycle = "CAST(\(span) AS \(double)) / (\(o("purchase_days")) - 1)"
        let next = dialect.addDays(o("last_order"), roundHalfUp("\(cycle)"))
        let late = dialect.daysBetween(asof, next)
        let overdue = "CASE WHEN \(hasCycle) THEN CASE WHEN \(late) > 0 THEN \(late) ELSE 0 END END"
        let (churnWindow, lostWindow, newWindow) = (context.churnWindow, context.lostWindow, context.newWindow)
        let none = "\(o("last_order")) IS NULL"
        var definitions = [
            "first_order": o("first_order"),
            "last_order": o("last_order"),
            "orders": "COALESCE(\(o("orders")), 0)",
            "purchase_days": "COALESCE(\(o("purchase_days")), 0)",
            "frequency": "(\(o("purchase_days")) - 1)",
            "revenue": "COALESCE(\(o("revenue")), CAST(0 AS \(double)))",
            "avg_order_value": "(\(o("revenue")) / \(o("orders")))",
            "days_since_last": daysSinceLast,
            "tenure_days": tenure,
            "active_span_days": span,
            "purchase_cycle_days": "CASE WHEN \(hasCycle) THEN \(cycle) END",
            "next_purchase": "CASE WHEN \(hasCycle) THEN \(next) END",
            "overdue_days": overdue,
            "status":
                "CASE WHEN \(none) THEN NULL WHEN \(daysSinceLast) <= \(churnWindow) THEN 'active' WHEN \(daysSinceLast) <= \(lostWindow) THEN 'lapsed' ELSE 'lost' END",
            "is_new":
                "CASE WHEN \(none) THEN NULL WHEN \(tenure) <= \(newWindow) THEN \(dialect.boolean(true)) ELSE \(dialect.boolean(false)) END",
            "lifecycle":
                "CASE WHEN \(none) THEN NULL WHEN \(daysSinceLast) <= \(churnWindow) THEN (CASE WHEN \(tenure) <= \(newWindow) THEN 'new' WHEN COALESCE(\(overdue), 0) > 0 THEN 'at_risk' ELSE 'active' END) WHEN \(daysSinceLast) <= \(lostWindow) THEN 'lapsed' ELSE 'lost' END",
            "reactivated":
                "CASE WHEN \(none) THEN NULL WHEN \(o("longest_gap")) > \(churnWindow) THEN \(dialect.boolean(true)) ELSE \(dialect.boolean(false)) END",
        ]
        if let model = context.aliveModel {
            definitions["p_alive"] = aliveSQL(model, x: "(\(o("purchase_days")) - 1)", tx: span, T: tenure)
        }
        return definitions
    }

    /// P(alive | x, t_x, T) of a BG/NBD model, as `BGNBD.probabilityAlive` computes it; null without orders.
    private func aliveSQL(_ model: SQLAliveModel, x: String, tx: String, T: String) -> String {
        let double = dialect.doubleType
        func number(_ value: Double) -> String { "CAST(\(String(value)) AS \(double))" }
        let unit = number(model.unitDays)
        let ratio =
            "(\(number(model.alpha)) + CAST(\(T) AS \(double)) / \(unit)) / (\(number(model.alpha)) + CAST(\(tx) AS \(double)) / \(unit))"
        let power = "POWER(\(ratio), \(number(model.r)) + \(x))"
        // MBG/NBD: a customer may drop out after the first purchase too, so there is no x = 0 case.
        let dropout = model.modified ? "\(number(model.b)) + \(x)" : "\(number(model.b)) + \(x) - 1"
        let alive = "1 / (1 + (\(number(model.a)) / (\(dropout))) * \(power))"
        if model.modified { return "CASE WHEN \(x) IS NULL THEN NULL ELSE \(alive) END" }
        return "CASE WHEN \(x) IS NULL THEN NULL WHEN \(x) = 0 THEN CAST(1 AS \(double)) ELSE \(alive) END"
    }

    /// A non-negative number rounded half up to an integer, as Swift's `rounded()` rounds it (PostgreSQL and
    /// DuckDB round a double to even when casting, so the floor is taken first).
    private func roundHalfUp(_ x: String) -> String {
        dialect == .sqlite ? "CAST(\(x) + 0.5 AS INTEGER)" : "CAST(FLOOR(\(x) + 0.5) AS \(dialect.integerType))"
    }
}
