import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax
import Dispatch

/// A session's data and settings, and the one place statements are executed — the shell, `-c`, `-f` and
/// `.read` all come through here.
public final class Engine {
    /// Loaded tables under their own names. Every change bumps the data version.
    public internal(set) var catalog = Catalog() {
        didSet { dataVersion &+= 1 }
    }
    /// Counts changes to the data (the catalog and the role options): derived values are keyed by it.
    public private(set) var dataVersion = 0
    /// `let` views, each bound to the views it reads as they were when it was defined.
    var views: [String: ViewDefinition] = [:]
    /// Values of `$name` parameters.
    public var parameters: [String: Value] = [:]
    /// The `set` settings.
    public internal(set) var settings = SessionSettings()
    /// Plan steps executed in this session (tests count them to see that a bad query runs none).
    var stepsExecuted = 0
    /// The largest result a join may build.
    public var rowLimit = 50_000_000
    /// Ctrl-C: asked between steps and, through `Interrupt.current` (bound while a statement runs), inside the
    /// long loops. The shell sets it from its SIGINT flag.
    public var interrupt = Interrupt { false }
    /// The same question as a plain function (the server connection polls it while waiting).
    public var isCancelled: () -> Bool { { [interrupt] in interrupt.isRequested } }
    /// Asked while loading (from the loader's threads).
    public var loadCancelled: @Sendable () -> Bool = { false }
    /// Shows a load's progress; returns the function that ends the display. The shell sets it on a terminal.
    public var progressDisplay: ((LoadProgress, String) -> () -> Void)?
    /// Shows a warning about data dropped, made null or matched loosely while loading, which --quiet must not hide;
    /// without it such warnings join the load's notes.
    public var warningDisplay: ((Diagnostic) -> Void)?
    /// The import report of the latest load that joined a customers table to the orders (see `asofSummary`).
    var importNote: String?
    /// Shows a model fit's progress (iterations); returns the function that ends the display.
    public var fitDisplay: ((FitProgress, String) -> () -> Void)?

    /// The detected tables and roles.
    public internal(set) var detected = DetectedRoles()
    /// Role options given to `load … with (…)`, per table; part of the data version.
    var roleOverrides: [String: [String: String]] = [:] {
        didSet { dataVersion &+= 1 }
    }
    /// Derived tables keyed by what they read.
    let derived = DerivedCache()
    /// Tables created by the latest load.
    public internal(set) var lastLoadedNames: [String] = []
    /// Fitted models; every change bumps the model version, which keys the customers table's model columns.
    var models = FittedModels() {
        didSet { modelVersion &+= 1 }
    }
    private(set) var modelVersion = 0
    /// Attached databases, in attach order; a change is a change of the data.
    var attachments: [Attachment] = [] {
        didSet { dataVersion &+= 1 }
    }
    /// Whether a database server is attached (its connection should say goodbye before churnql exits).
    public var holdsServerConnections: Bool { !attachments.isEmpty }
    /// Files loaded, so outputs never overwrite them.
    public internal(set) var loadedPaths: [String] = []
    /// Reopened snapshots' columns, read on first use: a read that fails fails the statement that needed it.
    let snapshotReads = SnapshotReads()

    public init() {}

    /// Executes one parsed statement; its long loops stop on `interrupt` (an interrupted statement changes no
    /// state: derived values are kept only when complete, settings and models are assigned at the end).
    public func execute(_ node: StatementNode, source: SourceText) throws(Diagnostic) -> StatementResult {
        let result: Result<StatementResult, Diagnostic> = Interrupt.$current.withValue(interrupt) {
            do throws(Diagnostic) {
                return .success(try executeReadingSnapshots(node, source: source))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// A snapshot column that could not be read (the file changed since it was opened) makes the statement fail,
    /// after its result's columns are read and before anything is shown.
    private func executeReadingSnapshots(_ node: StatementNode, source: SourceText) throws(Diagnostic)
        -> StatementResult
    {
        let start = snapshotReadsBefore()
        let result: StatementResult
        do {
            result = try perform(node, source: source)
        } catch {
            try settleSnapshotReads(since: start, result: nil)
            throw error
        }
        try settleSnapshotReads(since: start, result: result)
        return result
    }

    private func perform(_ node: StatementNode, source: SourceText) throws(Diagnostic) -> StatementResult {
        switch node.statement {
        case .query(let query):
            return .table(try run(query, source: source))
        case .let(let name, let query):
            views[name] = try Binder(catalog: schemaCatalog(), typing: EngineTyping(engine: self))
                .defineView(name, query, source: source)
            return .notes(["view \(name) defined"])
        case .load(let path, let alias, let options):
            return .notes(try load(path: path, alias: alias, options: options, span: node.span, source: source))
        case .attach(let uri, let alias, let options):
            return .notes(try attach(uri: uri, alias: alias, options: options, span: node.span, source: source))
        case .detach(let name):
            return .notes(try detach(name, span: node.span, source: source))
        case .loadServerTable(let uri, let table, let alias, let options):
            return .notes(
                try loadServerTable(
                    uri: uri, table: table, alias: alias, options: options, span: node.span, source: source))
        case .set(let name, let value):
            return .notes([try set(name, value, source: source)])
        case .param(let name, let defaultValue):
            if parameters[name] == nil {
                parameters[name] = try ExpressionCompiler.constant(defaultValue, constantContext(source))
            }
            return .nothing
        case .showSettings:
            return .table(settingsTable())
        case .tables:
            return .table(tablesTable())
        case .describe(let name)
        where remoteTable(name) != nil || (name.lowercased() == "customers" && ordersAttachment != nil):
            // Described from the schema: the rows stay on the server.
            guard let schema = remoteTable(name).map({ Attachment.schema($0.table) }) ?? customersSchema() else {
                return .nothing
            }
            return .table(describe(schema.emptyTable()))
        case .describe(let name):
            let table = try run(Query(source: name, sourceSpan: node.span, operations: []), source: source)
            return .table(describe(table))
        case .explain(let metric):
            return .text(try MetricExplainer(engine: self).explain(metric, span: node.span, source: source))
        case .explainQuery(let query):
            return .table(try explainQuery(query, source: source))
        case .explainPlan(let query):
            return .text(PlanPrinter.render(try plan(query, source: source)))
        case .compileStatement(let dialect, let statement):
            guard let dialect = SQLDialect(rawValue: dialect) else { return .nothing }
            return .text(try compileStatement(statement, dialect: dialect, span: node.span, source: source).text)
        case .compile(let dialect, let query):
            guard let dialect = SQLDialect(rawValue: dialect) else { return .nothing }
            return .text(try compile(query, dialect: dialect, source: source).text)
        case .drill(let metric):
            return .table(try drill(metric, span: node.span, source: source))
        case .survival(let key):
            return try survival(by: key, span: node.span, source: source)
        case .workbench(let section):
            return try workbench(section, span: node.span, source: source)
        case .team:
            return try team(span: node.span, source: source)
        case .handover(let rep):
            return .table(try handover(rep, span: node.span, source: source))
        case .profile(let key):
            return .table(try runQuery(Workbench.profileQuery(key), span: node.span, source: source))
        case .export(let query, let path):
            return .export(try run(query, source: source), path: path)
        case .save(let path):
            let (contents, notes) = try snapshotContents()
            return .snapshot(contents, path: path, notes: notes)
        case .print(let text):
            return .text(text)
        case .printQuery(let query):
            return .table(try run(query, source: source))
        case .assert(let assertion):
            try AssertionChecker(engine: self, source: source).check(assertion, span: node.span)
            return .nothing
        case .churn(let period):
            return .table(try churnSeries(period, span: node.span, source: source))
        case .cohort(let period, let byRevenue, let shares):
            let (long, matrix) = try cohorts(
                period, byRevenue: byRevenue, shares: shares, span: node.span, source: source)
            return .cohort(long, matrix)
        case .fit(let model, let until, let unit):
            return try fit(model: model, until: until, unit: unit, span: node.span, source: source)
        case .evaluate:
            return try evaluate(span: node.span, source: source)
        case .compareModels:
            return try compareModels(span: node.span, source: source)
        case .verify: return try verify(span: node.span, source: source)
        }
    }

    func checkCancelled() throws(Diagnostic) {
        if interrupt.isRequested { throw Self.interrupted }
    }

    static let interrupted = Diagnostic(code: "interrupted", message: "interrupted")

    /// Throws when the running statement was asked to stop (for code that has no engine at hand).
    static func stopIfInterrupted() throws(Diagnostic) {
        if Interrupt.requested { throw interrupted }
    }

    /// The analysis date: the `asof` setting, else the latest order date.
    public var currentAsof: Int32? { asofOverride ?? latestOrderDate }

    /// The latest order date, computed once per version of the data.
    var latestOrderDate: Int32? {
        derived.latestOrderDate.value(for: dataVersion) { scanLatestOrderDate() }
    }

    private func scanLatestOrderDate() -> Int32? {
        guard let name = ordersTableName, let roles, let column = catalog[name]?.column(roles.date) else { return nil }
        // Without nulls the whole column counts; with them, only the rows that have a date.
        let rows = column.nulls.map { nulls in nulls.indices.filter { !nulls[$0] } }
        switch column.storage {
        case .date(let days):
            guard let rows else { return Self.largest(days) }
            return rows.lazy.map { days[$0] }.max()
        case .timestamp(let seconds):
            guard let rows else { return Self.largest(seconds).map(Dates.day(ofTimestamp:)) }
            return rows.lazy.map { seconds[$0] }.max().map(Dates.day(ofTimestamp:))
        default:
            return nil
        }
    }

    /// The largest value, in a loop the compiler vectorizes, on two cores from a million values on (the latest
    /// order date is asked for after every load; `max()` took about 10 ms on ten million).
    private static func largest<T: FixedWidthInteger & Sendable>(_ values: [T]) -> T? {
        guard !values.isEmpty else { return nil }
        let parts = values.count >= 1 << 20 ? 2 : 1
        var partial = [T](repeating: T.min, count: parts)
        values.withUnsafeBufferPointer { buffer in
            partial.withUnsafeMutableBufferPointer { partial in
                nonisolated(unsafe) let (buffer, partial) = (buffer, partial)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    var largest = T.min
                    for i in (buffer.count * part / parts)..<(buffer.count * (part + 1) / parts) {
                        largest = Swift.max(largest, buffer[i])
                    }
                    partial[part] = largest
                }
            }
        }
        return partial.max()
    }

    public var retentionSettings: RetentionSettings? { currentAsof.map(settings.retention) }

    /// Each customer's orders by date up to asof (models need no more).
    public func orderHistory() throws(Diagnostic) -> OrderHistory {
        if ordersAttachment != nil { throw onlyInMemory("this statement") }
        guard let name = ordersTableName, let roles, let orders = catalog[name], let asof = currentAsof,
            let customer = orders.column(roles.customer), let date = orders.column(roles.date)
        else { throw Self.noOrders }
        // A history stopped by Ctrl-C is partial: the check before it is kept throws instead.
        return try derived.history.value(for: HistoryKey(data: dataVersion, asof: asof)) { () throws(Diagnostic) in
            let amount = try amountColumn(orders, roles)
            let history = Trace.measure("order history") {
                OrderHistory.build(customer: customer, date: date, amount: amount, asof: asof)
            }
            try checkCancelled()
            return history
        }
    }

    static let noOrders = Diagnostic(
        code: "no-orders", message: "no orders table is loaded",
        hint: "load a file with customer and date columns: load \"orders.csv\"")

    /// The key of the profile as the data and settings are now.
    func profileKey() throws(Diagnostic) -> ProfileKey {
        guard let retention = retentionSettings else { throw Self.noOrders }
        return ProfileKey(data: dataVersion, retention: retention)
    }

    /// The derived customers profile for the current data and settings.
    public func profile() throws(Diagnostic) -> CustomerProfile {
        let key = try profileKey()
        if let kept = derived.profile.value(ifComputedFor: key) { return kept }
        let history = try orderHistory()
        guard let roles else { throw Self.noOrders }
        var attributes: (table: Table, key: String)?
        if let attributesTableName, let key = attributesKey, let table = catalog[attributesTableName] {
            attributes = (table, key)
        }
        let keyMatch = keyMatch
        // The orders' keys matched to the attributes' once per data version, shared with the import report.
        let sharedMatch = attributes == nil ? nil : keyDictionaryMatch()
        return try derived.profile.value(for: key) { () throws(Diagnostic) in
            let profile = Trace.measure("customer profile") {
                CustomerProfile(
                    history: history, settings: key.retention, keyName: roles.customer, attributes: attributes,
                    keyMatch: keyMatch, sharedMatch: sharedMatch)
            }
            try checkCancelled()
            return profile
        }
    }

    /// The derived customers table, with p_alive once a transaction model is fitted. With `needed` (lowercased
    /// names a query reads), only those derived columns are computed, unless the whole table already is. A name
    /// the narrow table lacks (a typo, or `profit` and `p_alive`, which are built once with the whole table) gets
    /// the whole table, so that the query's error can suggest from every column.
    func customersTable(needing needed: Set<String>? = nil) throws(Diagnostic) -> Table {
        let rule = settings.lostWhen
        let key = CustomersKey(
            profile: try profileKey(), lostWhen: rule, parameters: rule == nil ? [:] : parameters,
            models: modelVersion)
        // Before the profile: a reopened snapshot's stored table needs no order history.
        if let whole = derived.customers.value(ifComputedFor: key) { return whole }
        let profile = try profile()
        if let needed, rule == nil {
            var table = profile.table(columns: needed)
            // Columns skipped after Ctrl-C are zeros: nothing may read them.
            try checkCancelled()
            table.columns += crmColumns(profile)
            if needed.isSubset(of: Set(table.columnNames.map { $0.lowercased() })) { return table }
        }
        return try derived.customers.value(for: key) { () throws(Diagnostic) in
            var table = profile.table
            try checkCancelled()
            table.columns += crmColumns(profile)
            if let profit = profitColumn(profile) { table.columns.append(profit) }
            try checkCancelled()
            if let state = predictive { table.columns.append(PredictiveFunctions.aliveColumn(profile, state)) }
            if let rule { table = try applyLostWhen(table, rule, profile) }
            // Kept only when whole.
            try checkCancelled()
            return table
        }
    }

    /// Derives the whole customers table now, if there are orders (the interactive shell does so before its prompt).
    public func prepareCustomersTable() { _ = Interrupt.$current.withValue(interrupt) { try? customersTable() } }

    /// `set lost_when = EXPR`: customers for whom EXPR holds are lost, whatever their recency says.
    private func applyLostWhen(_ table: Table, _ rule: LostWhenRule, _ profile: CustomerProfile) throws(Diagnostic)
        -> Table
    {
        var context = CompileContext(table: table, source: rule.source, asof: currentAsof, parameters: parameters)
        context.predictive = predictive
        context.profile = CompileContext.ProfileSource { () throws(Diagnostic) in profile }
        context.modelIsStale = modelIsStale
        let compiled: Vector
        do {
            compiled = try ExpressionCompiler.compile(rule.expression, context)
        } catch {
            // The rule was valid when set; the data or model under it changed since (a reload makes a model stale).
            throw Diagnostic(
                code: error.code, message: "lost_when cannot be applied now: \(error.message)",
                span: rule.expression.span, in: rule.source,
                hint: (error.hint.map { $0 + "; " } ?? "") + "or set lost_when = none")
        }
        guard case .boolean(let test) = compiled else {
            if compiled.type == .null { return table }
            throw Self.lostWhenNotCondition(rule.expression.span, rule.source)
        }
        var result = table
        for name in ["status", "lifecycle"] {
            guard let index = result.columnIndex(name),
                case .text(var codes, var dictionary) = result.columns[index].storage
            else { continue }
            var lost = dictionary.firstIndex(of: "lost").map(Int32.init)
            if lost == nil {
                dictionary.append("lost")
                lost = Int32(dictionary.count - 1)
            }
            for row in 0..<result.rowCount where test(row) == true { codes[row] = lost ?? 0 }
            try context.faults.check()
            result.columns[index] = Column(
                name: name, storage: .text(codes: codes, dictionary: dictionary), nulls: result.columns[index].nulls)
        }
        return result
    }

    /// `profit`: the sum of the profit (or margin) role per customer, when the orders have one.
    func profitColumn(_ profile: CustomerProfile) -> Column? {
        guard let name = ordersTableName, let roles, let field = roles.profit, let orders = catalog[name],
            let customer = orders.column(roles.customer), let date = orders.column(roles.date),
            let profit = orders.column(field)
        else { return nil }
        // The same customer and date columns give the same dense customer ids as the main history.
        let history = OrderHistory.build(customer: customer, date: date, amount: profit, asof: profile.settings.asof)
        var sums = [Double](repeating: 0, count: profile.history.customerCount)
        for c in 0..<Swift.min(history.customerCount, sums.count) {
            sums[c] = history.amounts[history.offsets[c]..<history.offsets[c + 1]].reduce(0, +)
        }
        return Column(name: "profit", storage: .decimal(sums))
    }

    /// The amount column, or quantity × unit price.
    private func amountColumn(_ orders: Table, _ roles: OrderRoles) throws(Diagnostic) -> Column? {
        if let name = roles.amount { return orders.column(name) }
        guard let q = roles.quantity.flatMap(orders.column), let p = roles.unitPrice.flatMap(orders.column) else {
            return nil
        }
        let qv = Vector.column(q).asDouble ?? { _ in nil }
        let pv = Vector.column(p).asDouble ?? { _ in nil }
        return try Vector.decimal { row in qv(row).flatMap { a in pv(row).map { a * $0 } } }.materialize(
            name: "amount", count: orders.rowCount, stop: StopCheck())
    }

    /// Every name `from` accepts, for completion and suggestions.
    public var sourceNames: [String] { schemaCatalog().sourceNames }

    /// Column names of a source, for completion (empty when unknown): from its schema, reading no rows.
    public func columnNames(of name: String) -> [String] {
        let query = Query(source: name, sourceSpan: .none, operations: [])
        return (try? plan(query, source: SourceText(name: nil, text: "")))?.plan.schema.names ?? []
    }

    func constantContext(_ source: SourceText) -> CompileContext {
        CompileContext(
            table: Table(name: "", columns: [], rowCount: 1), source: source, asof: currentAsof, parameters: parameters)
    }
}
