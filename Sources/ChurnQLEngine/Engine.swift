import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// A session's data and settings, and the one place statements are executed — the shell, `-c`, `-f` and
/// `.read` all come through here.
public final class Engine {
    /// Loaded tables under their own names.
    public internal(set) var catalog = Catalog()
    /// `let` views, each bound to the views it reads as they were when it was defined.
    var views: [String: ViewDefinition] = [:]
    /// The named views' rows while a run of `let` statements lasts (see `defineView`).
    var recentViewTables: ViewMemo?
    /// Values of `$name` parameters.
    public var parameters: [String: Value] = [:] { didSet { recentViewTables = nil } }
    public internal(set) var asofOverride: Int32?
    public internal(set) var churnWindow = 90
    public internal(set) var lostWindow = 365
    public internal(set) var newWindow = 30
    /// The largest result a join may build.
    public var rowLimit = 50_000_000
    /// Asked between steps; the shell sets it from Ctrl-C.
    public var isCancelled: () -> Bool = { false }
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

    /// The detected orders table and its roles.
    public internal(set) var ordersTableName: String?
    public internal(set) var roles: OrderRoles?
    public internal(set) var attributesTableName: String?
    public internal(set) var attributesKey: String?
    /// Detected contacts and contracts tables (the CRM workbench).
    public internal(set) var contactsTableName: String?
    public internal(set) var contactRoles: ContactRoles?
    public internal(set) var contractsTableName: String?
    public internal(set) var contractRoles: ContractRoles?
    var roleOverrides: [String: [String: String]] = [:]
    private var cachedProfile: CustomerProfile?
    private var cachedHistory: OrderHistory?
    var cachedCRM: [Column]?
    var cachedCustomers: Table?
    /// Model inputs of the last fit (fitting BG/NBD then Gamma-Gamma reads the same calibration data).
    var cachedCalibration: (cutoff: Int32, unitDays: Double, data: CalibrationData)?
    /// `set lost_when = …`: the condition, the text it came from, and its source text.
    var lostWhen: (expression: Expression, source: SourceText, text: String)?
    var cachedLatest: (value: Int32?, Void)?
    /// Tables created by the latest load.
    public internal(set) var lastLoadedNames: [String] = []
    /// Fitted BG/NBD (and Gamma-Gamma) models.
    public internal(set) var predictive: PredictiveState?
    var spendOnly: (GammaGamma, ModelFit)?
    /// Files loaded, so outputs never overwrite them.
    public internal(set) var loadedPaths: [String] = []

    public init() {}

    /// Executes one parsed statement.
    public func execute(_ node: StatementNode, source: SourceText) throws(Diagnostic) -> StatementResult {
        // Only a `let` leaves every view's rows as they were; any other statement may change what a view reads.
        if case .let = node.statement {} else { recentViewTables = nil }
        switch node.statement {
        case .query(let query):
            return .table(try QueryExecutor(engine: self, source: source).run(query))
        case .let(let name, let query):
            try defineView(name, query, source: source)
            return .notes(["view \(name) defined"])
        case .load(let path, let alias, let options):
            return .notes(try load(path: path, alias: alias, options: options, span: node.span, source: source))
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
        case .describe(let name):
            let table = try resolveSource(name, span: node.span, source: source)
            return .table(describe(table))
        case .explain(let metric):
            return .text(try MetricExplainer(engine: self).explain(metric, span: node.span, source: source))
        case .explainQuery(let query):
            return .table(try explainQuery(query, source: source))
        case .drill(let metric):
            return .table(try drill(metric, span: node.span, source: source))
        case .survival(let key):
            return try survival(by: key, span: node.span, source: source)
        case .workbench(let section):
            return try workbench(section, span: node.span, source: source)
        case .team:
            return try team(span: node.span, source: source)
        case .handover(let rep):
            return .table(try runQuery(Workbench.handoverQuery(rep)))
        case .profile(let key):
            return .table(try runQuery(Workbench.profileQuery(key), span: node.span, source: source))
        case .export(let query, let path):
            let table = try QueryExecutor(engine: self, source: source).run(query)
            return .export(table, path: path)
        case .print(let text):
            return .text(text)
        case .printQuery(let query):
            return .table(try QueryExecutor(engine: self, source: source).run(query))
        case .assert(let assertion):
            try AssertionChecker(engine: self, source: source).check(assertion, span: node.span)
            return .nothing
        case .churn(let period):
            return .table(try churnSeries(period))
        case .cohort(let period, let byRevenue, let shares):
            let (long, matrix) = try cohorts(period, byRevenue: byRevenue, shares: shares)
            return .cohort(long, matrix)
        case .fit(let model, let until, let unit):
            return try fit(model: model, until: until, unit: unit, span: node.span, source: source)
        case .evaluate:
            return try evaluate(span: node.span, source: source)
        case .compareModels:
            return try compareModels(span: node.span, source: source)
        }
    }

    func checkCancelled() throws(Diagnostic) {
        if isCancelled() { throw Diagnostic(code: "interrupted", message: "interrupted") }
    }

    /// The analysis date: the `asof` setting, else the latest order date.
    public var currentAsof: Int32? { asofOverride ?? latestOrderDate }

    /// The latest order date, computed once per load.
    var latestOrderDate: Int32? {
        if let cachedLatest { return cachedLatest.value }
        let value = scanLatestOrderDate()
        cachedLatest = (value, ())
        return value
    }

    private func scanLatestOrderDate() -> Int32? {
        guard let name = ordersTableName, let roles, let column = catalog[name]?.column(roles.date) else { return nil }
        // Without nulls the whole column counts; with them, only the rows that have a date.
        let rows = column.nulls.map { nulls in nulls.indices.filter { !nulls[$0] } }
        switch column.storage {
        case .date(let days):
            guard let rows else { return days.max() }
            return rows.lazy.map { days[$0] }.max()
        case .timestamp(let seconds):
            guard let rows else { return seconds.max().map(Dates.day(ofTimestamp:)) }
            return rows.lazy.map { seconds[$0] }.max().map(Dates.day(ofTimestamp:))
        default:
            return nil
        }
    }

    public var retentionSettings: RetentionSettings? {
        currentAsof.map {
            RetentionSettings(asof: $0, churnWindow: churnWindow, lostWindow: lostWindow, newWindow: newWindow)
        }
    }

    func invalidateProfile() {
        recentViewTables = nil
        cachedProfile = nil
        cachedHistory = nil
        cachedCRM = nil
        cachedCustomers = nil
        cachedCalibration = nil
    }

    /// Each customer's orders by date, built on first use after a load or setting change (models need no more).
    public func orderHistory() throws(Diagnostic) -> OrderHistory {
        if let cachedHistory { return cachedHistory }
        guard let name = ordersTableName, let roles, let orders = catalog[name], let settings = retentionSettings,
            let customer = orders.column(roles.customer), let date = orders.column(roles.date)
        else { throw Self.noOrders }
        let amount = amountColumn(orders, roles)
        let history = Trace.measure("order history") {
            OrderHistory.build(customer: customer, date: date, amount: amount, asof: settings.asof)
        }
        cachedHistory = history
        return history
    }

    static let noOrders = Diagnostic(
        code: "no-orders", message: "no orders table is loaded",
        hint: "load a file with customer and date columns: load \"orders.csv\"")

    /// The derived customers profile, built on first use after a load or setting change.
    public func profile() throws(Diagnostic) -> CustomerProfile {
        if let cachedProfile { return cachedProfile }
        let history = try orderHistory()
        guard let roles, let settings = retentionSettings else { throw Self.noOrders }
        var attributes: (table: Table, key: String)?
        if let attributesTableName, let key = attributesKey, let table = catalog[attributesTableName] {
            attributes = (table, key)
        }
        let profile = Trace.measure("customer profile") {
            CustomerProfile(
                history: history, settings: settings, keyName: roles.customer, attributes: attributes,
                keyMatch: keyMatch)
        }
        cachedProfile = profile
        return profile
    }

    /// The derived customers table, with p_alive once a transaction model is fitted. With `needed` (lowercased
    /// names a query reads), only those derived columns are computed, unless the whole table already is. A name
    /// the narrow table lacks (a typo, or `profit` and `p_alive`, which are built once with the whole table) gets
    /// the whole table, so that the query's error can suggest from every column.
    func customersTable(needing needed: Set<String>? = nil) throws(Diagnostic) -> Table {
        if let cachedCustomers, cachedProfile != nil { return cachedCustomers }
        let profile = try profile()
        if let needed, lostWhen == nil {
            var table = profile.table(columns: needed)
            table.columns += crmColumns(profile)
            if needed.isSubset(of: Set(table.columnNames.map { $0.lowercased() })) { return table }
        }
        var table = profile.table
        table.columns += crmColumns(profile)
        if let profit = profitColumn(profile) { table.columns.append(profit) }
        if let state = predictive { table.columns.append(PredictiveFunctions.aliveColumn(profile, state)) }
        if let rule = lostWhen { table = try applyLostWhen(table, rule) }
        cachedCustomers = table
        return table
    }

    /// Derives the whole customers table now, if there are orders (the interactive shell does so before its prompt).
    public func prepareCustomersTable() { _ = try? customersTable() }

    /// `set lost_when = EXPR`: customers for whom EXPR holds are lost, whatever their recency says.
    private func applyLostWhen(_ table: Table, _ rule: (expression: Expression, source: SourceText, text: String))
        throws(Diagnostic) -> Table
    {
        var context = CompileContext(table: table, source: rule.source, asof: currentAsof, parameters: parameters)
        context.predictive = predictive
        context.profile = cachedProfile
        guard case .boolean(let test) = try ExpressionCompiler.compile(rule.expression, context) else {
            throw Diagnostic(
                code: "bad-setting", message: "lost_when must be a true/false condition", span: rule.expression.span,
                in: rule.source, hint: "set lost_when = p_alive < 0.05")
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
    private func amountColumn(_ orders: Table, _ roles: OrderRoles) -> Column? {
        if let name = roles.amount { return orders.column(name) }
        guard let q = roles.quantity.flatMap(orders.column), let p = roles.unitPrice.flatMap(orders.column) else {
            return nil
        }
        let qv = Vector.column(q).asDouble ?? { _ in nil }
        let pv = Vector.column(p).asDouble ?? { _ in nil }
        return Vector.decimal { row in qv(row).flatMap { a in pv(row).map { a * $0 } } }.materialize(
            name: "amount", count: orders.rowCount)
    }

    /// A table, view, or the derived `customers` / detected `orders` table.
    /// `needed`: the columns a query reads from it (nil: all), which spares the customers table the others.
    /// `scope`: the views its names mean (nil: the session's); `memo`: the views this statement has computed.
    func resolveSource(
        _ name: String, span: SourceSpan, source: SourceText, needing needed: Set<String>? = nil,
        scope: ViewScope? = nil, memo: ViewMemo? = nil
    ) throws(Diagnostic) -> Table {
        let lower = name.lowercased()
        if let view = (scope ?? ViewScope(views)).lookup(name) { return try viewTable(view, memo: memo ?? ViewMemo()) }
        if lower == "customers" && ordersTableName != nil { return try customersTable(needing: needed) }
        if lower == "customers_raw", let name = attributesTableName, let table = catalog[name] { return table }
        if let table = catalog[name] { return table }
        if lower == "orders", let ordersTableName, let table = catalog[ordersTableName] { return table }
        let names = sourceNames
        let hint: String
        if names.isEmpty {
            hint = "no tables are loaded yet: load \"orders.csv\""
        } else if let suggestion = Suggestions.closest(to: name, in: names) {
            hint = "did you mean '\(suggestion)'?"
        } else {
            hint = "tables: \(names.joined(separator: ", "))"
        }
        throw Diagnostic(code: "unknown-table", message: "unknown table '\(name)'", span: span, in: source, hint: hint)
    }

    /// Every name `from` accepts, for completion and suggestions.
    public var sourceNames: [String] {
        var names = catalog.names
        if ordersTableName != nil {
            if !names.contains("customers") { names.append("customers") }
            if !names.contains("orders") { names.append("orders") }
            if attributesTableName == "customers" { names.append("customers_raw") }
        }
        return names + views.keys.sorted()
    }

    /// Column names of a source, for completion (empty when unknown).
    public func columnNames(of name: String) -> [String] {
        (try? resolveSource(name, span: .none, source: SourceText(name: nil, text: "")))?.columnNames ?? []
    }

    func constantContext(_ source: SourceText) -> CompileContext {
        CompileContext(
            table: Table(name: "", columns: [], rowCount: 1), source: source, asof: currentAsof, parameters: parameters)
    }
}
