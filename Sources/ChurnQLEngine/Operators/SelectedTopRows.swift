import ChurnQLStore

/// The first rows of a sort over a selection, read from the whole stored key columns through the selection:
/// `where … | sort … | take n` then copies no key column (on millions of selected rows the copies cost more
/// than the selection itself). Ties keep the selection's order, as the sort of the copied columns does.
enum SelectedTopRows {
    /// Positions in `selection` of its first `limit` rows in key order, checking `stop` every `Interrupt.stride`
    /// rows; stopped, the best of the rows seen so far (the caller checks and throws).
    static func positions(
        _ keys: [Column], descending: [Bool], limit: Int, of selection: [Int],
        stop: StopCheck = StopCheck(interrupt: nil)
    ) -> [Int] {
        let comparators = zip(keys, descending).map { Sorting.comparator($0, descending: $1, fewComparisons: true) }
        let less = { (a: Int, b: Int) -> Bool in
            let (ra, rb) = (selection[a], selection[b])
            for compare in comparators {
                let c = compare(ra, rb)
                if c != 0 { return c < 0 }
            }
            return a < b
        }
        let first = keys[0]
        switch first.storage {
        case .decimal(let v): return top(limit, selection, v, first.nulls, descending[0], less, stop)
        case .integer(let v): return top(limit, selection, v, first.nulls, descending[0], less, stop)
        case .date(let v): return top(limit, selection, v, first.nulls, descending[0], less, stop)
        default: return TopRows.select(limit, of: selection.count, less: less, stop: stop)
        }
    }

    /// As `Sorting`'s numeric first key: a row strictly worse than the heap's worst skips the comparator.
    private static func top<T: Comparable>(
        _ limit: Int, _ selection: [Int], _ values: [T], _ nulls: [Bool]?, _ descending: Bool,
        _ less: (Int, Int) -> Bool, _ stop: StopCheck
    ) -> [Int] {
        TopRows.select(limit, of: selection.count, less: less, stop: stop) { position, worst in
            let (row, worstRow) = (selection[position], selection[worst])
            if let nulls {
                if nulls[worstRow] { return true }
                if nulls[row] { return false }
            }
            return descending ? !(values[row] < values[worstRow]) : !(values[row] > values[worstRow])
        }
    }
}
