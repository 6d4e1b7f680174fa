import ChurnQLStore

/// Cell text for every format: dates as yyyy-MM-dd, decimals to 6 places for reading or in full (`exact`, for CSV
/// and JSON), thousands separators in tables only (and never in identifiers).
public enum CellFormatter {
    public static func text(_ column: Column, _ row: Int, grouped: Bool, exact: Bool = false) -> String? {
        if column.isNull(row) { return nil }
        switch column.storage {
        case .integer(let v):
            return grouped && !column.isIdentifier ? NumberFormat.grouped(String(v[row])) : String(v[row])
        case .decimal(let v):
            if exact { return ExactNumber.text(v[row]) }
            let plain = NumberFormat.plain(v[row])
            return grouped ? NumberFormat.grouped(plain) : plain
        case .boolean(let v): return v[row] ? "true" : "false"
        case .date(let v): return Dates.format(v[row])
        case .timestamp(let v): return Dates.formatTimestamp(v[row])
        case .text(let codes, let dictionary): return dictionary[Int(codes[row])]
        }
    }

    static func isNumeric(_ column: Column) -> Bool { column.type.isNumeric }
}
