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
        let (lists, listOf) = try matcher(leftKeys, rightKeys, rightRows: right.rowCount, stop: stop)
        // Count the result before building it: a join past the limits is refused without allocating it. Each
        // row keeps the number of its list of matches, not the list (millions of references would take as long
        // to release, after Ctrl-C, as to make).
        var listOfRow = [Int32](repeating: -1, count: left.rowCount)
        var total = 0
        try stop.chunks(left.rowCount) { chunk throws(Diagnostic) in
            for row in chunk {
                let list = listOf(row)
                if list >= 0 {
                    listOfRow[row] = list
                    total += lists.offsets[Int(list) + 1] - lists.offsets[Int(list)]
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
                if listOfRow[row] >= 0 {
                    let list = Int(listOfRow[row])
                    for m in lists.rows[lists.offsets[list]..<lists.offsets[list + 1]] {
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
            columns.append(try column.gather(leftRows, stop: stop))
        }
        let rightColumns = right.columns.filter { !keyNames.contains($0.name.lowercased()) }
        let rightNames = StepRules.joinColumns(left: Schema(of: left), right: Schema(of: right), on: names)
            .dropFirst(left.columns.count).map(\.name)
        for (column, name) in zip(rightColumns, rightNames) {
            try stop()
            columns.append(try column.gather(rightRows, optional: true, stop: stop).renamed(name))
        }
        try stop()
        return Table(
            name: left.name, columns: columns, rowCount: leftRows.count,
            entityIndex: left.entityIndex.map { lineage in leftRows.map { lineage[$0] } })
    }

    /// Each left row's matching right rows (nil: none, or a null key). Keys compare by their text's bytes, so an
    /// integer id matches the same id stored as text and keys differing only in Unicode normalization stay apart.
    /// One text key on both sides (the usual customer id) is matched once per dictionary entry, not per row.
    /// Right rows by key, list after list (list i is `rows[offsets[i]..<offsets[i + 1]]`, ascending), and for a
    /// left row the number of its list (-1: none). Flat arrays: nothing per key to allocate or, after Ctrl-C, free.
    struct Lists {
        var offsets: [Int]
        var rows: [Int]
    }

    static func matcher(_ leftKeys: [Column], _ rightKeys: [Column], rightRows: Int, stop: StopCheck)
        throws(Diagnostic) -> (lists: Lists, listOf: (Int) -> Int32)
    {
        if leftKeys.count == 1, rightKeys.count == 1,
            case .text(let leftCodes, let leftDictionary) = leftKeys[0].storage,
            case .text(let rightCodes, let rightDictionary) = rightKeys[0].storage
        {
            // Equal texts may sit under several codes of the right dictionary; their rows join under the first.
            var codeOfText: [ExactText: Int32] = [:]
            // Room up front: a Dictionary grows inside an insert, rehashing every key in one step no check can
            // come between (half a second at a million keys).
            codeOfText.reserveCapacity(rightDictionary.count)
            var canonical = [Int32](repeating: 0, count: rightDictionary.count)
            try stop.chunks(rightDictionary.count) { chunk in
                for code in chunk {
                    let text = ExactText(rightDictionary[code])
                    if let first = codeOfText[text] {
                        canonical[code] = first
                    } else {
                        codeOfText[text] = Int32(code)
                        canonical[code] = Int32(code)
                    }
                }
            }
            // A counting sort of the right rows by canonical code keeps each list in row order.
            let rightKey = rightKeys[0]
            var offsets = [Int](repeating: 0, count: rightDictionary.count + 1)
            try stop.chunks(rightRows) { chunk in
                for row in chunk where !rightKey.isNull(row) { offsets[Int(canonical[Int(rightCodes[row])]) + 1] += 1 }
            }
            for code in 0..<rightDictionary.count { offsets[code + 1] += offsets[code] }
            var cursor = offsets
            guard var rows = stop.filled(0, count: offsets[rightDictionary.count]) else { throw Engine.interrupted }
            try stop.chunks(rightRows) { chunk in
                for row in chunk where !rightKey.isNull(row) {
                    let code = Int(canonical[Int(rightCodes[row])])
                    rows[cursor[code]] = row
                    cursor[code] += 1
                }
            }
            var listOfCode: [Int32] = []
            listOfCode.reserveCapacity(leftDictionary.count)
            try stop.chunks(leftDictionary.count) { chunk in
                for code in chunk {
                    let right = codeOfText[ExactText(leftDictionary[code])].map(Int.init)
                    listOfCode.append(right.map { offsets[$0 + 1] > offsets[$0] ? Int32($0) : -1 } ?? -1)
                }
            }
            let leftNulls = leftKeys[0].nulls
            return (
                Lists(offsets: offsets, rows: rows),
                { row in leftNulls?[row] == true ? -1 : listOfCode[Int(leftCodes[row])] }
            )
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
        var index: [[ExactText]: Int32] = [:]
        var lists: [[Int]] = []
        try stop.chunks(rightRows) { chunk in
            for row in chunk {
                guard let k = key(rightKeys, row) else { continue }
                if let list = index[k] {
                    lists[Int(list)].append(row)
                } else {
                    index[k] = Int32(lists.count)
                    lists.append([row])
                }
            }
        }
        var offsets = [0]
        offsets.reserveCapacity(lists.count + 1)
        for list in lists { offsets.append(offsets[offsets.count - 1] + list.count) }
        try stop()
        return (
            Lists(offsets: offsets, rows: lists.flatMap { $0 }),
            { row in key(leftKeys, row).flatMap { index[$0] } ?? -1 }
        )
    }
}
