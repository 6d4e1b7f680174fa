import ChurnQLStore
import ChurnQLSyntax

/// `year`, `month`, `day` and `quarter` of a stored date column, read from a table with one entry per day of the
/// column's range: on millions of rows the calendar arithmetic of every row costs more than one lookup.
enum DatePartTable {
    /// Days a table may cover (8 MB); a wider column goes through the arithmetic.
    static let maximumRange = 1 << 20

    /// The part's vector, or nil when the argument is not a stored date column with a narrow enough range.
    static func compile(_ part: String, _ argument: Expression, _ context: CompileContext) -> Vector? {
        guard case .column(let name, _) = argument, let column = context.table.column(name),
            case .date(let days) = column.storage, let value = partFunction(part)
        else { return nil }
        let nulls = column.nulls
        var low = Int32.max
        var high = Int32.min
        for row in days.indices where nulls?[row] != true {
            low = Swift.min(low, days[row])
            high = Swift.max(high, days[row])
        }
        guard low <= high, Int(high) - Int(low) < maximumRange else { return nil }
        let table = (low...high).map(value)
        if let nulls { return .integer { nulls[$0] ? nil : table[Int(days[$0]) - Int(low)] } }
        return .integer { table[Int(days[$0]) - Int(low)] }
    }

    /// The same arithmetic as the general path of `Functions`.
    private static func partFunction(_ part: String) -> ((Int32) -> Int64)? {
        switch part {
        case "year": return { Int64(Dates.civil($0).year) }
        case "month": return { Int64(Dates.civil($0).month) }
        case "day": return { Int64(Dates.civil($0).day) }
        case "quarter": return { Int64((Dates.civil($0).month - 1) / 3 + 1) }
        default: return nil
        }
    }
}
