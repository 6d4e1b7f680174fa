import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Writes a churnql expression as SQL of one dialect with the engine's semantics: `/` always decimal (null when
/// dividing by zero), `%` null by zero, three-valued logic, dates ± durations with month ends clamped, text
/// compared by code point. What cannot be written exactly is a located `not-in-sql` diagnostic.
struct SQLExpressionWriter {
    let dialect: SQLDialect
    let source: SourceText
    let parameters: [String: Value]
    /// The names an expression reads (inside `agg`: the group keys).
    let scope: SQLScope
    /// Inside `agg`: the input rows' columns, which aggregate arguments read; nil outside `agg`.
    let aggregateInput: SQLScope?
    /// Collects the churn flags the expression needs (`churn_rate()` inside `agg` over customer rows).
    let churn: ChurnFlagsRequest?

    /// Deeper expressions are refused rather than risk the stack (the engine's own limits are far below this).
    static let maximumDepth = 400
    /// The most operators one chain may have in SQL (an n-term chain nests n levels of brackets there).
    static let chainLimit = 1_000

    func write(_ expression: Expression) throws(Diagnostic) -> SQLFragment {
        try write(expression, depth: 0)
    }

    func notInSQL(_ what: String, _ span: SourceSpan) -> Diagnostic {
        NotInSQL.error(what, dialect, span, source)
    }

    func write(_ expression: Expression, depth: Int) throws(Diagnostic) -> SQLFragment {
        guard depth < Self.maximumDepth else { throw notInSQL("an expression nested this deep", expression.span) }
        let next = depth + 1
        switch expression {
        case .literal(let literal, let span): return try self.literal(literal, span)
        case .column(let name, let span):
            guard let entry = scope.lookup(name) else { throw notInSQL("the column '\(name)' here", span) }
            return entry.sql
        case .parameter(let name, let span):
            guard let value = parameters[name] else { throw notInSQL("the unset parameter $\(name)", span) }
            return value.type == .duration ? duration(value, span) : SQLFragment(literal: value)
        case .unary(let op, let operand, let span):
            let inner = try write(operand, depth: next)
            switch (op, inner.type) {
            case (_, .null): return SQLFragment("NULL", op == .not ? .boolean : .null)
            case (.negate, .integer), (.negate, .decimal):
                return .join(inner.type, [.sql("(- "), .fragment(inner), .sql(")")])
            case (.not, .boolean): return .join(.boolean, [.sql("(NOT "), .fragment(inner), .sql(")")])
            default: throw notInSQL("'\(op.rawValue)' on \(inner.type.rawValue)", span)
            }
        case .binary(let op, let left, let right, let span):
            return try binary(op, left, try write(left, depth: next), right, try write(right, depth: next), span)
        case .chain(let first, let links, let chainSpan):
            // Each operator nests one level in the SQL text, and engines cap expression depth (SQLite at 1,000).
            guard links.count < Self.chainLimit else {
                throw notInSQL("a chain of more than \(Self.chainLimit) operators", chainSpan)
            }
            var result = try write(first, depth: next)
            var leftExpression = first
            for link in links {
                let span = Expression.span(of: first, through: link)
                result = try binary(
                    link.op, leftExpression, result, link.operand, try write(link.operand, depth: next), span)
                leftExpression = .column("", span)
            }
            return result
        case .call(let name, let arguments, let span):
            return try call(name, arguments, span, depth: next)
        case .inList(let subject, let items, let negated, let span):
            let left = try write(subject, depth: next)
            var parts: [SQLPart] = [.sql("("), .fragment(left), .sql(negated ? " NOT IN (" : " IN (")]
            for (i, item) in items.enumerated() {
                let written = try comparable(left, subject, try write(item, depth: next), item, span)
                if i > 0 { parts.append(.sql(", ")) }
                parts.append(.fragment(written.right))
            }
            parts.append(.sql("))"))
            return .join(.boolean, parts)
        case .between(let subject, let low, let high, let negated, let span):
            let value = try write(subject, depth: next)
            let lower = try comparable(value, subject, try write(low, depth: next), low, span)
            let upper = try comparable(value, subject, try write(high, depth: next), high, span)
            return .join(
                .boolean,
                [
                    .sql("("), .fragment(lower.left), .sql(negated ? " NOT BETWEEN " : " BETWEEN "),
                    .fragment(lower.right), .sql(" AND "), .fragment(upper.right), .sql(")"),
                ])
        case .isNull(let subject, let negated, _):
            let value = try write(subject, depth: next)
            return .join(.boolean, [.sql("("), .fragment(value), .sql(negated ? " IS NOT NULL)" : " IS NULL)")])
        }
    }

    private func literal(_ literal: Literal, _ span: SourceSpan) throws(Diagnostic) -> SQLFragment {
        switch literal {
        case .integer(let n): return SQLFragment(literal: .integer(n))
        case .decimal(let x): return SQLFragment(literal: .decimal(x))
        case .string(let s): return SQLFragment(literal: .text(s))
        case .boolean(let b): return SQLFragment(literal: .boolean(b))
        case .date(let year, let month, let day):
            return SQLFragment(literal: .date(Dates.dayNumber(year: year, month: month, day: day)))
        case .duration(let days, let months): return duration(.duration(Duration(days: days, months: months)), span)
        case .null: return SQLFragment("NULL", .null)
        }
    }

    /// A duration is no SQL value: it is kept as its written days and months until `date ± duration` uses it.
    private func duration(_ value: Value, _ span: SourceSpan) -> SQLFragment {
        SQLFragment(pieces: [.literal(value)], type: .duration)
    }

    static func durationValue(_ fragment: SQLFragment) -> Duration? {
        guard fragment.type == .duration, fragment.pieces.count == 1,
            case .literal(.duration(let d)) = fragment.pieces[0]
        else { return nil }
        return d
    }

    func asDouble(_ fragment: SQLFragment) -> SQLFragment {
        if fragment.type == .decimal { return fragment }
        return .join(.decimal, [.sql("CAST("), .fragment(fragment), .sql(" AS \(dialect.doubleType))")])
    }
}

/// Collects the churn flags the compiled expressions read (a class: the writer is a value passed around).
final class ChurnFlagsRequest: @unchecked Sendable {
    var flags: Set<ChurnFlags> = []
    /// The churn window: churn_rate()'s period when none is given.
    let defaultPeriod: Int

    init(defaultPeriod: Int) { self.defaultPeriod = defaultPeriod }
}
