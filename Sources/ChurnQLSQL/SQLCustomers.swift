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
    ) -> (
        ctes: [(String, String)], missing: String?
    ) {
        guard let orders = context.ordersTable, let customer = context.customerColumn, let date = context.dateColumn
        else { return ([], "the customers table (no orders table is detected)") }
        let derivedNames = Set(Self.derived.map(\.name))
        let attributeColumns = context.attributes?.columns ?? [:]
        for column in columns
        where !keyNames.contains(column.name.lowercased()) && !derivedNames.contains(column.name)
            && attributeColumns[column.name] == nil
        {
            return ([], "the column '\(column.name)'")
        }
        let needs = Set(columns.map(\.name))
        var ctes: [(String, String)] = []
        // Customers come in key order, as in memory (text by code point), so that `take` and ties in a sort
        // pick the same rows.
        // Customer keys are text, as in memory, whatever the column's type in the database (a number key of a
        // server table is compared and ordered as its written digits).
        let source = SQLOrders(dialect: dialect, context: context, table: orders, customer: customer, date: date)
        let customerKey = source.customerKey
        let key = "\(q("k")).\(q("customer"))"
        var keys =
            "SELECT DISTINCT \(customerKey) AS \(q("customer")) FROM \(context.reference(orders, dialect)) WHERE \(q(customer)) IS NOT NULL"
        var order = "ROW_NUMBER() OVER (ORDER BY \(dialect.binaryCollation(key))) AS \(q("__order"))"
        let attributes = context.attributes
        let attributeKey = attributes.map { a in
            context.tables[a.table]?.column(a.key)?.type == .text
                ? q(a.key) : "CAST(\(q(a.key)) AS \(dialect.textType))"
        }
        if let attributes, let attributeKey {
            // Customers with orders in key order, then those only in the attributes table (in key order too:
            // a server table has no row order).
            keys = """
                SELECT \(q("customer")), MIN(\(q("source"))) AS \(q("source")) FROM (
                    SELECT DISTINCT \(customerKey) AS \(q("customer")), 0 AS \(q("source")) FROM \(context.reference(orders, dialect)) WHERE \(q(customer)) IS NOT NULL
                    UNION ALL
                    SELECT DISTINCT \(attributeKey), 1 FROM \(context.reference(attributes.table, dialect)) WHERE \(q(attributes.key)) IS NOT NULL
                ) AS \(q("u")) GROUP BY \(q("customer"))
                """
            order =
                "ROW_NUMBER() OVER (ORDER BY \(q("k")).\(q("source")), \(dialect.binaryCollation(key))) AS \(q("__order"))"
        }
        let keySelect = (columns.map { "\(key) AS \(q($0.name))" } + [order]).joined(separator: ", ")
        if needs.isSubset(of: keyNamesIn(columns, keyNames)) && flags.isEmpty && measures.isEmpty {
            // Only keys: no order needs summarising.
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
        ctes.append(("customer_keys", keys))
        ctes.append(("valid_orders", source.validOrders(asof: asof)))
        let gaps = needs.contains("reactivated")
        let gap =
            gaps
            ? ", \(dialect.daysBetween(q("day"), "LAG(\(q("day"))) OVER (PARTITION BY \(q("customer")) ORDER BY \(q("day")))")) AS \(q("gap"))"
            : ""
        ctes.append(
            (
                "purchase_days",
                """
                SELECT \(q("customer")), \(q("day")), COUNT(*) AS \(q("orders")), SUM(\(q("amount"))) AS \(q("revenue"))
                    FROM \(q("valid_orders")) GROUP BY \(q("customer")), \(q("day"))
                """
            ))
        var perCustomer = [
            "MIN(\(q("day"))) AS \(q("first_order"))", "MAX(\(q("day"))) AS \(q("last_order"))",
            "SUM(\(q("orders"))) AS \(q("orders"))", "COUNT(*) AS \(q("purchase_days"))",
            "SUM(\(q("revenue"))) AS \(q("revenue"))",
        ]
        if gaps { perCustomer.append("MAX(\(q("gap"))) AS \(q("longest_gap"))") }
        for flag in flags {
            let start = dialect.addDays(asof, "\(-flag.periodDays)")
            perCustomer.append(
                "MAX(CASE WHEN \(q("day")) <= \(start) THEN \(q("day")) END) AS \(q("last_by_start_\(flag.periodDays)"))"
            )
        }
        perCustomer += measureAggregates(measures, asof: asof)
        let daySource =
            gaps
            ? "(SELECT \(q("customer")), \(q("day")), \(q("orders")), \(q("revenue"))\(gap) FROM \(q("purchase_days"))) AS \(q("days"))"
            : q("purchase_days")
        ctes.append(
            (
                "customer_orders",
                "SELECT \(q("customer")), \(perCustomer.joined(separator: ", "))\n    FROM \(daySource) GROUP BY \(q("customer"))"
            ))
        var select: [String] = []
        let definitions = definitionsSQL(asof: asof)
        var readsAttributes = false
        for column in columns {
            if keyNames.contains(column.name.lowercased()) {
                select.append("\(q("k")).\(q("customer")) AS \(q(column.name))")
            } else if let source = attributeColumns[column.name] {
                select.append("\(q("a")).\(q(source)) AS \(q(column.name))")
                readsAttributes = true
            } else if let sql = definitions[column.name] {
                select.append("\(sql) AS \(q(column.name))")
            }
        }
        select.append(order)
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
        var from =
            "\(q("customer_keys")) AS \(q("k")) LEFT JOIN \(q("customer_orders")) AS \(q("o")) ON \(q("o")).\(q("customer")) = \(q("k")).\(q("customer"))"
        if readsAttributes, let attributes, let attributeKey {
            // The first row of a repeated key, as in memory; a server table has no row order, so which one is
            // the server's choice.
            let sources = Set(attributeColumns.values).sorted().map { q($0) }.joined(separator: ", ")
            ctes.append(
                (
                    "attribute_rows",
                    """
                    SELECT \(attributeKey) AS \(q("__key")), \(sources), ROW_NUMBER() OVER (PARTITION BY \(q(attributes.key))) AS \(q("__n"))
                        FROM \(context.reference(attributes.table, dialect)) WHERE \(q(attributes.key)) IS NOT NULL
                    """
                ))
            from +=
                " LEFT JOIN \(q("attribute_rows")) AS \(q("a")) ON \(q("a")).\(q("__key")) = \(q("k")).\(q("customer")) AND \(q("a")).\(q("__n")) = 1"
        }
        ctes.append(("customers", "SELECT \(select.joined(separator: ",\n        "))\n    FROM \(from)"))
        return (ctes, nil)
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
        return [
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
    }

    /// A non-negative number rounded half up to an integer, as Swift's `rounded()` rounds it (PostgreSQL and
    /// DuckDB round a double to even when casting, so the floor is taken first).
    private func roundHalfUp(_ x: String) -> String {
        dialect == .sqlite ? "CAST(\(x) + 0.5 AS INTEGER)" : "CAST(FLOOR(\(x) + 0.5) AS \(dialect.integerType))"
    }
}
