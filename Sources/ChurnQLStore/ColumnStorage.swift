/// Typed, contiguous column values. Dates are day numbers, timestamps seconds, text dictionary codes.
public enum ColumnStorage: Sendable {
    case integer([Int64])
    case decimal([Double])
    case boolean([Bool])
    case date([Int32])
    case timestamp([Int64])
    /// Codes index into `dictionary`; equal strings share one code.
    case text(codes: [Int32], dictionary: [String])

    public var type: DataType {
        switch self {
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text: return .text
        }
    }

    public var count: Int {
        switch self {
        case .integer(let v): return v.count
        case .decimal(let v): return v.count
        case .boolean(let v): return v.count
        case .date(let v): return v.count
        case .timestamp(let v): return v.count
        case .text(let codes, _): return codes.count
        }
    }

    /// Approximate bytes held, for memory reports.
    public var byteSize: Int {
        switch self {
        case .integer(let v): return v.count * 8
        case .decimal(let v): return v.count * 8
        case .boolean(let v): return v.count
        case .date(let v): return v.count * 4
        case .timestamp(let v): return v.count * 8
        case .text(let codes, let dictionary): return codes.count * 4 + dictionary.reduce(0) { $0 + $1.utf8.count + 16 }
        }
    }
}
