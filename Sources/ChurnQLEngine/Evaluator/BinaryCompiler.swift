import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Typing and compiling of binary operators: arithmetic, date arithmetic, comparison and logic.
enum BinaryCompiler {
    static func compile(
        _ op: BinaryOperator, _ leftExpr: Expression, _ rightExpr: Expression, _ span: SourceSpan,
        _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        var left = try ExpressionCompiler.compile(leftExpr, context)
        var right = try ExpressionCompiler.compile(rightExpr, context)
        // A date compared with a text literal: read the literal as a date ("1998-01-01").
        coerceTextToDate(&left, &right, rightExpr)
        coerceTextToDate(&right, &left, leftExpr)
        switch op {
        case .and, .or: return try logic(op, left, right, span, context)
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual:
            return try Comparison.compile(op, left, right, rightExpr, leftExpr, span, context)
        default: return try arithmetic(op, left, right, span, context)
        }
    }

    private static func coerceTextToDate(_ date: inout Vector, _ other: inout Vector, _ otherExpr: Expression) {
        guard date.type == .date || date.type == .timestamp, case .literal(.string(let s), _) = otherExpr,
            let day = Dates.parseISO(s)
        else { return }
        other = date.type == .date ? .date { _ in day } : .timestamp { _ in Int64(day) * 86400 }
    }

    private static func logic(
        _ op: BinaryOperator, _ left: Vector, _ right: Vector, _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        func asBool(_ v: Vector) throws(Diagnostic) -> (Int) -> Bool? {
            switch v {
            case .boolean(let f): return f
            case .null: return { _ in nil }
            default:
                throw context.error(
                    "type-mismatch", "'\(op.rawValue)' needs true/false values, not \(v.type.rawValue)", span,
                    hint: "compare first, e.g. revenue > 0 \(op.rawValue) …")
            }
        }
        let l = try asBool(left)
        let r = try asBool(right)
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
            switch op {
            case .add: return .integer { row in l(row).flatMap { a in r(row).map { a &+ $0 } } }
            case .subtract: return .integer { row in l(row).flatMap { a in r(row).map { a &- $0 } } }
            case .multiply: return .integer { row in l(row).flatMap { a in r(row).map { a &* $0 } } }
            default:
                return .integer { row in
                    guard let a = l(row), let b = r(row), b != 0 else { return nil }
                    // Int64.min % -1 overflows; the remainder is 0.
                    return a.remainderReportingOverflow(dividingBy: b).partialValue
                }
            }
        case (.date(let d), .duration(let duration)), (.duration(let duration), .date(let d)):
            guard op == .add || (op == .subtract && left.type == .date) else { break }
            let sign = op == .add ? 1 : -1
            return .date { row in d(row).map { shift($0, duration, sign) } }
        case (.date(let d), .integer(let n)) where op == .add || op == .subtract:
            let sign: Int64 = op == .add ? 1 : -1
            return .date { row in d(row).flatMap { day in n(row).map { day + Int32(truncatingIfNeeded: sign * $0) } } }
        case (.date(let a), .date(let b)) where op == .subtract:
            return .integer { row in a(row).flatMap { x in b(row).map { Int64(x - $0) } } }
        case (.timestamp(let t), .duration(let duration)) where op == .add || op == .subtract:
            let sign = op == .add ? 1 : -1
            return .timestamp { row in
                t(row).map { seconds in
                    let day = Dates.day(ofTimestamp: seconds)
                    let moved = shift(day, duration, sign)
                    return seconds + Int64(moved - day) * 86400
                }
            }
        case (.duration(let a), .duration(let b)) where op == .add || op == .subtract:
            let sign = op == .add ? 1 : -1
            return .duration(Duration(days: a.days + sign * b.days, months: a.months + sign * b.months))
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

    static func shift(_ day: Int32, _ duration: Duration, _ sign: Int) -> Int32 {
        var result = day
        if duration.months != 0 { result = Dates.addMonths(result, sign * duration.months) }
        return result + Int32(truncatingIfNeeded: sign * duration.days)
    }
}
