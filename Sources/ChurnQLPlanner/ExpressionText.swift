import ChurnQLStore
import ChurnQLSyntax

/// An expression written back as churnql text, for plans. Long lists and chains are cut, so a plan of a
/// 100,000-value list stays readable.
enum ExpressionText {
    static let shownTerms = 8

    static func of(_ expression: Expression) -> String {
        switch expression {
        case .literal(let literal, _): return text(of: literal)
        case .column(let name, _): return name
        case .parameter(let name, _): return "$" + name
        case .unary(let op, let operand, _): return op == .not ? "not " + grouped(operand) : "-" + grouped(operand)
        case .binary(let op, let left, let right, _):
            return "\(grouped(left)) \(op.rawValue) \(grouped(right))"
        case .call(let name, let arguments, _):
            let shown = arguments.map { ($0.name.map { "\($0): " } ?? "") + of($0.value) }
            return "\(name)(\(shown.joined(separator: ", ")))"
        case .inList(let subject, let items, let negated, _):
            var shown = items.prefix(shownTerms).map(of)
            if items.count > shownTerms { shown.append("… \(items.count) values") }
            return "\(grouped(subject)) \(negated ? "not in" : "in") (\(shown.joined(separator: ", ")))"
        case .between(let subject, let low, let high, let negated, _):
            return "\(grouped(subject)) \(negated ? "not between" : "between") \(grouped(low)) and \(grouped(high))"
        case .isNull(let subject, let negated, _): return "\(grouped(subject)) is \(negated ? "not null" : "null")"
        case .chain(let first, let links, _):
            var text = grouped(first)
            for link in links.prefix(shownTerms) { text += " \(link.op.rawValue) \(grouped(link.operand))" }
            if links.count > shownTerms { text += " … (\(links.count + 1) terms)" }
            return text
        }
    }

    private static func grouped(_ expression: Expression) -> String {
        switch expression {
        case .binary, .chain, .between, .inList, .isNull: return "(\(of(expression)))"
        default: return of(expression)
        }
    }

    private static func text(of literal: Literal) -> String {
        switch literal {
        case .integer(let v): return String(v)
        case .decimal(let v): return String(v)
        case .string(let s): return Lexer.quoted(s)
        case .boolean(let b): return b ? "true" : "false"
        case .date(let y, let m, let d): return Dates.format(Dates.dayNumber(year: y, month: m, day: d))
        case .duration(let days, let months):
            return Duration(days: days, months: months).description
        case .null: return "null"
        }
    }
}
