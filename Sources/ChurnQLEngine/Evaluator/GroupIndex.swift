import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore

/// Rows grouped by key: a group id per row (groups numbered by first appearance), each group's size and, when an
/// aggregate asks for them, each group's rows. Aggregates that fold row by row (count, sum, avg, churn_rate) read
/// `groupOf` in one pass and never make the member lists: on millions of rows those are the largest allocation of
/// a grouping, and fresh memory costs more than the pass.
struct GroupIndex {
    /// The group of each position (a row of the table, or of the selection it was built over).
    let groupOf: [Int32]
    let count: Int
    /// The first position of each group, used to read key values.
    let firstRows: [Int]
    /// Group g has offsets[g+1] − offsets[g] rows.
    let offsets: [Int]
    /// The table row at each position, when the groups were built over a selection of the table.
    private let rowNumbers: [Int]?
    private let memberList = MemberList()

    private final class MemberList {
        var rows: [Int]?
    }

    /// One group holding every row.
    static func single(rows: Int) -> GroupIndex {
        GroupIndex(
            groupOf: [Int32](repeating: 0, count: rows), count: 1, firstRows: [0], offsets: [0, rows], rowNumbers: nil)
    }

    /// `grouping` that cannot be interrupted.
    static func build(keys: [Column], rows: Int) -> GroupIndex {
        (try? grouping(keys: keys, rows: rows, stop: StopCheck(interrupt: nil))) ?? single(rows: rows)
    }

    /// Groups rows by the values of key columns, checking `stop` between chunks of rows.
    static func grouping(keys: [Column], rows: Int, stop: StopCheck = StopCheck()) throws(Diagnostic) -> GroupIndex {
        var groupOf = [Int32](repeating: 0, count: rows)
        var firstRows: [Int] = []
        if keys.count == 1, case .text(let codes, let dictionary) = keys[0].storage {
            // Dictionary codes are already dense; null gets its own slot.
            var slot = [Int32](repeating: -1, count: dictionary.count + 1)
            // Chunks written out (not through a closure), so the loop keeps its arrays in registers.
            var start = 0
            while start < rows {
                try stop()
                let end = Swift.min(start + Interrupt.stride, rows)
                for row in start..<end {
                    let code = keys[0].isNull(row) ? dictionary.count : Int(codes[row])
                    if slot[code] < 0 {
                        slot[code] = Int32(firstRows.count)
                        firstRows.append(row)
                    }
                    groupOf[row] = slot[code]
                }
                start = end
            }
        } else if keys.count == 1, case .integer(let values) = keys[0].storage, keys[0].nulls == nil {
            let low = values.min() ?? 0
            let (range, overflow) = (values.max() ?? 0).subtractingReportingOverflow(low)
            if !overflow && range < 1 << 20 {
                // A small range of values (years, months, counts): a slot per value instead of hashing.
                var slot = [Int32](repeating: -1, count: Int(range) + 1)
                try stop.chunks(rows) { chunk in
                    for row in chunk {
                        let index = Int(values[row] - low)
                        if slot[index] < 0 {
                            slot[index] = Int32(firstRows.count)
                            firstRows.append(row)
                        }
                        groupOf[row] = slot[index]
                    }
                }
            } else {
                var numbering = IntegerNumbering()
                try stop.chunks(rows) { chunk throws(Diagnostic) in
                    try numbering.reserve(chunk.count, stop: stop)
                    for row in chunk { groupOf[row] = numbering.id(values[row], row: row) }
                }
                firstRows = numbering.firstRows
            }
        } else {
            var numbering = FirstAppearance<[Value]>()
            try stop.chunks(rows) { chunk in
                for row in chunk { groupOf[row] = numbering.id(keys.map { $0.value(at: row) }, row: row) }
            }
            firstRows = numbering.firstRows
        }
        return try from(groupOf: groupOf, firstRows: firstRows, stop: stop)
    }

    /// The groups' sizes counted in chunks with `stop` between them (a pass over every row).
    fileprivate static func from(groupOf: [Int32], firstRows: [Int], stop: StopCheck) throws(Diagnostic)
        -> GroupIndex
    {
        let count = firstRows.count
        var offsets = [Int](repeating: 0, count: count + 1)
        try stop.chunks(groupOf.count) { chunk in
            for row in chunk { offsets[Int(groupOf[row]) + 1] += 1 }
        }
        try stop.chunks(count) { chunk in
            for g in chunk { offsets[g + 1] += offsets[g] }
        }
        return GroupIndex(groupOf: groupOf, count: count, firstRows: firstRows, offsets: offsets, rowNumbers: nil)
    }

    /// Table rows of all groups, group after group (ascending within a group); made on first use.
    var members: [Int] {
        if let rows = memberList.rows { return rows }
        let members = makeMembers(StopCheck(interrupt: nil)) ?? []
        memberList.rows = members
        return members
    }

    /// Makes `members` ahead of its first use, checking `stop` every `Interrupt.stride` rows (a scatter of every
    /// row); stopped, it keeps nothing and throws.
    func prepareMembers(stop: StopCheck) throws(Diagnostic) {
        if memberList.rows != nil { return }
        guard let members = makeMembers(stop) else { throw Engine.interrupted }
        memberList.rows = members
    }

    /// Nil when stopped.
    private func makeMembers(_ stop: StopCheck) -> [Int]? {
        var cursor = offsets
        let rows = groupOf.count
        guard var members = stop.filled(0, count: rows) else { return nil }
        let done = stop.chunksUnlessStopped(rows) { chunk in
            if let rowNumbers {
                for position in chunk {
                    let g = Int(groupOf[position])
                    members[cursor[g]] = rowNumbers[position]
                    cursor[g] += 1
                }
            } else {
                for position in chunk {
                    let g = Int(groupOf[position])
                    members[cursor[g]] = position
                    cursor[g] += 1
                }
            }
        }
        return done ? members : nil
    }

    /// The table rows of one group.
    func rows(of group: Int) -> ArraySlice<Int> { members[offsets[group]..<offsets[group + 1]] }

    /// Folds each group's rows, in table order, into one state per group. Stopped by Ctrl-C, the states are
    /// partial (the query's next check throws).
    func fold<State>(_ initial: State, _ step: (inout State, Int) -> Void) -> [State] {
        var states = [State](repeating: initial, count: count)
        let stop = StopCheck()
        var start = 0
        while start < groupOf.count, !stop.requested {
            let end = Swift.min(start + Interrupt.stride, groupOf.count)
            if let rowNumbers {
                for position in start..<end { step(&states[Int(groupOf[position])], rowNumbers[position]) }
            } else {
                for row in start..<end { step(&states[Int(groupOf[row])], row) }
            }
            start = end
        }
        return states
    }

    /// The same groups built over `rows`, a selection of a larger table: positions translate to those rows.
    func mapped(to rows: [Int]) -> GroupIndex {
        GroupIndex(
            groupOf: groupOf, count: count, firstRows: firstRows, offsets: offsets,
            rowNumbers: rowNumbers.map { $0.map { rows[$0] } } ?? rows)
    }
}

extension GroupIndex {
    /// Groups positions 0..<rows by an integer expression read row by row, without a key column: on millions of
    /// rows a computed key (`year(first_order)`) would otherwise be written out whole (8 bytes a row, in fresh
    /// memory that the kernel must clear) only to be numbered. Values spanning a small range get a slot each; a
    /// null is a group of its own. Numbered by first appearance, as `build(keys:rows:)` numbers them; nil when the
    /// values span too wide a range (the caller materializes the key instead).
    static func build(integer value: (Int) -> Int64?, rows: Int, stop: StopCheck = StopCheck()) throws(Diagnostic)
        -> GroupIndex?
    {
        var low = Int64.max
        var high = Int64.min
        try stop.chunks(rows) { chunk in
            for row in chunk {
                if let v = value(row) {
                    low = Swift.min(low, v)
                    high = Swift.max(high, v)
                }
            }
        }
        let (range, overflow) = high.subtractingReportingOverflow(low)
        let width = low <= high && !overflow && range < 1 << 20 ? Int(range) + 1 : 0
        guard width > 0 || low > high else { return nil }
        // The last slot is the null group's.
        var slot = [Int32](repeating: -1, count: width + 1)
        var firstRows: [Int] = []
        var done = true
        let groupOf = [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
            done = stop.chunksUnlessStopped(rows) { chunk in
                for row in chunk {
                    let index = value(row).map { Int($0 - low) } ?? width
                    if slot[index] < 0 {
                        slot[index] = Int32(firstRows.count)
                        firstRows.append(row)
                    }
                    buffer[row] = slot[index]
                }
            }
            // Int32 needs no deinitialisation: stopped, the ids are dropped unread.
            initialized = rows
        }
        if !done { throw Engine.interrupted }
        return try from(groupOf: groupOf, firstRows: firstRows, stop: stop)
    }
}
