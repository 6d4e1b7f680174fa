import ChurnQLStore

/// Maps a key column to dense ids 0..<n ordered by key value (-1 for null keys).
struct DenseKeys {
    var ids: [Int32]
    /// The distinct keys, one per id.
    var keys: Column

    static func assign(_ column: Column) -> DenseKeys {
        if case .text(let codes, let dictionary) = column.storage {
            return assignText(column, codes, dictionary)
        }
        let rows = column.count
        var firstRow: [Int] = []
        var provisional = [Int32](repeating: -1, count: rows)
        switch column.storage {
        case .integer(let values):
            var numbering = FirstAppearance<Int64>()
            for row in 0..<rows where !column.isNull(row) { provisional[row] = numbering.id(values[row], row: row) }
            firstRow = numbering.firstRows
        default:
            var numbering = FirstAppearance<Value>()
            for row in 0..<rows where !column.isNull(row) {
                provisional[row] = numbering.id(column.value(at: row), row: row)
            }
            firstRow = numbering.firstRows
        }
        // Order customers by key so listings read naturally.
        let keyColumn = column.gather(firstRow)
        let order = ValueOrdering.sortedIndices(keyColumn)
        var rank = [Int32](repeating: 0, count: order.count)
        for (position, index) in order.enumerated() { rank[index] = Int32(position) }
        let ids = provisional.map { $0 < 0 ? -1 : rank[Int($0)] }
        return DenseKeys(ids: ids, keys: keyColumn.gather(order))
    }

    /// Text keys: the dictionary already numbers distinct values, so ids are the sorted ranks of the codes in use
    /// (no per-row hashing, one sort of the distinct strings).
    private static func assignText(_ column: Column, _ codes: [Int32], _ dictionary: [String]) -> DenseKeys {
        let rows = column.count
        var used = [Bool](repeating: false, count: dictionary.count)
        if let nulls = column.nulls {
            for row in 0..<rows where !nulls[row] { used[Int(codes[row])] = true }
        } else {
            used.withUnsafeMutableBufferPointer { used in
                codes.withUnsafeBufferPointer { codes in for code in codes { used[Int(code)] = true } }
            }
        }
        let usedCodes = dictionary.indices.filter { used[$0] }
        let allUsed = usedCodes.count == dictionary.count
        let strings = allUsed ? dictionary : usedCodes.map { dictionary[$0] }
        let ranks = ValueOrdering.textRanks(strings)
        // Every value used and the dictionary already in order (a file sorted by key): the codes are the ids.
        if allUsed && column.nulls == nil && ranks.indices.allSatisfy({ ranks[$0] == Int32($0) }) {
            let identity = (0..<Int32(dictionary.count)).map { $0 }
            return DenseKeys(
                ids: codes, keys: Column(name: column.name, storage: .text(codes: identity, dictionary: dictionary)))
        }
        var idOfCode = [Int32](repeating: -1, count: dictionary.count)
        var codeOfId = [Int32](repeating: 0, count: strings.count)
        for (k, code) in usedCodes.enumerated() {
            idOfCode[code] = ranks[k]
            codeOfId[Int(ranks[k])] = Int32(code)
        }
        var ids = [Int32](repeating: -1, count: rows)
        if let nulls = column.nulls {
            for row in 0..<rows where !nulls[row] { ids[row] = idOfCode[Int(codes[row])] }
        } else {
            for row in 0..<rows { ids[row] = idOfCode[Int(codes[row])] }
        }
        // The keys share the column's dictionary (a second copy of every customer's key would cost memory).
        let keys = Column(name: column.name, storage: .text(codes: codeOfId, dictionary: dictionary))
        return DenseKeys(ids: ids, keys: keys)
    }
}
