import ChurnQLStore

/// Rows grouped by key: a group id per row (groups numbered by first appearance) and each group's rows.
struct GroupIndex {
    let groupOf: [Int32]
    let count: Int
    /// The first row of each group, used to read key values.
    let firstRows: [Int]
    /// Rows of group g are members[offsets[g]..<offsets[g+1]].
    let offsets: [Int]
    let members: [Int]

    /// One group holding every row.
    static func single(rows: Int) -> GroupIndex {
        GroupIndex(
            groupOf: [Int32](repeating: 0, count: rows), count: 1, firstRows: [0], offsets: [0, rows],
            members: Array(0..<rows))
    }

    /// Groups rows by the values of key columns.
    static func build(keys: [Column], rows: Int) -> GroupIndex {
        var groupOf = [Int32](repeating: 0, count: rows)
        var firstRows: [Int] = []
        if keys.count == 1, case .text(let codes, let dictionary) = keys[0].storage {
            // Dictionary codes are already dense; null gets its own slot.
            var slot = [Int32](repeating: -1, count: dictionary.count + 1)
            for row in 0..<rows {
                let code = keys[0].isNull(row) ? dictionary.count : Int(codes[row])
                if slot[code] < 0 {
                    slot[code] = Int32(firstRows.count)
                    firstRows.append(row)
                }
                groupOf[row] = slot[code]
            }
        } else if keys.count == 1, case .integer(let values) = keys[0].storage, keys[0].nulls == nil {
            let low = values.min() ?? 0
            let (range, overflow) = (values.max() ?? 0).subtractingReportingOverflow(low)
            if !overflow && range < 1 << 20 {
                // A small range of values (years, months, counts): a slot per value instead of hashing.
                var slot = [Int32](repeating: -1, count: Int(range) + 1)
                for row in 0..<rows {
                    let index = Int(values[row] - low)
                    if slot[index] < 0 {
                        slot[index] = Int32(firstRows.count)
                        firstRows.append(row)
                    }
                    groupOf[row] = slot[index]
                }
            } else {
                var numbering = FirstAppearance<Int64>()
                for row in 0..<rows { groupOf[row] = numbering.id(values[row], row: row) }
                firstRows = numbering.firstRows
            }
        } else {
            var numbering = FirstAppearance<[Value]>()
            for row in 0..<rows { groupOf[row] = numbering.id(keys.map { $0.value(at: row) }, row: row) }
            firstRows = numbering.firstRows
        }
        return from(groupOf: groupOf, firstRows: firstRows)
    }

    private static func from(groupOf: [Int32], firstRows: [Int]) -> GroupIndex {
        let count = firstRows.count
        var offsets = [Int](repeating: 0, count: count + 1)
        for g in groupOf { offsets[Int(g) + 1] += 1 }
        for g in 0..<count { offsets[g + 1] += offsets[g] }
        var cursor = offsets
        var members = [Int](repeating: 0, count: groupOf.count)
        for (row, g) in groupOf.enumerated() {
            members[cursor[Int(g)]] = row
            cursor[Int(g)] += 1
        }
        return GroupIndex(groupOf: groupOf, count: count, firstRows: firstRows, offsets: offsets, members: members)
    }

    func rows(of group: Int) -> ArraySlice<Int> { members[offsets[group]..<offsets[group + 1]] }

    /// The same groups with member positions translated through `rows` (a selection of a larger table).
    func mapped(to rows: [Int]) -> GroupIndex {
        GroupIndex(
            groupOf: groupOf, count: count, firstRows: firstRows, offsets: offsets, members: members.map { rows[$0] })
    }
}
