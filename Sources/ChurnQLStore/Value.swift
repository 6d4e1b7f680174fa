/// A calendar length: days plus months (`1y` is 12 months, `2w` is 14 days).
public struct Duration: Sendable, Equatable, Hashable {
    public var days: Int
    public var months: Int
    public init(days: Int = 0, months: Int = 0) {
        self.days = days
        self.months = months
    }

    /// The longest duration the language accepts, 100,000 years in days (the lexer's limit).
    public static let maxDays = 36_500_000

    /// The length in days, counting a month as 30 days where a fixed length is needed (windows).
    public var approximateDays: Int { days + months * 30 }

    /// The text form, e.g. `90d`, `6mo`.
    public var description: String {
        if months == 0 { return "\(days)d" }
        if days == 0 { return months % 12 == 0 ? "\(months / 12)y" : "\(months)mo" }
        return "\(months)mo\(days)d"
    }
}

/// One scalar value; used for settings, literals, and cell access outside the hot paths.
public enum Value: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    case decimal(Double)
    case boolean(Bool)
    case date(Int32)
    case timestamp(Int64)
    case text(String)
    case duration(Duration)

    public var type: DataType {
        switch self {
        case .null: return .null
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text: return .text
        case .duration: return .duration
        }
    }

    public var isNull: Bool { self == .null }

    /// The numeric value of an integer or decimal.
    public var asDouble: Double? {
        switch self {
        case .integer(let v): return Double(v)
        case .decimal(let v): return v
        default: return nil
        }
    }

    /// Plain text for messages and settings (no thousands separators).
    public var plainText: String {
        switch self {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .decimal(let v): return NumberFormat.plain(v)
        case .boolean(let v): return v ? "true" : "false"
        case .date(let d): return Dates.format(d)
        case .timestamp(let t): return Dates.formatTimestamp(t)
        case .text(let s): return s
        case .duration(let d): return d.description
        }
    }
}
