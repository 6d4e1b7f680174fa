import ChurnQLStore

/// Maps a key column to dense ids 0..<n ordered by key value (-1 for null keys).
struct DenseKeys {
    var ids: [Int32]
    /// The distinct keys, one per id.
    var keys: Column

    static func assign(_ column: Column) -> DenseKeys {
        let rows = column.count
        var firstRow: [Int] = []
        var provisional = [Int32](repeating: -1, count: rows)
        switch column.storage {
        case .text(let codes, let dictionary):
            var byCode = [Int32](repeating: -1, count: dictionary.count)
            for row in 0..<rows where !column.isNull(row) {
                let code = Int(codes[row])
                if byCode[code] < 0 {
                    byCode[code] = Int32(firstRow.count)
                    firstRow.append(row)
                }
                provisional[row] = byCode[code]
            }
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
}
