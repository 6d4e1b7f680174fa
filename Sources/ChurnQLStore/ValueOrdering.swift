import Dispatch

/// Orders column values: nulls last, numbers numerically, text by Unicode scalar order.
public enum ValueOrdering {
    /// Row indices of `column` in ascending order (stable).
    public static func sortedIndices(_ column: Column) -> [Int] {
        var indices = Array(0..<column.count)
        switch column.storage {
        case .integer(let v): indices.sort { less(column, $0, $1) { v[$0] < v[$1] } }
        case .timestamp(let v): indices.sort { less(column, $0, $1) { v[$0] < v[$1] } }
        case .decimal(let v): indices.sort { less(column, $0, $1) { v[$0] < v[$1] } }
        case .date(let v): indices.sort { less(column, $0, $1) { v[$0] < v[$1] } }
        case .boolean(let v): indices.sort { less(column, $0, $1) { !v[$0] && v[$1] } }
        case .text(let codes, let dictionary):
            let ranks = textRanks(dictionary)
            indices.sort { less(column, $0, $1) { ranks[Int(codes[$0])] < ranks[Int(codes[$1])] } }
        }
        return indices
    }

    /// The sort rank of each dictionary entry (equal strings share a rank).
    public static func textRanks(_ dictionary: [String]) -> [Int32] {
        // Compare the first 16 UTF-8 bytes as two big-endian integers; only equal prefixes compare whole strings.
        let prefixes = prefixes(of: dictionary)
        // Dictionaries built from files sorted by key are often in order already: one pass finds out.
        if prefixes.indices.dropFirst().allSatisfy({ prefixes[$0 - 1] < prefixes[$0] }) {
            return (0..<Int32(dictionary.count)).map { $0 }
        }
        // Keys of one prefix and width (customer ids in a file sorted by date): ranked from their numbers.
        if dictionary.count >= 50_000, let ranks = numberedRanks(dictionary) { return ranks }
        // The prefixes travel with the indices, so that comparisons read neighbouring memory.
        var order = prefixes.enumerated().map {
            PrefixRadixSort.Item(high: $0.element.0, low: $0.element.1, index: $0.offset)
        }
        let longer = { (a: PrefixRadixSort.Item, b: PrefixRadixSort.Item) in
            dictionary[a.index].utf8.lexicographicallyPrecedes(dictionary[b.index].utf8)
        }
        if order.count >= 50_000 {
            // By prefix first; then strings that share their first sixteen bytes, run by run.
            PrefixRadixSort.sort(&order)
            var start = 0
            while start < order.count {
                var end = start + 1
                while end < order.count && order[end].high == order[start].high && order[end].low == order[start].low {
                    end += 1
                }
                if end - start > 1 { order[start..<end].sort(by: longer) }
                start = end
            }
        } else {
            order.sort { a, b in
                if a.high != b.high { return a.high < b.high }
                if a.low != b.low { return a.low < b.low }
                return longer(a, b)
            }
        }
        var ranks = [Int32](repeating: 0, count: dictionary.count)
        var rank: Int32 = 0
        for i in order.indices {
            if i > 0 {
                let (previous, current) = (order[i - 1], order[i])
                if previous.high != current.high || previous.low != current.low
                    || dictionary[previous.index] != dictionary[current.index]
                {
                    rank += 1
                }
            }
            ranks[order[i].index] = rank
        }
        return ranks
    }

    /// The first 16 UTF-8 bytes of `text` as two big-endian integers (zero-padded).
    /// Every string's prefix, on two cores from 200,000 strings on.
    private static func prefixes(of strings: [String]) -> [(UInt64, UInt64)] {
        let count = strings.count
        let parts = count >= 200_000 ? 2 : 1
        return [(UInt64, UInt64)](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                for i in (count * part / parts)..<(count * (part + 1) / parts) {
                    buffer.initializeElement(at: i, to: prefix(strings[i]))
                }
            }
            initialized = count
        }
    }

    private static func prefix(_ text: String) -> (UInt64, UInt64) {
        // Native strings expose their bytes: whole words instead of an iterator per byte.
        if let words = text.utf8.withContiguousStorageIfAvailable({ buffer -> (UInt64, UInt64)? in
            guard let base = buffer.baseAddress else { return (0, 0) }
            func word(_ start: Int) -> UInt64 {
                let available = Swift.min(8, Swift.max(0, buffer.count - start))
                if available == 8 {
                    return UInt64(bigEndian: UnsafeRawPointer(base + start).loadUnaligned(as: UInt64.self))
                }
                var value: UInt64 = 0
                for i in 0..<available { value |= UInt64(base[start + i]) << (56 - 8 * i) }
                return value
            }
            return (word(0), word(8))
        }), let words {
            return words
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (i, byte) in text.utf8.prefix(16).enumerated() {
            if i < 8 { high |= UInt64(byte) << (56 - 8 * i) } else { low |= UInt64(byte) << (56 - 8 * (i - 8)) }
        }
        return (high, low)
    }

    @inline(__always)
    private static func less(_ column: Column, _ a: Int, _ b: Int, _ compare: (Int, Int) -> Bool) -> Bool {
        let nullA = column.isNull(a)
        let nullB = column.isNull(b)
        if nullA || nullB { return !nullA && nullB || (nullA && nullB && a < b) }
        if compare(a, b) { return true }
        if compare(b, a) { return false }
        return a < b
    }

    /// Compares two scalar values for sorting and min/max: nulls last; numbers across integer and decimal.
    public static func compare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        case (.text(let x), .text(let y)):
            // Scalars, not String ==: texts differing only in Unicode normalization are different values.
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : 1
        // Exact: as doubles, integers beyond 2^53 would compare equal.
        case (.integer(let x), .integer(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.date(let x), .date(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.timestamp(let x), .timestamp(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        case (.boolean(let x), .boolean(let y)): return x == y ? 0 : (!x ? -1 : 1)
        default:
            if let x = a.asDouble, let y = b.asDouble { return x == y ? 0 : (x < y ? -1 : 1) }
            return a.plainText < b.plainText ? -1 : (a.plainText == b.plainText ? 0 : 1)
        }
    }
}
