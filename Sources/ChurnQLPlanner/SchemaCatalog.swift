import ChurnQLDiagnostics
import ChurnQLStore

/// What a `from` or `join` name stands for, once bound.
public enum PlanSource: Sendable {
    /// A loaded table, by its catalog name (`orders` and `customers_raw` resolve to the tables they stand for).
    case table(String)
    /// The derived customers table.
    case customers
    /// A `let` view, as it was when the statement (or the view reading it) was bound.
    case view(ViewDefinition)
}

/// Changes whenever a schema the binder reads may change: loads, role options and model fits. A view bound under
/// another stamp is bound again before it is used, so a reload cannot leave it pointing at columns that are gone.
public struct SchemaStamp: Equatable, Hashable, Sendable {
    public var data: Int
    public var models: Int

    public init(data: Int, models: Int) {
        self.data = data
        self.models = models
    }
}

/// Everything the binder may look at: the tables' schemas, the derived customers table's schema, the views and
/// the parameters' values — never a row.
public struct SchemaCatalog: Sendable {
    /// Loaded tables by catalog name.
    public var tables: [String: Schema]
    /// Catalog names in load order (lookups fall back to any spelling of a name, as the store does).
    public var tableNames: [String]
    /// The derived customers table, when an orders table is detected.
    public var customers: Schema?
    /// The detected orders table's catalog name (`from orders` reads it whatever it is called).
    public var ordersTable: String?
    /// The attributes table, when it is called `customers` (then `customers_raw` reads it).
    public var customersRawTable: String?
    /// The session's views.
    public var views: [String: ViewDefinition]
    public var parameters: [String: Value]
    public var stamp: SchemaStamp

    public init(
        tables: [String: Schema] = [:], tableNames: [String]? = nil, customers: Schema? = nil,
        ordersTable: String? = nil, customersRawTable: String? = nil, views: [String: ViewDefinition] = [:],
        parameters: [String: Value] = [:], stamp: SchemaStamp = SchemaStamp(data: 0, models: 0)
    ) {
        self.tables = tables
        self.tableNames = tableNames ?? tables.keys.sorted()
        self.customers = customers
        self.ordersTable = ordersTable
        self.customersRawTable = customersRawTable
        self.views = views
        self.parameters = parameters
        self.stamp = stamp
    }

    /// Every name `from` accepts, for completion and suggestions.
    public var sourceNames: [String] {
        var names = tableNames
        if ordersTable != nil {
            if !names.contains("customers") { names.append("customers") }
            if !names.contains("orders") { names.append("orders") }
            if customersRawTable == "customers" { names.append("customers_raw") }
        }
        return names + views.keys.sorted()
    }

    func table(named name: String) -> (name: String, schema: Schema)? {
        if let schema = tables[name] { return (name, schema) }
        let lower = name.lowercased()
        guard let stored = tableNames.first(where: { $0.lowercased() == lower }), let schema = tables[stored] else {
            return nil
        }
        return (stored, schema)
    }

    /// What `name` means in `scope` (the session's views, or inside a view those it was bound to), in the order
    /// the engine has always used: a view, the derived customers table, customers_raw, a table, the orders alias.
    public func resolve(_ name: String, scope: ViewScope, span: SourceSpan, in source: SourceText) throws(Diagnostic)
        -> PlanSource
    {
        let lower = name.lowercased()
        if let view = scope.lookup(name) { return .view(view) }
        if lower == "customers" && customers != nil { return .customers }
        if lower == "customers_raw", let raw = customersRawTable, tables[raw] != nil { return .table(raw) }
        if let found = table(named: name) { return .table(found.name) }
        if lower == "orders", let orders = ordersTable, tables[orders] != nil { return .table(orders) }
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
}
