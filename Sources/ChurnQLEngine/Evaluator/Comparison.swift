import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Compiles comparisons; text columns compared with a constant use dictionary codes.
enum Comparison {
    static func compile(
        _ op: BinaryOperator, _ left: Vector, _ right: Vector, _ rightExpr: Expression, _ leftExpr: Expression,
        _ span: SourceSpan, _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        if let direct = columnAgainstConstant(op, leftExpr, rightExpr, context) { return direct }
        // Constant first: flipped, except for decimals, where NaN would compare the other way round.
        if let direct = columnAgainstConstant(flipped(op), rightExpr, leftExpr, context, decimals: false) {
            return direct
        }
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

    /// A stored numeric or date column compared with a constant, as one closure that reads the column's array:
    /// the general path calls a closure per operand and per test, and their retains and releases cost more than the
    /// comparison. Gives the same answers as the general path (NaN included); nil when it does not apply.
    private static func columnAgainstConstant(
        _ op: BinaryOperator, _ columnExpr: Expression, _ constantExpr: Expression, _ context: CompileContext,
        decimals: Bool = true
    ) -> Vector? {
        guard case .column(let name, _) = columnExpr, let column = context.table.column(name) else { return nil }
        if case .decimal = column.storage, !decimals { return nil }
        let constant: Value
        switch constantExpr {
        case .literal(let literal, _): constant = ExpressionCompiler.value(of: literal)
        case .parameter(let name, _):
            guard let value = context.parameters[name] else { return nil }
            constant = value
        default: return nil
        }
        switch (column.storage, constant) {
        case (.integer(let values), .integer(let c)): return test(values, column.nulls, op, c)
        case (.decimal(let values), .decimal(let c)): return test(values, column.nulls, op, c)
        case (.decimal(let values), .integer(let c)): return test(values, column.nulls, op, Double(c))
        case (.date(let values), .date(let c)): return test(values, column.nulls, op, c)
        case (.date(let values), .text(let text)):
            // Only a string literal reads as a date (as in BinaryCompiler.coerceTextToDate); a text parameter
            // compared with a date stays a type error.
            guard case .literal(.string, _) = constantExpr, let c = Dates.parseISO(text) else { return nil }
            return test(values, column.nulls, op, c)
        default: return nil
        }
    }

    /// `values[row] op c`, null where the column is null; each operator spelled so that NaN compares as in
    /// `predicate` (unordered reads as "greater").
    private static func test<T: Comparable>(_ values: [T], _ nulls: [Bool]?, _ op: BinaryOperator, _ c: T) -> Vector {
        if let nulls {
            switch op {
            case .equal: return .boolean { nulls[$0] ? nil : values[$0] == c }
            case .notEqual: return .boolean { nulls[$0] ? nil : !(values[$0] == c) }
            case .less: return .boolean { nulls[$0] ? nil : values[$0] < c }
            case .lessEqual: return .boolean { nulls[$0] ? nil : values[$0] <= c }
            case .greater: return .boolean { nulls[$0] ? nil : !(values[$0] <= c) }
            default: return .boolean { nulls[$0] ? nil : !(values[$0] < c) }
            }
        }
        switch op {
        case .equal: return .boolean { values[$0] == c }
        case .notEqual: return .boolean { !(values[$0] == c) }
        case .less: return .boolean { values[$0] < c }
        case .lessEqual: return .boolean { values[$0] <= c }
        case .greater: return .boolean { !(values[$0] <= c) }
        default: return .boolean { !(values[$0] < c) }
        }
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
