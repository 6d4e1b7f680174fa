import ChurnQLStore

/// Stable multi-key sort permutations; nulls sort last in either direction.
enum Sorting {
    /// The stable sort order of the rows, or only its first `limit` rows (chosen in one pass with a bounded heap
    /// when that is much less than all of them).
    static func permutation(_ keys: [Column], descending: [Bool], limit: Int? = nil) -> [Int] {
        guard let rows = keys.first?.count else { return [] }
        if let limit, limit < rows / 4 {
            let comparators = zip(keys, descending).map { comparator($0, descending: $1, fewComparisons: true) }
            let less = { (a: Int, b: Int) -> Bool in
                for compare in comparators {
                    let c = compare(a, b)
                    if c != 0 { return c < 0 }
                }
                return a < b
            }
            let first = keys[0]
            switch first.storage {
            case .decimal(let v): return topRows(limit, rows, v, first.nulls, descending[0], less)
            case .integer(let v): return topRows(limit, rows, v, first.nulls, descending[0], less)
            case .date(let v): return topRows(limit, rows, v, first.nulls, descending[0], less)
            default: return TopRows.select(limit, of: rows, less: less)
            }
        }
        // One numeric key without nulls: compare the values directly, in their own type (integers beyond 2^53 are
        // not distinct as doubles), stable by row number.
        if keys.count == 1, keys[0].nulls == nil {
            switch keys[0].storage {
            case .decimal(let v): return sortedRows(v, descending: descending[0])
            case .integer(let v): return sortedRows(v, descending: descending[0])
            case .date(let v): return sortedRows(v, descending: descending[0])
            default: break
            }
        }
        let comparators = zip(keys, descending).map { comparator($0, descending: $1) }
        var indices = Array(0..<rows)
        indices.sort { a, b in
            for compare in comparators {
                let c = compare(a, b)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        return indices
    }

    /// The first `limit` rows when the first key is a numeric array: a row whose first key is strictly worse than
    /// the heap's worst row cannot enter it, and that one comparison of two numbers skips the whole comparator for
    /// nearly every row. (NaN compares false both ways and goes to the comparator.)
    private static func topRows<T: Comparable>(
        _ limit: Int, _ rows: Int, _ values: [T], _ nulls: [Bool]?, _ descending: Bool, _ less: (Int, Int) -> Bool
    ) -> [Int] {
        TopRows.select(limit, of: rows, less: less) { row, worst in
            if let nulls {
                if nulls[worst] { return true }
                if nulls[row] { return false }
            }
            return descending ? !(values[row] < values[worst]) : !(values[row] > values[worst])
        }
    }

    private static func sortedRows<T: Comparable>(_ values: [T], descending: Bool) -> [Int] {
        var indices = Array(values.indices)
        if descending {
            indices.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        } else {
            indices.sort { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        }
        return indices
    }

    /// -1, 0 or 1 for two rows of one column. Text compares by dictionary rank, or, when few comparisons will be
    /// made (a top-n selection), by the strings themselves: ranking a dictionary of millions of keys would cost more
    /// than the selection.
    static func comparator(_ column: Column, descending: Bool, fewComparisons: Bool = false) -> (Int, Int)
        -> Int
    {
        let sign = descending ? -1 : 1
        func make<T: Comparable>(_ v: [T]) -> (Int, Int) -> Int {
            { a, b in
                let na = column.isNull(a)
                let nb = column.isNull(b)
                if na || nb { return na == nb ? 0 : (na ? 1 : -1) }
                return v[a] < v[b] ? -sign : (v[a] == v[b] ? 0 : sign)
            }
        }
        switch column.storage {
        case .integer(let v): return make(v)
        case .decimal(let v): return make(v)
        case .date(let v): return make(v)
        case .timestamp(let v): return make(v)
        case .boolean(let v): return make(v.map { $0 ? 1 : 0 })
        case .text(let codes, let dictionary) where fewComparisons:
            return { a, b in
                let na = column.isNull(a)
                let nb = column.isNull(b)
                if na || nb { return na == nb ? 0 : (na ? 1 : -1) }
                let (ca, cb) = (Int(codes[a]), Int(codes[b]))
                if ca == cb { return 0 }
                let (ta, tb) = (dictionary[ca], dictionary[cb])
                if ta == tb { return 0 }
                return ta.utf8.lexicographicallyPrecedes(tb.utf8) ? -sign : sign
            }
        case .text(let codes, let dictionary):
            let ranks = ValueOrdering.textRanks(dictionary)
            return make(codes.map { ranks[Int($0)] })
        }
    }
}

/// The first k rows of an order given by a strict `less`: a max-heap of the best k seen so far, so each further
/// row costs one comparison with the heap's worst unless it belongs in it.
enum TopRows {
    /// `mayBeat(row, worst)` may answer false, cheaply, for a row that `less` would not put before the heap's worst.
    static func select(
        _ k: Int, of rows: Int, less: (Int, Int) -> Bool, mayBeat: (Int, Int) -> Bool = { _, _ in true }
    ) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [Int] = []
        heap.reserveCapacity(k)
        for row in 0..<rows {
            if heap.count < k {
                heap.append(row)
                siftUp(&heap, heap.count - 1, less)
            } else if mayBeat(row, heap[0]) && less(row, heap[0]) {
                heap[0] = row
                siftDown(&heap, 0, less)
            }
        }
        return heap.sorted(by: less)
    }

    private static func siftUp(_ heap: inout [Int], _ start: Int, _ less: (Int, Int) -> Bool) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[parent], heap[child]) else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func siftDown(_ heap: inout [Int], _ start: Int, _ less: (Int, Int) -> Bool) {
        var parent = start
        while true {
            var largest = parent
            let left = 2 * parent + 1
            if left < heap.count && less(heap[largest], heap[left]) { largest = left }
            if left + 1 < heap.count && less(heap[largest], heap[left + 1]) { largest = left + 1 }
            guard largest != parent else { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }
}
