import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Hash equi-join on named columns present in both tables.
enum Join {
    /// The most cells (rows × columns) a join may build: about 2 GB of 8-byte values.
    static let cellLimit = 250_000_000

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
        let stop = StopCheck()
        let matches = try matcher(leftKeys, rightKeys, rightRows: right.rowCount, stop: stop)
        // Count the result before building it: a join past the limits is refused without allocating it.
        var matchesOf = [[Int]?](repeating: nil, count: left.rowCount)
        var total = 0
        try stop.chunks(left.rowCount) { chunk throws(Diagnostic) in
            for row in chunk {
                if let found = matches(row) {
                    matchesOf[row] = found
                    total += found.count
                } else if kind == .left {
                    total += 1
                }
                if total > limit {
                    throw context.error(
                        "result-too-large", "the join would produce more than \(limit) rows", span,
                        hint: "join on a key that is unique in \(right.name), or filter first")
                }
            }
        }
        let (cells, overflow) = total.multipliedReportingOverflow(by: width)
        if overflow || cells > cellLimit {
            throw context.error(
                "result-too-large",
                "the join would produce \(total) rows × \(width) columns, more than \(cellLimit) cells", span,
                hint: "select the columns you need before joining, or filter first")
        }
        var leftRows: [Int] = []
        var rightRows: [Int] = []
        leftRows.reserveCapacity(total)
        rightRows.reserveCapacity(total)
        try stop.chunks(left.rowCount) { chunk in
            for row in chunk {
                if let matches = matchesOf[row] {
                    for m in matches {
                        leftRows.append(row)
                        rightRows.append(m)
                    }
                } else if kind == .left {
                    leftRows.append(row)
                    rightRows.append(-1)
                }
            }
        }
        let keyNames = Set(names.map { $0.lowercased() })
        var columns: [Column] = []
        for column in left.columns {
            try stop()
            columns.append(column.gather(leftRows))
        }
        let rightColumns = right.columns.filter { !keyNames.contains($0.name.lowercased()) }
        let rightNames = StepRules.joinColumns(left: Schema(of: left), right: Schema(of: right), on: names)
            .dropFirst(left.columns.count).map(\.name)
        for (column, name) in zip(rightColumns, rightNames) {
            try stop()
            columns.append(column.gatherOptional(rightRows).renamed(name))
        }
        try stop()
        return Table(
            name: left.name, columns: columns, rowCount: leftRows.count,
            entityIndex: left.entityIndex.map { lineage in leftRows.map { lineage[$0] } })
    }

    /// Each left row's matching right rows (nil: none, or a null key). Keys compare by their text's bytes, so an
    /// integer id matches the same id stored as text and keys differing only in Unicode normalization stay apart.
    /// One text key on both sides (the usual customer id) is matched once per dictionary entry, not per row.
    static func matcher(_ leftKeys: [Column], _ rightKeys: [Column], rightRows: Int, stop: StopCheck)
        throws(Diagnostic) -> (Int) -> [Int]?
    {
        if leftKeys.count == 1, rightKeys.count == 1,
            case .text(let leftCodes, let leftDictionary) = leftKeys[0].storage,
            case .text(let rightCodes, let rightDictionary) = rightKeys[0].storage
        {
            var rowsOfCode = [[Int]](repeating: [], count: rightDictionary.count)
            try stop.chunks(rightRows) { chunk in
                for row in chunk where !rightKeys[0].isNull(row) { rowsOfCode[Int(rightCodes[row])].append(row) }
            }
            var codeOfText: [ExactText: Int] = [:]
            try stop.chunks(rightDictionary.count) { chunk in
                for code in chunk where codeOfText[ExactText(rightDictionary[code])] == nil {
                    codeOfText[ExactText(rightDictionary[code])] = code
                }
            }
            // Equal texts may sit under several codes of the right dictionary; their rows join under the first.
            try stop.chunks(rightDictionary.count) { chunk in
                for code in chunk {
                    if let first = codeOfText[ExactText(rightDictionary[code])], first != code,
                        !rowsOfCode[code].isEmpty
                    {
                        rowsOfCode[first] = (rowsOfCode[first] + rowsOfCode[code]).sorted()
                        rowsOfCode[code] = []
                    }
                }
            }
            var matchesOfCode: [[Int]?] = []
            matchesOfCode.reserveCapacity(leftDictionary.count)
            try stop.chunks(leftDictionary.count) { chunk in
                for code in chunk {
                    matchesOfCode.append(
                        codeOfText[ExactText(leftDictionary[code])].map { rowsOfCode[$0] }
                            .flatMap { $0.isEmpty ? nil : $0 })
                }
            }
            let leftNulls = leftKeys[0].nulls
            return { row in leftNulls?[row] == true ? nil : matchesOfCode[Int(leftCodes[row])] }
        }
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
        try stop.chunks(rightRows) { chunk in
            for row in chunk {
                if let k = key(rightKeys, row) { index[k, default: []].append(row) }
            }
        }
        return { row in key(leftKeys, row).flatMap { index[$0] } }
    }
}
