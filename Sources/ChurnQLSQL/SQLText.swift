import ChurnQLStore

/// Compiled SQL: the text with every literal printed inline, safely quoted (what `compile` prints, runnable as
/// it is), and the same query with the literals as bind parameters (what churnql will send when it executes).
public struct SQLText: Sendable, Equatable {
    public var dialect: SQLDialect
    /// Literals inline.
    public var text: String
    /// Literals as placeholders (`$1`, `?1`, `?`), in the order of `parameters`.
    public var parameterizedText: String
    public var parameters: [Value]
}

/// A piece of SQL under construction: text and literals, kept apart until the end so that the same query can
/// be printed inline or with bind parameters.
struct SQLFragment: Sendable {
    enum Piece: Sendable {
        case text(String)
        case literal(Value)
    }

    var pieces: [Piece]
    var type: DataType

    init(_ text: String, _ type: DataType) {
        self.pieces = [.text(text)]
        self.type = type
    }

    init(literal: Value) {
        self.pieces = [.literal(literal)]
        self.type = literal.type
    }

    init(pieces: [Piece], type: DataType) {
        self.pieces = pieces
        self.type = type
    }

    /// `parts` joined: strings are SQL text, fragments are inserted as they are.
    static func join(_ type: DataType, _ parts: [SQLPart]) -> SQLFragment {
        var pieces: [Piece] = []
        for part in parts {
            switch part {
            case .sql(let text): pieces.append(.text(text))
            case .fragment(let fragment): pieces += fragment.pieces
            }
        }
        return SQLFragment(pieces: pieces, type: type)
    }

    func typed(_ type: DataType) -> SQLFragment { SQLFragment(pieces: pieces, type: type) }

    /// The text with literals inline.
    func inline(_ dialect: SQLDialect) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .literal(let value): out += SQLLiteral.inline(value, dialect)
            }
        }
        return out
    }

    /// The text with placeholders, and the literals in order.
    func parameterized(_ dialect: SQLDialect) -> (String, [Value]) {
        var out = ""
        var values: [Value] = []
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .literal(let value):
                values.append(value)
                out += SQLLiteral.placeholder(value, dialect, values.count)
            }
        }
        return (out, values)
    }
}

/// A part of `SQLFragment.join`.
enum SQLPart {
    case sql(String)
    case fragment(SQLFragment)
}

/// How a value is written as a literal or passed as a parameter.
enum SQLLiteral {
    static func inline(_ value: Value, _ dialect: SQLDialect) -> String {
        switch value {
        case .null, .duration, .timestamp: return "NULL"
        case .integer(let n): return n < 0 ? "(\(n))" : String(n)
        case .decimal(let x):
            // Marked so that every engine reads a double, not an exact numeric, of the same value.
            guard x.isFinite else { return "NULL" }
            let digits = String(x)
            let written: String
            switch dialect {
            case .postgres: written = digits + "::float8"
            case .duckdb: written = digits + "::DOUBLE"
            case .spark: written = digits + "D"
            case .sqlite: written = digits.contains(where: { $0 == "." || $0 == "e" }) ? digits : digits + ".0"
            }
            return x < 0 ? "(\(written))" : written
        case .boolean(let b): return dialect.boolean(b)
        case .date(let day): return dialect.date(day)
        case .text(let s): return dialect.text(s)
        }
    }

    static func placeholder(_ value: Value, _ dialect: SQLDialect, _ n: Int) -> String {
        let mark = dialect.placeholder(n)
        switch value {
        case .date where dialect != .sqlite: return "CAST(\(mark) AS DATE)"
        case .decimal: return "CAST(\(mark) AS \(dialect.doubleType))"
        default: return mark
        }
    }
}
