import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Hash equi-join on named columns present in both tables.
enum Join {
    /// The widest result a join may build: a view joined with itself doubles its columns at every level.
    static let columnLimit = 10_000

    static func run(
        left: Table, right: Table, on names: [String], kind: JoinKind, span: SourceSpan,
        context: CompileContext, limit: Int
    ) throws(Diagnostic) -> Table {
        var leftKeys: [Column] = []
        var rightKeys: [Column] = []
        for name in names {
            guard let l = left.column(name) else { throw context.unknownColumn(name, span) }
            guard let r = right.column(name) else {
                let suggestion = Suggestions.closest(to: name, in: right.columnNames)
                throw context.error(
                    "unknown-column", "table \(right.name) has no column '\(name)'", span,
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "columns of \(right.name): \(CompileContext.preview(right.columnNames))")
            }
            leftKeys.append(l)
            rightKeys.append(r)
        }
        let width = left.columns.count + right.columns.count - rightKeys.count
        if width > columnLimit {
            throw context.error(
                "result-too-large", "the join would produce \(width) columns, more than \(columnLimit)", span,
                hint: "select the columns you need before joining: … | select customer_id, amount | join …")
        }
        // Keys compare by their text's bytes, so an integer id matches the same id stored as text and keys differing
        // only in Unicode normalization stay apart.
        func key(_ columns: [Column], _ row: Int) -> [ExactText]? {
            var parts: [ExactText] = []
            for column in columns {
                let v = column.value(at: row)
                if v.isNull { return nil }
                parts.append(ExactText(v.plainText))
            }
            return parts
        }
        var index: [[ExactText]: [Int]] = [:]
        for row in 0..<right.rowCount {
            if let k = key(rightKeys, row) { index[k, default: []].append(row) }
        }
        var leftRows: [Int] = []
        var rightRows: [Int] = []
        for row in 0..<left.rowCount {
            if let k = key(leftKeys, row), let matches = index[k] {
                for m in matches {
                    leftRows.append(row)
                    rightRows.append(m)
                }
                if leftRows.count > limit {
                    throw context.error(
                        "result-too-large", "the join would produce more than \(limit) rows", span,
                        hint: "join on a key that is unique in \(right.name), or filter first")
                }
            } else if kind == .left {
                leftRows.append(row)
                rightRows.append(-1)
            }
        }
        let keyNames = Set(names.map { $0.lowercased() })
        var columns = left.columns.map { $0.gather(leftRows) }
        let taken = Set(left.columnNames.map { $0.lowercased() })
        for column in right.columns where !keyNames.contains(column.name.lowercased()) {
            let name = taken.contains(column.name.lowercased()) ? "\(right.name)_\(column.name)" : column.name
            columns.append(column.gatherOptional(rightRows).renamed(name))
        }
        return Table(
            name: left.name, columns: columns, rowCount: leftRows.count,
            entityIndex: left.entityIndex.map { lineage in leftRows.map { lineage[$0] } })
    }
}
