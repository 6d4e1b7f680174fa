import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore

/// Stable multi-key sort permutations; nulls sort last in either direction.
enum Sorting {
    /// `order` that cannot be interrupted.
    static func permutation(_ keys: [Column], descending: [Bool], limit: Int? = nil) -> [Int] {
        (try? order(keys, descending: descending, limit: limit, stop: StopCheck(interrupt: nil))) ?? []
    }

    /// The stable sort order of the rows, or only its first `limit` rows (chosen in one pass with a bounded heap
    /// when that is much less than all of them). Stops on `stop` every `Interrupt.stride` rows or comparisons.
    static func order(_ keys: [Column], descending: [Bool], limit: Int? = nil, stop: StopCheck = StopCheck())
        throws(Diagnostic) -> [Int]
    {
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
            let top: [Int]
            switch first.storage {
            case .decimal(let v): top = topRows(limit, rows, v, first.nulls, descending[0], less, stop)
            case .integer(let v): top = topRows(limit, rows, v, first.nulls, descending[0], less, stop)
            case .date(let v): top = topRows(limit, rows, v, first.nulls, descending[0], less, stop)
            default: top = TopRows.select(limit, of: rows, less: less, stop: stop)
            }
            // A stopped selection saw only some of the rows.
            try stop()
            return top
        }
        // One numeric key without nulls: compare the values directly, in their own type (integers beyond 2^53 are
        // not distinct as doubles), stable by row number.
        if keys.count == 1, keys[0].nulls == nil {
            switch keys[0].storage {
            case .decimal(let v): return try sortedRows(v, descending: descending[0], stop)
            case .integer(let v): return try sortedRows(v, descending: descending[0], stop)
            case .date(let v): return try sortedRows(v, descending: descending[0], stop)
            default: break
            }
        }
        var comparators: [(Int, Int) -> Int] = []
        for (key, down) in zip(keys, descending) {
            try stop()
            comparators.append(comparator(key, descending: down))
        }
        var indices = Array(0..<rows)
        try sortChecked(&indices, stop) { a, b in
            for compare in comparators {
                let c = compare(a, b)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        return indices
    }

    /// `sort(by:)` in steps that `stop` can come between (see `mergeSort`); throws when stopped.
    @inline(__always)
    static func sortChecked(_ indices: inout [Int], _ stop: StopCheck, by less: (Int, Int) -> Bool)
        throws(Diagnostic)
    {
        if !mergeSort(&indices, stop, by: less) { throw Engine.interrupted }
    }

    /// Values in ascending order, in steps that `stop` can come between; false when stopped (the values are then
    /// in no particular order).
    static func sortUnlessStopped<T: Comparable & BitwiseCopyable>(_ values: inout [T], _ stop: StopCheck) -> Bool {
        // Numbers compare fast: runs of four strides sort in about as long as a quarter stride of rows under a
        // multi-key comparator, and fewer merge passes keep the sort as fast as one sort of all values.
        mergeSort(&values, stop, run: 4 * Interrupt.stride, by: <)
    }

    /// `sort(by:)` in steps: runs of `run` items (by default a quarter of `Interrupt.stride`: a whole stride of
    /// rows under a multi-key comparator took ~50 ms) sorted one by one, checking before each, then merged pairwise (stable: a tie keeps the left run's item first), checking every
    /// `Interrupt.stride` items of a merge. About as fast as one sort of all items; `less` must be a strict order.
    /// False when stopped.
    @inline(__always)
    static func mergeSort<T: BitwiseCopyable>(
        _ items: inout [T], _ stop: StopCheck, run: Int = Interrupt.stride / 4, by less: (T, T) -> Bool
    ) -> Bool {
        let n = items.count
        guard stop.interrupt != nil, n > run else {
            items.sort(by: less)
            return true
        }
        var start = 0
        while start < n {
            if stop.requested { return false }
            let end = Swift.min(start + run, n)
            items[start..<end].sort(by: less)
            start = end
        }
        // Not cleared first: the first merge writes every item (its fresh pages fault in between the checks).
        var other = [T](unsafeUninitializedCapacity: n) { _, initialized in initialized = n }
        var width = run
        while width < n {
            var stopped = false
            items.withUnsafeBufferPointer { source in
                other.withUnsafeMutableBufferPointer { target in
                    var low = 0
                    var sinceCheck = 0
                    while low < n {
                        let middle = Swift.min(low + width, n)
                        let high = Swift.min(low + 2 * width, n)
                        var (i, j, k) = (low, middle, low)
                        while i < middle && j < high {
                            if less(source[j], source[i]) {
                                target[k] = source[j]
                                j += 1
                            } else {
                                target[k] = source[i]
                                i += 1
                            }
                            k += 1
                            sinceCheck += 1
                            if sinceCheck == Interrupt.stride {
                                sinceCheck = 0
                                if stop.requested {
                                    stopped = true
                                    return
                                }
                            }
                        }
                        while i < middle {
                            target[k] = source[i]
                            (i, k) = (i + 1, k + 1)
                        }
                        while j < high {
                            target[k] = source[j]
                            (j, k) = (j + 1, k + 1)
                        }
                        low = high
                    }
                }
            }
            if stopped { return false }
            swap(&items, &other)
            width *= 2
        }
        return true
    }

    /// The first `limit` rows when the first key is a numeric array: a row whose first key is strictly worse than
    /// the heap's worst row cannot enter it, and that one comparison of two numbers skips the whole comparator for
    /// nearly every row. (NaN compares false both ways and goes to the comparator.)
    private static func topRows<T: Comparable>(
        _ limit: Int, _ rows: Int, _ values: [T], _ nulls: [Bool]?, _ descending: Bool, _ less: (Int, Int) -> Bool,
        _ stop: StopCheck
    ) -> [Int] {
        TopRows.select(limit, of: rows, less: less, stop: stop) { row, worst in
            if let nulls {
                if nulls[worst] { return true }
                if nulls[row] { return false }
            }
            return descending ? !(values[row] < values[worst]) : !(values[row] > values[worst])
        }
    }

    private static func sortedRows<T: Comparable>(_ values: [T], descending: Bool, _ stop: StopCheck)
        throws(Diagnostic) -> [Int]
    {
        var indices = Array(values.indices)
        if descending {
            try sortChecked(&indices, stop) { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        } else {
            try sortChecked(&indices, stop) { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
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
    /// A stopped selection returns the best of the rows seen so far; the caller checks `stop` and throws.
    /// (Inlined, so that `mayBeat`, asked once per row, is too.)
    @inline(__always)
    static func select(
        _ k: Int, of rows: Int, less: (Int, Int) -> Bool, stop: StopCheck = StopCheck(interrupt: nil),
        mayBeat: (Int, Int) -> Bool = { _, _ in true }
    ) -> [Int] {
        guard k > 0 else { return [] }
        var heap: [Int] = []
        heap.reserveCapacity(k)
        var start = 0
        while start < rows, !stop.requested {
            let end = Swift.min(start + Interrupt.stride, rows)
            for row in start..<end {
                if heap.count < k {
                    heap.append(row)
                    siftUp(&heap, heap.count - 1, less)
                } else if mayBeat(row, heap[0]) && less(row, heap[0]) {
                    heap[0] = row
                    siftDown(&heap, 0, less)
                }
            }
            start = end
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
