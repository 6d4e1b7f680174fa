import ChurnQLStore

/// Stable multi-key sort permutations; nulls sort last in either direction.
enum Sorting {
    static func permutation(_ keys: [Column], descending: [Bool]) -> [Int] {
        guard let rows = keys.first?.count else { return [] }
        // One numeric key without nulls: compare the values directly (stable by row number).
        if keys.count == 1, keys[0].nulls == nil, let values = numericValues(keys[0]) {
            var indices = Array(0..<rows)
            if descending[0] {
                indices.sort { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
            } else {
                indices.sort { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
            }
            return indices
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

    private static func numericValues(_ column: Column) -> [Double]? {
        switch column.storage {
        case .decimal(let v): return v
        case .integer(let v): return v.map(Double.init)
        case .date(let v): return v.map(Double.init)
        default: return nil
        }
    }

    /// -1, 0 or 1 for two rows of one column.
    private static func comparator(_ column: Column, descending: Bool) -> (Int, Int) -> Int {
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
        case .text(let codes, let dictionary):
            let ranks = ValueOrdering.textRanks(dictionary)
            return make(codes.map { ranks[Int($0)] })
        }
    }
}
