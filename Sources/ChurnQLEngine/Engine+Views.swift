import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

extension Engine {
    /// `let NAME = QUERY`: binds the query's views as they are now, and runs it once so that a wrong name or type
    /// is reported at the definition, with its caret. A run of `let`s keeps the named views' rows from one to the
    /// next (nothing else can change them in between), so a chain of n definitions runs n queries, not n²/2.
    func defineView(_ name: String, _ query: Query, source: SourceText) throws(Diagnostic) {
        let view = ViewDefinition(name: name, query: query, source: source, binding: ViewScope(views))
        let memo = recentViewTables ?? ViewMemo()
        _ = try viewTable(view, memo: memo)
        views[name] = view
        // A later definition reads only views named now, so the tables of unnamed ones can go.
        let kept = ViewMemo()
        for named in views.values {
            if let table = memo[named] { kept[named] = table }
        }
        recentViewTables = kept
    }

    /// A view's rows for the current statement. The views it reads are computed first, deepest first, from an
    /// explicit stack, so a chain of thousands of views does not recurse once per level; the memo computes each
    /// once, and each query then finds its sources in the memo.
    func viewTable(_ view: ViewDefinition, memo: ViewMemo) throws(Diagnostic) -> Table {
        var stack: [(view: ViewDefinition, readsReady: Bool)] = [(view, false)]
        while let (current, readsReady) = stack.popLast() {
            if memo[current] != nil { continue }
            if readsReady {
                let executor = QueryExecutor(
                    engine: self, source: current.source, scope: ViewScope(current.references), memo: memo)
                memo[current] = try executor.run(current.query)
                continue
            }
            stack.append((current, true))
            for reference in current.references.values where memo[reference] == nil {
                stack.append((reference, false))
            }
        }
        guard let table = memo[view] else {
            throw Diagnostic(code: "internal", message: "view \(view.name) was not computed")
        }
        return table
    }
}
