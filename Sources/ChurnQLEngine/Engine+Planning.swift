import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Parse → bind → rewrite → execute: the engine's side of the planner. The schema catalog describes the session
/// without reading rows; the binder checks a whole statement against it; the rewrite passes run; the executor
/// runs the plan.
extension Engine {
    /// The session as the binder sees it: schemas, views and parameters.
    func schemaCatalog() -> SchemaCatalog {
        var tables: [String: Schema] = [:]
        for name in catalog.names {
            if let table = catalog[name] { tables[name] = Schema(of: table) }
        }
        for attachment in attachments {
            for table in attachment.tables { tables[table.localName] = Attachment.schema(table) }
        }
        return SchemaCatalog(
            tables: tables, tableNames: catalog.names + remoteTableNames, customers: customersSchema(),
            ordersTable: ordersTableName,
            customersRawTable: attributesTableName == "customers" ? attributesTableName : remoteCustomersTable,
            views: views,
            parameters: parameters, stamp: schemaStamp)
    }

    var schemaStamp: SchemaStamp { SchemaStamp(data: dataVersion, models: modelVersion) }

    /// The derived customers table's columns, from a profile of no customers built the way the real one is (the
    /// same key, attribute and derived columns, in the same order), plus the CRM, profit and p_alive columns the
    /// session has. No row is read.
    func customersSchema() -> Schema? {
        guard let typing = typingProfile(), let roles else { return nil }
        var columns = typing.table.columns.map { ColumnSchema($0.name, $0.type) }
        columns += crmColumnSchema
        if let name = ordersTableName, let field = roles.profit, tableSchema(name)?.column(field) != nil {
            columns.append(ColumnSchema("profit", .decimal))
        }
        if predictive != nil { columns.append(ColumnSchema("p_alive", .decimal)) }
        return Schema(tableName: "customers", columns: columns, describesCustomers: true)
    }

    /// A customer profile of no customers with the real key and attribute columns: what expressions over
    /// customer rows are typed against.
    func typingProfile() -> CustomerProfile? {
        derived.typingProfile.value(for: KeyMatchKey(data: dataVersion, mode: keyMatch)) { makeTypingProfile() }
    }

    private func makeTypingProfile() -> CustomerProfile? {
        guard let name = ordersTableName, let roles, let orders = tableSchema(name),
            let customer = orders.column(roles.customer)
        else { return nil }
        // Customer keys are text in the derived table (a server's number key too: the SQL casts it).
        let history = OrderHistory.build(
            customer: Column.empty(name: customer.name, type: .text), date: Column.empty(name: "", type: .date),
            amount: nil, asof: 0)
        var attributes: (table: Table, key: String)?
        if let attributesTableName, let key = attributesKey, let schema = tableSchema(attributesTableName) {
            attributes = (schema.emptyTable(), key)
        }
        return CustomerProfile(
            history: history, settings: settings.retention(asof: 0), keyName: roles.customer, attributes: attributes,
            keyMatch: keyMatch)
    }

    /// Binds a query against the session (or, inside a view or an internal query, `scope`) and runs the rewrite
    /// passes.
    /// `passes`: the rewrite passes (all of them; tests leave one out to compare).
    func plan(
        _ query: Query, source: SourceText, scope: ViewScope? = nil, passes: [any PlanRewrite] = Rewriter.passes
    ) throws(Diagnostic) -> BoundQuery {
        let binder = Binder(catalog: schemaCatalog(), typing: EngineTyping(engine: self))
        return Rewriter.rewrite(try binder.bind(query, source: source, scope: scope), passes: passes)
    }

    /// Plans and runs a query.
    func run(
        _ query: Query, source: SourceText, scope: ViewScope? = nil, passes: [any PlanRewrite] = Rewriter.passes
    ) throws(Diagnostic) -> Table {
        let bound = try plan(query, source: source, scope: scope, passes: passes)
        if let attachment = try serverRunning(bound) { return try runOnServer(bound, attachment) }
        return try QueryExecutor(engine: self, source: source).run(bound)
    }
}

/// The engine's type rules for the binder: an expression is compiled, as the step would compile it, against a
/// table of no rows with the input's schema (and, over customer rows, a profile of no customers), so nothing is
/// read and the diagnostics are the ones the step would give.
struct EngineTyping: ExpressionTyping {
    let engine: Engine
    /// Kept per data version by the engine (`DerivedCache.typingProfile`).
    private var profile: CompileContext.ProfileSource? {
        engine.typingProfile().map { profile in CompileContext.ProfileSource { () throws(Diagnostic) in profile } }
    }

    /// The analysis date for typing: a date whenever the session has one (its value does not change a type).
    private var asof: Int32? { engine.asofOverride ?? (engine.ordersTableName == nil ? nil : 0) }

    func type(of expression: Expression, over input: Schema, source: SourceText) throws(Diagnostic) -> DataType {
        var context = CompileContext(
            table: input.emptyTable(), source: source, asof: asof, parameters: engine.parameters)
        if input.describesCustomers {
            context.predictive = engine.predictive
            context.modelIsStale = engine.modelIsStale
            context.profile = profile
        }
        return try ExpressionCompiler.compile(expression, context).type
    }

    func aggregateType(of expression: Expression, keys: Schema, over input: Schema, source: SourceText)
        throws(Diagnostic) -> DataType
    {
        let aggregation = CompileContext.Aggregation(
            rows: input.emptyTable(), groups: GroupIndex.single(rows: 0),
            profile: input.describesCustomers ? profile : nil,
            settings: engine.ordersTableName == nil ? nil : engine.settings.retention(asof: asof ?? 0))
        var context = CompileContext(
            table: keys.emptyTable(), source: source, asof: asof, parameters: engine.parameters,
            aggregation: aggregation)
        if input.describesCustomers {
            context.predictive = engine.predictive
            context.modelIsStale = engine.modelIsStale
        }
        return try ExpressionCompiler.compile(expression, context).type
    }
}
