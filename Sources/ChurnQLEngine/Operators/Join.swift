import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Hash equi-join on named columns present in both tables.
enum Join {
    /// The widest result a join may build: a view joined with itself doubles its columns at every level.

    static func run(
        left: Table, right: Table, on names: [String], kind: JoinKind, span: SourceSpan,
        context: CompileContext, limit: Int
    ) throws(Diagnostic) -> Table {
        var leftKeys: [Column] = []
        var rightKeys: [Column] = []
        for name in names {
            guard let l = left.column(name) else { throw context.unknownColumn(name, span) }
            guard let r = right.column(name) else {
                throw StepRules.joinMissingRight(name, right: Schema(of: right), span, in: context.source)
            }
            leftKeys.append(l)
            rightKeys.append(r)
        }
        let width = left.columns.count + right.columns.count - rightKeys.count
        if width > StepRules.joinColumnLimit { throw StepRules.joinTooWide(width, span, in: context.source) }
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
        let rightColumns = right.columns.filter { !keyNames.contains($0.name.lowercased()) }
        let rightNames = StepRules.joinColumns(left: Schema(of: left), right: Schema(of: right), on: names)
            .dropFirst(left.columns.count).map(\.name)
        for (column, name) in zip(rightColumns, rightNames) {
            columns.append(column.gatherOptional(rightRows).renamed(name))
        }
        return Table(
            name: left.name, columns: columns, rowCount: leftRows.count,
            entityIndex: left.entityIndex.map { lineage in leftRows.map { lineage[$0] } })
    }
}
