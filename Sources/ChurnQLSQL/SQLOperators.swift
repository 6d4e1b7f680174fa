import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Binary operators: logic, comparison and arithmetic, with the engine's typing rules.
extension SQLExpressionWriter {
    func binary(
        _ op: BinaryOperator, _ leftExpression: Expression, _ left: SQLFragment, _ rightExpression: Expression,
        _ right: SQLFragment, _ span: SourceSpan
    ) throws(Diagnostic) -> SQLFragment {
        switch op {
        case .and, .or:
            for side in [left, right] where side.type != .boolean && side.type != .null {
                throw notInSQL("'\(op.rawValue)' on \(side.type.rawValue)", span)
            }
            let word = op == .and ? " AND " : " OR "
            return .join(.boolean, [.sql("("), .fragment(left), .sql(word), .fragment(right), .sql(")")])
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            if left.type == .null || right.type == .null { return SQLFragment("NULL", .boolean) }
            let pair = try comparable(left, leftExpression, right, rightExpression, span)
            let symbol = op == .equal ? " = " : (op == .notEqual ? " <> " : " \(op.rawValue) ")
            return .join(.boolean, [.sql("("), .fragment(pair.left), .sql(symbol), .fragment(pair.right), .sql(")")])
        default:
            return try arithmetic(op, left, right, span)
        }
    }

    /// Two sides made comparable as the engine compares them: a string literal against a date is a date, a
    /// number constant against text is its written digits, text compares by code point; other mixes are errors.
    func comparable(
        _ left: SQLFragment, _ leftExpression: Expression, _ right: SQLFragment, _ rightExpression: Expression,
        _ span: SourceSpan
    ) throws(Diagnostic) -> (left: SQLFragment, right: SQLFragment) {
        var (l, r) = (left, right)
        if l.type == .date, r.type == .text, let day = Self.dateLiteral(rightExpression) {
            r = SQLFragment(literal: .date(day))
        }
        if r.type == .date, l.type == .text, let day = Self.dateLiteral(leftExpression) {
            l = SQLFragment(literal: .date(day))
        }
        if l.type == .text, r.type == .integer, let digits = writtenInteger(rightExpression) {
            r = SQLFragment(literal: .text(digits))
        }
        if r.type == .text, l.type == .integer, let digits = writtenInteger(leftExpression) {
            l = SQLFragment(literal: .text(digits))
        }
        switch (l.type, r.type) {
        case (.null, _), (_, .null): return (l, r)
        case (.integer, .integer), (.date, .date), (.boolean, .boolean): return (l, r)
        case (.integer, .decimal), (.decimal, .integer), (.decimal, .decimal): return (asDouble(l), asDouble(r))
        case (.text, .text):
            return (
                .join(.text, [.sql(dialect.binaryCollation(""))]).prefixed(l),
                .join(.text, [.sql(dialect.binaryCollation(""))]).prefixed(r)
            )
        default: throw notInSQL("comparing \(l.type.rawValue) with \(r.type.rawValue)", span)
        }
    }

    static func dateLiteral(_ expression: Expression) -> Int32? {
        guard case .literal(.string(let s), _) = expression else { return nil }
        return Dates.parseISO(s)
    }

    /// An integer constant's digits as written (`042` stays `042`), as the engine compares it with text keys.
    func writtenInteger(_ expression: Expression) -> String? {
        switch expression {
        case .literal(.integer(let value), let span):
            let written = source.text(of: span)
            return Int64(written) == value && written.allSatisfy(\.isNumber) ? written : String(value)
        case .unary(.negate, let operand, _):
            guard case .literal(.integer, _) = operand else { return nil }
            return writtenInteger(operand).map { "-" + $0 }
        case .parameter(let name, _):
            if case .integer(let value)? = parameters[name] { return String(value) }
            return nil
        default: return nil
        }
    }

    private func arithmetic(_ op: BinaryOperator, _ left: SQLFragment, _ right: SQLFragment, _ span: SourceSpan)
        throws(Diagnostic) -> SQLFragment
    {
        let (l, r) = (left, right)
        if l.type == .null || r.type == .null {
            return SQLFragment("NULL", l.type == .date || r.type == .date ? .date : .null)
        }
        switch (l.type, r.type) {
        case (.integer, .integer) where op != .divide:
            if op == .modulo {
                return .join(.integer, [.sql("("), .fragment(l), .sql(" % NULLIF("), .fragment(r), .sql(", 0))")])
            }
            return .join(.integer, [.sql("("), .fragment(l), .sql(" \(op.rawValue) "), .fragment(r), .sql(")")])
        case (.integer, .integer), (.integer, .decimal), (.decimal, .integer), (.decimal, .decimal):
            let (a, b) = (asDouble(l), asDouble(r))
            switch op {
            case .divide:
                return .join(.decimal, [.sql("("), .fragment(a), .sql(" / NULLIF("), .fragment(b), .sql(", 0))")])
            case .modulo:
                switch dialect {
                case .spark:
                    return .join(.decimal, [.sql("("), .fragment(a), .sql(" % NULLIF("), .fragment(b), .sql(", 0))")])
                case .duckdb:
                    return .join(
                        .decimal, [.sql("fmod("), .fragment(a), .sql(", NULLIF("), .fragment(b), .sql(", 0))")])
                case .postgres, .sqlite: throw notInSQL("'%' on decimals", span)
                }
            default:
                return .join(.decimal, [.sql("("), .fragment(a), .sql(" \(op.rawValue) "), .fragment(b), .sql(")")])
            }
        case (.date, .duration), (.duration, .date):
            guard op == .add || (op == .subtract && l.type == .date),
                let duration = Self.durationValue(l.type == .duration ? l : r)
            else { break }
            let date = l.type == .date ? l : r
            return try shifted(date, duration, sign: op == .add ? 1 : -1, span)
        case (.date, .integer) where op == .add || op == .subtract:
            let days = op == .add ? r : .join(.integer, [.sql("(- "), .fragment(r), .sql(")")])
            return dateFragment { dialect.addDays($0, $1) }(l, days)
        case (.date, .date) where op == .subtract:
            return dateFragment { .init(dialect.daysBetween($0, $1)) }(l, r).typed(.integer)
        case (.duration, .duration) where op == .add || op == .subtract:
            guard let a = Self.durationValue(l), let b = Self.durationValue(r) else { break }
            let sign = op == .add ? 1 : -1
            let (days, d) = a.days.addingReportingOverflow(sign &* b.days)
            let (months, m) = a.months.addingReportingOverflow(sign &* b.months)
            guard !d, !m else { break }
            return SQLFragment(pieces: [.literal(.duration(Duration(days: days, months: months)))], type: .duration)
        case (.text, .text) where op == .add:
            if dialect == .spark {
                return .join(.text, [.sql("concat("), .fragment(l), .sql(", "), .fragment(r), .sql(")")])
            }
            return .join(.text, [.sql("("), .fragment(l), .sql(" || "), .fragment(r), .sql(")")])
        default: break
        }
        throw notInSQL("'\(op.rawValue)' on \(l.type.rawValue) and \(r.type.rawValue)", span)
    }

    /// `date ± duration`: months first (clamped to the month's end), then days, as the engine shifts dates.
    private func shifted(_ date: SQLFragment, _ duration: Duration, sign: Int, _ span: SourceSpan)
        throws(Diagnostic) -> SQLFragment
    {
        var result = date
        if duration.months != 0 {
            let months = sign * duration.months
            guard dialect.addMonths("x", months) != nil else { throw notInSQL("adding months to a date", span) }
            result = dateFragment { a, _ in dialect.addMonths(a, months) ?? a }(result, result)
        }
        if duration.days != 0 {
            result = dateFragment { dialect.addDays($0, $1) }(
                result, SQLFragment(literal: .integer(Int64(sign * duration.days))))
        }
        return result.typed(.date)
    }

    /// A two-argument SQL template over fragments (their literals stay parameters).
    private func dateFragment(_ template: @escaping (String, String) -> String) -> (SQLFragment, SQLFragment)
        -> SQLFragment
    {
        { a, b in .join(.date, Self.splice(template("\u{0}A\u{0}", "\u{0}B\u{0}"), a, b)) }
    }
}

extension SQLFragment {
    /// `self`'s text after `value` (used to append a collation to a text operand).
    func prefixed(_ value: SQLFragment) -> SQLFragment {
        SQLFragment(pieces: value.pieces + pieces, type: value.type)
    }
}
