import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax

/// `compile DIALECT QUERY`: the query planned as for running, then written as SQL for the dialect.
extension Engine {
    public func compile(_ query: Query, dialect: SQLDialect, source: SourceText) throws(Diagnostic) -> SQLText {
        try SQLCompiler.compile(bound: try plan(query, source: source), dialect: dialect, context: sqlContext())
    }

    /// `compile DIALECT churn …` / `cohort …`: the statement as one query, with the session's asof (the
    /// server's latest order date when the orders are attached and asof is not set).
    func compileStatement(_ statement: Statement, dialect: SQLDialect, span: SourceSpan, source: SourceText)
        throws(Diagnostic) -> SQLText
    {
        let asof = ordersAttachment == nil ? currentAsof : try serverAsof()
        guard let asof else { throw Self.noOrders }
        switch statement {
        case .churn(let period):
            return try SQLRetentionStatements.churnSeries(
                period, asof: asof, dialect: dialect, context: sqlContext(), span: span, source: source)
        case .cohort(let period, _, _):
            return try SQLRetentionStatements.cohorts(
                period, asof: asof, dialect: dialect, context: sqlContext(), span: span, source: source)
        default:
            throw Diagnostic(
                code: "not-in-sql", message: "only queries, churn and cohort compile to SQL", span: span, in: source)
        }
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
        context.attributes = sqlAttributes(roles)
        if let state = predictive, let model = state.transactions as? BGNBD {
            context.aliveModel = SQLAliveModel(
                r: model.r, alpha: model.alpha, a: model.a, b: model.b, modified: model.modified,
                unitDays: state.unitDays)
        }
        context.customersLimit = customersLimitInSQL(orders, roles, context.attributes != nil)
        context.customersSchema = customersSchema()
        return context
    }

    /// The attributes table's join, when SQL can make it as memory does: a table of the orders' own database
    /// (a loaded one keeps the file's row order, which SQL has not), keys matched exactly.
    private func sqlAttributes(_ roles: OrderRoles) -> SQLAttributes? {
        guard let name = attributesTableName, let key = attributesKey, keyMatch == .exact,
            let server = ordersAttachment, remoteTable(name)?.attachment === server,
            let schema = tableSchema(name)
        else { return nil }
        // The same names as the in-memory table's (a clash with a derived column takes a `customer_` prefix).
        let taken = Set(CustomerProfile.derivedColumns + ["customer_id", roles.customer.lowercased()])
        var columns: [String: String] = [:]
        for column in schema.columns where column.name != schema.column(key)?.name {
            columns[taken.contains(column.name.lowercased()) ? "customer_\(column.name)" : column.name] = column.name
        }
        return SQLAttributes(table: name, key: key, columns: columns)
    }

    /// Why the customers table cannot be written in SQL yet for this session (nil: it can).
    private func customersLimitInSQL(_ orders: Schema, _ roles: OrderRoles, _ joinsAttributes: Bool)
        -> CustomersLimit?
    {
        // Limits in how the orders are read come first: fits and statements that skip the customers table ask
        // only for those.
        // A server's timestamps are cast to days in UTC, as in memory; other dialects are not told the zone.
        let dateType = orders.column(roles.date)?.type
        if dateType != .date && !(dateType == .timestamp && ordersAttachment != nil) {
            return .orderTimestamps
        }
        if let amount = roles.amount {
            if orders.column(amount)?.type.isNumeric != true { return .textAmount }
        } else if roles.quantity != nil || roles.unitPrice != nil {
            return .quantityTimesPrice
        }
        if attributesTableName != nil && !joinsAttributes { return .attributesInMemory }
        if lostWhen != nil { return .lostWhenRule }
        return nil
    }
}
