import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Typing and compiling of binary operators: arithmetic, date arithmetic, comparison and logic.
enum BinaryCompiler {
    static func compile(
        _ op: BinaryOperator, _ leftExpr: Expression, _ rightExpr: Expression, _ span: SourceSpan,
        _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        let left = try ExpressionCompiler.compile(leftExpr, context)
        let right = try ExpressionCompiler.compile(rightExpr, context)
        return try combine(op, left, right, leftExpr, rightExpr, span, context)
    }

    /// `left op right` over compiled operands; the expressions are looked at for constants only.
    static func combine(
        _ op: BinaryOperator, _ compiledLeft: Vector, _ compiledRight: Vector, _ leftExpr: Expression,
        _ rightExpr: Expression, _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        var left = compiledLeft
        var right = compiledRight
        // A date compared with a text literal: read the literal as a date ("1998-01-01").
        coerceTextToDate(&left, &right, rightExpr)
        coerceTextToDate(&right, &left, leftExpr)
        switch op {
        case .and, .or: return try logic(op, left, right, span, context)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            if left.type == .text, right.type.isNumeric {
                return try textWithNumber(op, leftExpr, rightExpr, right.type, span, context, flip: false)
            }
            if right.type == .text, left.type.isNumeric {
                return try textWithNumber(op, rightExpr, leftExpr, left.type, span, context, flip: true)
            }
            return try Comparison.compile(op, left, right, rightExpr, leftExpr, span, context)
        default: return try arithmetic(op, left, right, span, context)
        }
    }

    /// Text against a number: `==`/`!=` with a numeric constant compare with its text (NumberAsKeyText); anything
    /// else is an error whose hint explains text keys.
    private static func textWithNumber(
        _ op: BinaryOperator, _ textExpr: Expression, _ numberExpr: Expression, _ numberType: DataType,
        _ span: SourceSpan, _ context: CompileContext, flip: Bool
    ) throws(Diagnostic) -> Vector {
        guard op == .equal || op == .notEqual else {
            throw NumberAsKeyText.orderingError(op, textExpr, numberExpr, numberType, span, context)
        }
        guard let text = try NumberAsKeyText.text(of: numberExpr, context) else {
            throw context.error(
                "type-mismatch", "cannot compare text with \(numberType.rawValue)", span,
                hint: "a number constant compares with text keys by its digits (customer_id == 42); "
                    + "a computed number does not: compare text with text")
        }
        let literal = Expression.literal(.string(text), numberExpr.span)
        return flip
            ? try compile(op, literal, textExpr, span, context) : try compile(op, textExpr, literal, span, context)
    }

    private static func coerceTextToDate(_ date: inout Vector, _ other: inout Vector, _ otherExpr: Expression) {
        guard date.type == .date || date.type == .timestamp, case .literal(.string(let s), _) = otherExpr,
            let day = Dates.parseISO(s)
        else { return }
        other = date.type == .date ? .date { _ in day } : .timestamp { _ in Int64(day) * 86400 }
    }

    /// An operand of `and`/`or` as a truth closure, or a type error.
    static func asBool(_ op: BinaryOperator, _ v: Vector, _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> (Int) -> Bool?
    {
        switch v {
        case .boolean(let f): return f
        case .null: return { _ in nil }
        default:
            throw context.error(
                "type-mismatch", "'\(op.rawValue)' needs true/false values, not \(v.type.rawValue)", span,
                hint: "compare first, e.g. revenue > 0 \(op.rawValue) …")
        }
    }

    private static func logic(
        _ op: BinaryOperator, _ left: Vector, _ right: Vector, _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        let l = try asBool(op, left, span, context)
        let r = try asBool(op, right, span, context)
        if op == .and {
            return .boolean { row in
                let a = l(row)
                if a == false { return false }
                let b = r(row)
                if b == false { return false }
                return a == nil || b == nil ? nil : true
            }
        }
        return .boolean { row in
            let a = l(row)
            if a == true { return true }
            let b = r(row)
            if b == true { return true }
            return a == nil || b == nil ? nil : false
        }
    }

    static func arithmetic(
        _ op: BinaryOperator, _ left: Vector, _ right: Vector, _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        switch (left, right) {
        case (.null, _), (_, .null): return .null
        case (.integer(let l), .integer(let r)) where op != .divide:
            return integerArithmetic(op, l, r, span, context)
        case (.date(let d), .duration(let duration)), (.duration(let duration), .date(let d)):
            guard op == .add || (op == .subtract && left.type == .date) else { break }
            let sign = op == .add ? 1 : -1
            let outOfRange = context.dateRangeSite("'\(op.rawValue)'", span)
            return .date { row in
                guard let day = d(row) else { return nil }
                return shift(day, duration, sign)
                    ?? outOfRange.raise(
                        "\(Dates.format(day)) \(op.rawValue) \(duration.description) is outside 0001-01-01 … 9999-12-31"
                    )
            }
        case (.date(let d), .integer(let n)) where op == .add || op == .subtract:
            let outOfRange = context.dateRangeSite("'\(op.rawValue)'", span)
            let subtract = op == .subtract
            return .date { row in
                guard let day = d(row), let days = n(row) else { return nil }
                // Int64.min cannot be negated; it is beyond the calendar either way.
                let (delta, overflow) = subtract ? Int64(0).subtractingReportingOverflow(days) : (days, false)
                if !overflow, let moved = Dates.adding(days: delta, to: day) { return moved }
                return outOfRange.raise(
                    "\(Dates.format(day)) \(op.rawValue) \(days)d is outside 0001-01-01 … 9999-12-31")
            }
        case (.date(let a), .date(let b)) where op == .subtract:
            return .integer { row in a(row).flatMap { x in b(row).map { Int64(x) - Int64($0) } } }
        case (.timestamp(let t), .duration(let duration)) where op == .add || op == .subtract:
            let sign = op == .add ? 1 : -1
            let outOfRange = context.dateRangeSite("'\(op.rawValue)'", span)
            return .timestamp { row in
                guard let seconds = t(row) else { return nil }
                let day = Dates.day(ofTimestamp: seconds)
                guard let moved = shift(day, duration, sign) else { return outOfRange.raise() }
                return seconds + (Int64(moved) - Int64(day)) * 86400
            }
        case (.duration(let a), .duration(let b)) where op == .add || op == .subtract:
            let sign = op == .add ? 1 : -1
            let days = a.days.addingReportingOverflow(sign * b.days)
            let months = a.months.addingReportingOverflow(sign * b.months)
            // Each duration is at most 100,000 years (the lexer's limit); their sum is kept to the same bound.
            guard !days.overflow, !months.overflow, abs(days.partialValue) <= Duration.maxDays,
                abs(months.partialValue) <= Duration.maxDays / 30
            else {
                throw context.error(
                    "duration-too-large",
                    "the duration \(a.description) \(op.rawValue) \(b.description) is beyond 100000 years", span)
            }
            return .duration(Duration(days: days.partialValue, months: months.partialValue))
        default:
            if let l = left.asDouble, let r = right.asDouble {
                switch op {
                case .add: return .decimal { row in l(row).flatMap { a in r(row).map { a + $0 } } }
                case .subtract: return .decimal { row in l(row).flatMap { a in r(row).map { a - $0 } } }
                case .multiply: return .decimal { row in l(row).flatMap { a in r(row).map { a * $0 } } }
                case .divide:
                    return .decimal { row in
                        guard let a = l(row), let b = r(row), b != 0 else { return nil }
                        return a / b
                    }
                default:
                    return .decimal { row in
                        guard let a = l(row), let b = r(row), b != 0 else { return nil }
                        return a.truncatingRemainder(dividingBy: b)
                    }
                }
            }
            if op == .add, let l = left.asText, let r = right.asText {
                return .text { row in l(row).flatMap { a in r(row).map { a + $0 } } }
            }
        }
        var hint: String?
        if left.type == .text || right.type == .text {
            hint = "text is not a number; the column may hold values like \"$1,234\" — load it with a cleaner export"
        } else if left.type == .date || right.type == .date {
            hint = "date arithmetic: date ± 30d, date − date (days), days_between(a, b)"
        }
        throw context.error(
            "type-mismatch", "cannot apply '\(op.rawValue)' to \(left.type.rawValue) and \(right.type.rawValue)", span,
            hint: hint)
    }

    /// `day ± duration` (months first, then days); nil beyond the calendar.
    static func shift(_ day: Int32, _ duration: Duration, _ sign: Int) -> Int32? {
        var result = day
        if duration.months != 0 {
            guard let moved = Dates.adding(months: sign * duration.months, to: result) else { return nil }
            result = moved
        }
        return Dates.adding(days: Int64(sign * duration.days), to: result)
    }

    /// Integer `+ - * %`, checked: a result beyond 64 bits is a located error, never a wrapped number.
    private static func integerArithmetic(
        _ op: BinaryOperator, _ l: @escaping (Int) -> Int64?, _ r: @escaping (Int) -> Int64?, _ span: SourceSpan,
        _ context: CompileContext
    ) -> Vector {
        let site = context.overflowSite("'\(op.rawValue)'", span)
        func overflow(_ a: Int64, _ b: Int64) -> Int64? { site.raise(overflowMessage(a, op, b)) }
        // One closure per operator: a shared closure taking the operation would cost a call per row.
        switch op {
        case .add:
            return .integer { row in
                guard let a = l(row), let b = r(row) else { return nil }
                let (sum, wrapped) = a.addingReportingOverflow(b)
                return wrapped ? overflow(a, b) : sum
            }
        case .subtract:
            return .integer { row in
                guard let a = l(row), let b = r(row) else { return nil }
                let (difference, wrapped) = a.subtractingReportingOverflow(b)
                return wrapped ? overflow(a, b) : difference
            }
        case .multiply:
            return .integer { row in
                guard let a = l(row), let b = r(row) else { return nil }
                let (product, wrapped) = a.multipliedReportingOverflow(by: b)
                return wrapped ? overflow(a, b) : product
            }
        default:
            return .integer { row in
                guard let a = l(row), let b = r(row), b != 0 else { return nil }
                // Int64.min % -1 reports overflow, but its remainder, 0, is exact.
                return a.remainderReportingOverflow(dividingBy: b).partialValue
            }
        }
    }

    static func overflowMessage(_ a: Int64, _ op: BinaryOperator, _ b: Int64) -> String {
        "integer overflow: \(a) \(op.rawValue) \(b) is beyond the 64-bit range (±9223372036854775807)"
    }
}
