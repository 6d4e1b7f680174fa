import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Compiles comparisons; text columns compared with a constant use dictionary codes.
enum Comparison {
    static func compile(
        _ op: BinaryOperator, _ left: Vector, _ right: Vector, _ rightExpr: Expression, _ leftExpr: Expression,
        _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        let test = predicate(op)
        switch (left, right) {
        case (.null, _), (_, .null): return .boolean { _ in nil }
        case (.textColumn(let codes, let dictionary, let nulls), _) where op == .equal || op == .notEqual:
            if let constant = constantText(rightExpr, context) {
                let code = dictionary.firstIndex(of: constant).map(Int32.init) ?? -1
                let wantEqual = op == .equal
                if let nulls { return .boolean { nulls[$0] ? nil : (codes[$0] == code) == wantEqual } }
                return .boolean { (codes[$0] == code) == wantEqual }
            }
        case (_, .textColumn) where op == .equal || op == .notEqual:
            if constantText(leftExpr, context) != nil {
                return try compile(op, right, left, leftExpr, rightExpr, span, context)
            }
        default: break
        }
        switch (left, right) {
        case (.integer(let l), .integer(let r)):
            return .boolean { row in l(row).flatMap { a in r(row).map { test(a < $0 ? -1 : (a == $0 ? 0 : 1)) } } }
        case (.date(let l), .date(let r)):
            return .boolean { row in l(row).flatMap { a in r(row).map { test(a < $0 ? -1 : (a == $0 ? 0 : 1)) } } }
        case (.timestamp(let l), .timestamp(let r)):
            return .boolean { row in l(row).flatMap { a in r(row).map { test(a < $0 ? -1 : (a == $0 ? 0 : 1)) } } }
        case (.date(let l), .timestamp(let r)):
            return .boolean { row in
                l(row).flatMap { a in r(row).map { test(Int64(a) * 86400 < $0 ? -1 : (Int64(a) * 86400 == $0 ? 0 : 1)) }
                }
            }
        case (.timestamp, .date):
            return try compile(flipped(op), right, left, leftExpr, rightExpr, span, context)
        case (.boolean(let l), .boolean(let r)):
            return .boolean { row in l(row).flatMap { a in r(row).map { test(a == $0 ? 0 : (!a ? -1 : 1)) } } }
        case (.duration(let a), .duration(let b)):
            let result = test(a.approximateDays < b.approximateDays ? -1 : (a == b ? 0 : 1))
            return .boolean { _ in result }
        default:
            if let l = left.asDouble, let r = right.asDouble {
                return .boolean { row in l(row).flatMap { a in r(row).map { test(a < $0 ? -1 : (a == $0 ? 0 : 1)) } } }
            }
            if let l = left.asText, let r = right.asText {
                return .boolean { row in
                    l(row).flatMap { a in
                        r(row).map { b in
                            test(a == b ? 0 : (a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1))
                        }
                    }
                }
            }
        }
        var hint: String?
        if left.type == .text && right.type.isNumeric || right.type == .text && left.type.isNumeric {
            hint = "numbers are written without quotes; text in double quotes"
        }
        if left.type == .duration || right.type == .duration {
            hint =
                "a duration like 90d is compared with a date difference: days_since_last > 90, or last_order < asof - 90d"
        }
        throw context.error(
            "type-mismatch", "cannot compare \(left.type.rawValue) with \(right.type.rawValue)", span, hint: hint)
    }

    private static func constantText(_ expression: Expression, _ context: CompileContext) -> String? {
        switch expression {
        case .literal(.string(let s), _): return s
        case .parameter(let name, _):
            if case .text(let s) = context.parameters[name] { return s }
            return nil
        default: return nil
        }
    }

    private static func flipped(_ op: BinaryOperator) -> BinaryOperator {
        switch op {
        case .less: return .greater
        case .lessEqual: return .greaterEqual
        case .greater: return .less
        case .greaterEqual: return .lessEqual
        default: return op
        }
    }

    private static func predicate(_ op: BinaryOperator) -> (Int) -> Bool {
        switch op {
        case .equal: return { $0 == 0 }
        case .notEqual: return { $0 != 0 }
        case .less: return { $0 < 0 }
        case .lessEqual: return { $0 <= 0 }
        case .greater: return { $0 > 0 }
        default: return { $0 >= 0 }
        }
    }
}
