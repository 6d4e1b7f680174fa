import ChurnQLDiagnostics
import ChurnQLSyntax

/// A `let` view, bound when it is defined: its query, the text it was written in, the views that query reads as
/// they were at that moment, and the plan bound then. Redefining a name makes a new definition and leaves the
/// old one to the views that read it, so `let v = from v | take 1` reads the old `v`, and no cycle can be written.
public final class ViewDefinition: Sendable {
    public let name: String
    public let query: Query
    public let source: SourceText
    /// The views named by the query (`from`, `join`), under the names the query uses; a name not here is a table.
    public let references: [String: ViewDefinition]
    /// The plan bound at definition, under `stamp`; bound again (from `query` and `references`) when the
    /// schemas have changed since.
    public let plan: LogicalPlan
    public let stamp: SchemaStamp

    init(
        name: String, query: Query, source: SourceText, references: [String: ViewDefinition], plan: LogicalPlan,
        stamp: SchemaStamp
    ) {
        self.name = name
        self.query = query
        self.source = source
        self.references = references
        self.plan = plan
        self.stamp = stamp
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
public struct ViewScope: Sendable {
    public let views: [String: ViewDefinition]

    public init(_ views: [String: ViewDefinition]) { self.views = views }

    /// The exact name first, then any spelling of it (view names match without regard to case).
    public func lookup(_ name: String) -> ViewDefinition? {
        if let view = views[name] { return view }
        let lower = name.lowercased()
        return views.first { $0.key.lowercased() == lower }?.value
    }
}
