import ChurnQLStore

/// The server's types as churnql's, and the server's text form of a value as a churnql value.
public enum PostgresTypes {
    // Type OIDs from pg_type (stable across versions).
    static let bool: UInt32 = 16, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23, oid: UInt32 = 26
    static let float4: UInt32 = 700, float8: UInt32 = 701, numeric: UInt32 = 1700, money: UInt32 = 790
    static let date: UInt32 = 1082, timestamp: UInt32 = 1114, timestamptz: UInt32 = 1184, text: UInt32 = 25

    public static func dataType(_ oid: UInt32) -> DataType {
        switch oid {
        case bool: return .boolean
        case int2, int4, int8, Self.oid: return .integer
        case float4, float8, numeric: return .decimal
        case date: return .date
        case timestamp, timestamptz: return .timestamp
        default: return .text
        }
    }

    /// A type named as `information_schema.columns.data_type` names it.
    public static func dataType(named name: String) -> DataType {
        switch name.lowercased() {
        case "boolean": return .boolean
        case "smallint", "integer", "bigint", "oid": return .integer
        case "real", "double precision", "numeric": return .decimal
        case "date": return .date
        case "timestamp without time zone", "timestamp with time zone": return .timestamp
        default: return .text
        }
    }

    /// The value of a field written in the server's text form; nil when it cannot be read as `type` (a date
    /// such as 'infinity', a number out of range): the caller reports it rather than storing a wrong value.
    public static func value(_ text: String, _ type: DataType) -> Value? {
        switch type {
        case .integer: return Int64(text).map(Value.integer)
        case .decimal:
            switch text {
            case "NaN": return .decimal(.nan)
            case "Infinity": return .decimal(.infinity)
            case "-Infinity": return .decimal(-.infinity)
            default: return Double(text).map(Value.decimal)
            }
        case .boolean:
            if text == "t" { return .boolean(true) }
            if text == "f" { return .boolean(false) }
            return nil
        case .date: return Dates.parseISO(text).map(Value.date)
        case .timestamp: return timestampSeconds(text).map(Value.timestamp)
        default: return .text(text)
        }
    }

    /// `yyyy-MM-dd HH:mm:ss[.ffffff][+00]` (the session's time zone is UTC) as seconds since the epoch.
    static func timestampSeconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 19, bytes[10] == UInt8(ascii: " "),
            let day = Dates.parseISO(String(decoding: bytes[0..<10], as: UTF8.self))
        else { return nil }
        func two(_ at: Int) -> Int64? {
            let a = bytes[at], b = bytes[at + 1]
            guard (48...57).contains(a), (48...57).contains(b) else { return nil }
            return Int64(a - 48) * 10 + Int64(b - 48)
        }
        guard let h = two(11), let m = two(14), let s = two(17), h < 24, m < 60, s < 61 else { return nil }
        return Int64(day) * 86400 + h * 3600 + m * 60 + s
    }
}

/// A churnql value as a bind parameter: its text form and its type's OID, so the server never guesses.
struct PostgresParameter {
    var text: String?
    var type: UInt32

    init(_ value: Value) {
        switch value {
        case .null: (text, type) = (nil, PostgresTypes.text)
        case .integer(let n): (text, type) = (String(n), PostgresTypes.int8)
        case .decimal(let x):
            let written = x.isNaN ? "NaN" : x.isInfinite ? (x > 0 ? "Infinity" : "-Infinity") : "\(x)"
            (text, type) = (written, PostgresTypes.float8)
        case .boolean(let b): (text, type) = (b ? "true" : "false", PostgresTypes.bool)
        case .date(let day): (text, type) = (Dates.format(day), PostgresTypes.date)
        case .timestamp(let seconds): (text, type) = (Dates.formatTimestamp(seconds), PostgresTypes.timestamp)
        case .text(let s): (text, type) = (s, PostgresTypes.text)
        case .duration(let d): (text, type) = (d.description, PostgresTypes.text)
        }
    }
}
