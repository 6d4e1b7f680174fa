import ChurnQLStore
import ChurnQLSyntax

/// `sum` and `avg` of a stored numeric column, folded straight from its array: the general path calls the
/// column's row closure once per row, which on millions of rows costs more than the addition. The additions run
/// in the same order (table order within each group), so the totals are the same doubles.
enum StoredColumnFold {
    /// Each group's total and number of non-null values, or nil when the argument is not a stored decimal or
    /// integer column of the aggregated rows.
    static func totals(_ argument: Expression, _ aggregation: CompileContext.Aggregation) -> [(total: Double, n: Int)]?
    {
        guard case .column(let name, _) = argument, let column = aggregation.rows.column(name) else { return nil }
        switch column.storage {
        case .decimal(let values): return fold(values, column.nulls, aggregation.groups) { $0 }
        case .integer(let values): return fold(values, column.nulls, aggregation.groups) { Double($0) }
        default: return nil
        }
    }

    private static func fold<T>(
        _ values: [T], _ nulls: [Bool]?, _ groups: GroupIndex, _ double: (T) -> Double
    ) -> [(total: Double, n: Int)] {
        if let nulls {
            return groups.fold((total: 0.0, n: 0)) { s, row in
                if !nulls[row] { s = (s.total + double(values[row]), s.n + 1) }
            }
        }
        return groups.fold((total: 0.0, n: 0)) { s, row in s = (s.total + double(values[row]), s.n + 1) }
    }
}
