import ChurnQLStore
import Dispatch

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
        let used: [Bool]
        if let nulls = column.nulls {
            var marked = [Bool](repeating: false, count: dictionary.count)
            for row in 0..<rows where !nulls[row] { marked[Int(codes[row])] = true }
            used = marked
        } else {
            used = codesInUse(codes, dictionarySize: dictionary.count)
        }
        let usedCodes = dictionary.indices.filter { used[$0] }
        let allUsed = usedCodes.count == dictionary.count
        let strings = allUsed ? dictionary : usedCodes.map { dictionary[$0] }
        let ranks = keyRanks(strings)
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
        let nulls = column.nulls
        // On two cores from a million rows on (a code's id is a cache miss when the rows are not in key order).
        let parts = rows >= 1 << 20 ? 2 : 1
        let ids = [Int32](unsafeUninitializedCapacity: rows) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            let idOfCode = idOfCode
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for row in (rows * part / parts)..<(rows * (part + 1) / parts) {
                    buffer[row] = nulls?[row] == true ? -1 : idOfCode[Int(codes[row])]
                }
            }
            initialized = rows
        }
        // The keys share the column's dictionary (a second copy of every customer's key would cost memory).
        let keys = Column(name: column.name, storage: .text(codes: codeOfId, dictionary: dictionary))
        return DenseKeys(ids: ids, keys: keys)
    }

    /// Which codes occur, marked on two cores from a million rows on (each part marks its own array).
    private static func codesInUse(_ codes: [Int32], dictionarySize: Int) -> [Bool] {
        let parts = codes.count >= 1 << 20 ? 2 : 1
        var marks = [[Bool]](repeating: [], count: parts)
        codes.withUnsafeBufferPointer { codes in
            marks.withUnsafeMutableBufferPointer { marks in
                nonisolated(unsafe) let (codes, marks) = (codes, marks)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    var used = [Bool](repeating: false, count: dictionarySize)
                    used.withUnsafeMutableBufferPointer { used in
                        for i in (codes.count * part / parts)..<(codes.count * (part + 1) / parts) {
                            used[Int(codes[i])] = true
                        }
                    }
                    marks[part] = used
                }
            }
        }
        var used = marks[0]
        for part in marks.dropFirst() {
            for code in used.indices where part[code] { used[code] = true }
        }
        return used
    }

    /// Sorted ranks of distinct keys. Keys that are all plain numbers (digits, no leading zero, at most 18 of
    /// them) rank by value, so that customers 9 and 10 list in that order; any other keys rank by their bytes.
    static func keyRanks(_ strings: [String]) -> [Int32] {
        var values = [Int64]()
        values.reserveCapacity(strings.count)
        for string in strings {
            guard let value = plainNumber(string) else { return ValueOrdering.textRanks(strings) }
            values.append(value)
        }
        // Distinct plain numbers have distinct values, so ranking the values ranks the keys.
        if values.indices.dropFirst().allSatisfy({ values[$0 - 1] < values[$0] }) {
            return (0..<Int32(values.count)).map { $0 }
        }
        var pairs = values.enumerated().map { (value: $0.element, index: $0.offset) }
        pairs.sort { $0.value < $1.value }
        var ranks = [Int32](repeating: 0, count: strings.count)
        for (position, pair) in pairs.enumerated() { ranks[pair.index] = Int32(position) }
        return ranks
    }

    private static func plainNumber(_ string: String) -> Int64? {
        let utf8 = string.utf8
        guard let first = utf8.first, utf8.count <= 18, first != UInt8(ascii: "0") || utf8.count == 1 else {
            return nil
        }
        var value: Int64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
