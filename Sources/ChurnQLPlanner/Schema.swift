import ChurnQLDiagnostics
import ChurnQLStore

/// A column's name and type, as a plan step produces it.
public struct ColumnSchema: Equatable, Sendable {
    public var name: String
    public var type: DataType

    public init(_ name: String, _ type: DataType) {
        self.name = name
        self.type = type
    }
}

/// What a plan step produces: its columns in order, the name the engine gives its table (used in hints), and
/// whether each row still describes one customer of the derived customers table (retention aggregates, `rfm`
/// and per-customer functions need that lineage).
public struct Schema: Equatable, Sendable {
    public var tableName: String
    public var columns: [ColumnSchema]
    public var describesCustomers: Bool

    public init(tableName: String, columns: [ColumnSchema], describesCustomers: Bool = false) {
        self.tableName = tableName
        self.columns = columns
        self.describesCustomers = describesCustomers
    }

    /// The schema of a stored table.
    public init(of table: Table) {
        self.init(
            tableName: table.name, columns: table.columns.map { ColumnSchema($0.name, $0.type) },
            describesCustomers: table.entityIndex != nil)
    }

    public var names: [String] { columns.map(\.name) }

    /// The same rule as `Table.columnIndex`: the exact name first, then any spelling of it.
    public func index(of name: String) -> Int? {
        if let exact = columns.firstIndex(where: { $0.name == name }) { return exact }
        let lower = name.lowercased()
        return columns.firstIndex(where: { $0.name.lowercased() == lower })
    }

    public func column(_ name: String) -> ColumnSchema? { index(of: name).map { columns[$0] } }

    /// A table of no rows with this schema: what the engine's expression compiler types against at bind time.
    public func emptyTable() -> Table {
        Table(
            name: tableName, columns: columns.map { Column.empty(name: $0.name, type: $0.type) }, rowCount: 0,
            entityIndex: describesCustomers ? [] : nil)
    }

    /// The error for a name that is not a column, with the closest column as a hint (shared by the binder and
    /// the engine, so a name is reported the same way whichever finds it).
    public func unknownColumn(_ name: String, _ span: SourceSpan, in source: SourceText) -> Diagnostic {
        let shown = names.filter { !$0.hasPrefix("__") }
        if name == "p_alive" && shown.contains("frequency") {
            // A customers table without p_alive: no model, or one fitted on other orders or past asof (stale).
            return Diagnostic(
                code: "no-model", message: "p_alive needs a transaction model fitted on the current data", span: span,
                in: source,
                hint: "fit bgnbd (a model fitted before a reload, or calibrated past asof, is stale: fit again)")
        }
        let hint = "columns of \(tableName): \(Self.preview(shown))"
        if let suggestion = Suggestions.closest(to: name, in: shown) {
            return Diagnostic(
                code: "unknown-column", message: "unknown column '\(name)'; did you mean '\(suggestion)'?", span: span,
                in: source, hint: hint)
        }
        return Diagnostic(
            code: "unknown-column", message: "unknown column '\(name)'", span: span, in: source, hint: hint)
    }

    public static func preview(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
    }
}
