import ChurnQLStore

/// What a snapshot holds: the catalog's tables in load order, derived arrays, and the session's settings.
public struct SnapshotContents: Sendable {
    public var tables: [Table]
    /// Tables the engine derives and stores to skip deriving them again (their columns need not be equally long).
    public var derived: [Table]
    public var session: SnapshotSession

    public init(tables: [Table], derived: [Table] = [], session: SnapshotSession = SnapshotSession()) {
        self.tables = tables
        self.derived = derived
        self.session = session
    }
}

/// The session state besides tables, as the engine describes it: text it can re-read, and plain values.
public struct SnapshotSession: Codable, Sendable, Equatable {
    /// Setting name → value as a `set` statement writes it (`asof` → `2024-06-30`, `churn_window` → `90d`).
    public var settings: [String: String] = [:]
    /// `let` views in an order that defines each after the views it reads: name and query text.
    public var views: [NamedText] = []
    /// `$name` parameters.
    public var parameters: [NamedValue] = []
    /// `load … with (customer: …, key_match: …)` options per table.
    public var roleOverrides: [String: [String: String]] = [:]
    /// Engine-defined facts about `derived` (e.g. the analysis date the stored history was built for).
    public var derivedFacts: [String: String] = [:]

    public init() {}
}

public struct NamedText: Codable, Sendable, Equatable {
    public var name: String
    public var text: String
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// A parameter's value: its type and an exact text form.
public struct NamedValue: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    public var text: String

    public init(name: String, value: Value) {
        self.name = name
        switch value {
        case .null: (type, text) = ("null", "")
        case .integer(let v): (type, text) = ("integer", String(v))
        case .decimal(let v): (type, text) = ("decimal", String(v.bitPattern))
        case .boolean(let v): (type, text) = ("boolean", v ? "true" : "false")
        case .date(let v): (type, text) = ("date", String(v))
        case .timestamp(let v): (type, text) = ("timestamp", String(v))
        case .text(let s): (type, text) = ("text", s)
        case .duration(let d): (type, text) = ("duration", "\(d.days),\(d.months)")
        }
    }

    /// The value, or nil when the text is not one of its type.
    public var value: Value? {
        switch type {
        case "null": return .null
        case "integer": return Int64(text).map(Value.integer)
        case "decimal": return UInt64(text).map { .decimal(Double(bitPattern: $0)) }
        case "boolean": return text == "true" ? .boolean(true) : text == "false" ? .boolean(false) : nil
        case "date": return Int32(text).map(Value.date)
        case "timestamp": return Int64(text).map(Value.timestamp)
        case "text": return .text(text)
        case "duration":
            let parts = text.split(separator: ",").compactMap { Int($0) }
            return parts.count == 2 ? .duration(Duration(days: parts[0], months: parts[1])) : nil
        default: return nil
        }
    }
}
