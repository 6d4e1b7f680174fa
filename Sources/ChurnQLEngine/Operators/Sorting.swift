import ChurnQLStore

/// Stable multi-key sort permutations; nulls sort last in either direction.
enum Sorting {
    static func permutation(_ keys: [Column], descending: [Bool]) -> [Int] {
        guard let rows = keys.first?.count else { return [] }
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
