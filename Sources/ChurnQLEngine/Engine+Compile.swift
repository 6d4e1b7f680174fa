import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLPlanner
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax

/// `compile DIALECT QUERY`: the query planned as for running, then written as SQL for the dialect.
extension Engine {
    public func compile(_ query: Query, dialect: SQLDialect, source: SourceText) throws(Diagnostic) -> SQLText {
        try SQLCompiler.compile(bound: try plan(query, source: source), dialect: dialect, context: sqlContext())
    }

    /// The session as the SQL compiler sees it: the tables' schemas, the orders table's roles, the settings and
    /// the parameters. Attached tables are named by their place in their database.
    func sqlContext() -> SQLContext {
        var tables: [String: Schema] = [:]
        for name in catalog.names {
            if let table = catalog[name] { tables[name] = Schema(of: table) }
        }
        var references: [String: [String]] = [:]
        for attachment in attachments {
            for table in attachment.tables {
                tables[table.localName] = Attachment.schema(table)
                references[table.localName] = [table.schema, table.name]
            }
        }
        var context = SQLContext(
            asof: asofOverride, churnWindow: churnWindow, lostWindow: lostWindow, newWindow: newWindow,
            parameters: parameters, tables: tables)
        context.tableReferences = references
        guard let name = ordersTableName, let roles, let orders = tables[name] else { return context }
        context.ordersTable = name
        context.customerColumn = orders.column(roles.customer)?.name
        context.dateColumn = orders.column(roles.date)?.name
        context.amountColumn = roles.amount.flatMap { orders.column($0)?.name }
        context.customersUnsupported = customersUnsupportedInSQL(orders, roles)
        context.customersSchema = customersSchema()
        return context
    }

    /// Why the customers table cannot be written in SQL yet for this session (nil: it can).
    private func customersUnsupportedInSQL(_ orders: Schema, _ roles: OrderRoles) -> String? {
        if attributesTableName != nil { return "the customers table with an attributes table (key matching)" }
        if lostWhen != nil { return "the customers table under a lost_when rule" }
        // A server's timestamps are cast to days in UTC, as in memory; other dialects are not told the zone.
        let dateType = orders.column(roles.date)?.type
        if dateType != .date && !(dateType == .timestamp && ordersAttachment != nil) {
            return "the customers table over order timestamps"
        }
        if let amount = roles.amount {
            if orders.column(amount)?.type.isNumeric != true { return "revenue from a text amount column" }
        } else if roles.quantity != nil || roles.unitPrice != nil {
            return "revenue from quantity × unit price"
        }
        return nil
    }
}
