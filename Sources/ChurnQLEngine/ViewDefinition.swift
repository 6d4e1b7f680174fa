import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// A `let` view, bound when it is defined: its query, the text it was written in, and the views that query reads
/// as they were at that moment. Redefining a name makes a new definition and leaves the old one to the views
/// that read it, so `let v = from v | take 1` reads the old `v`, and no cycle can be written.
final class ViewDefinition: Sendable {
    let name: String
    let query: Query
    let source: SourceText
    /// The views named by the query (`from`, `join`), under the names the query uses; a name not here is a table.
    let references: [String: ViewDefinition]

    init(name: String, query: Query, source: SourceText, binding scope: ViewScope) {
        self.name = name
        self.query = query
        self.source = source
        var references: [String: ViewDefinition] = [:]
        for used in Self.sourceNames(of: query) {
            if let view = scope.lookup(used) { references[used] = view }
        }
        self.references = references
    }

    /// The sources a query reads: its `from` and every `join`.
    static func sourceNames(of query: Query) -> [String] {
        var names = [query.source]
        for node in query.operations {
            if case .join(let table, _, _) = node.operation { names.append(table) }
        }
        return names
    }
}

/// The views a query's names resolve to: the session's for a statement, a definition's references inside a view.
struct ViewScope {
    let views: [String: ViewDefinition]

    init(_ views: [String: ViewDefinition]) { self.views = views }

    /// The exact name first, then any spelling of it (view names match without regard to case).
    func lookup(_ name: String) -> ViewDefinition? {
        if let view = views[name] { return view }
        let lower = name.lowercased()
        return views.first { $0.key.lowercased() == lower }?.value
    }
}

/// The views computed during one statement, so that a view read several times (a self-join, a shared base of
/// several views) runs once. Definitions never change, so one is its own key; the memo keeps it alive.
final class ViewMemo {
    private var tables: [ObjectIdentifier: (view: ViewDefinition, table: Table)] = [:]

    subscript(view: ViewDefinition) -> Table? {
        get { tables[ObjectIdentifier(view)]?.table }
        set { tables[ObjectIdentifier(view)] = newValue.map { (view, $0) } }
    }
}
