import ChurnQLStore
import ChurnQLSyntax

/// A value written as the churnql literal that evaluates back to it, for statements the session writes itself
/// (`param` lines of `.save`), so a value from outside never becomes statement text of its own.
enum ValueLiteral {
    static func text(_ value: Value) -> String {
        switch value {
        case .null: return "null"
        case .integer(let v): return String(v)
        case .decimal(let v):
            // Infinity has no literal; a decimal too large for a Double reads back as infinity.
            if v.isInfinite { return v < 0 ? "-1e999" : "1e999" }
            if v.isNaN { return "null" }
            return String(v)
        case .boolean(let v): return v ? "true" : "false"
        case .date(let d): return Dates.format(d)
        case .timestamp(let s): return Lexer.quoted(Dates.formatTimestamp(s))
        case .text(let s): return Lexer.quoted(s)
        case .duration(let d):
            if d.months == 0 { return "\(d.days)d" }
            if d.days == 0 { return "\(d.months)mo" }
            return "\(d.months)mo + \(d.days)d"
        }
    }
}
