import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation

/// Scalar functions: text, numbers, dates. Their names and argument counts are `FunctionCatalog`'s, checked
/// before this runs.
enum Functions {

    static func compile(_ name: String, _ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> Vector
    {
        var args: [Vector] = []
        for argument in arguments { args.append(try ExpressionCompiler.compile(argument.value, context)) }
        func text(_ i: Int) throws(Diagnostic) -> (Int) -> String? {
            guard let f = args[i].asText else {
                throw context.error(
                    "type-mismatch", "\(name)() needs text, got \(args[i].type.rawValue)", arguments[i].value.span)
            }
            return f
        }
        func number(_ i: Int) throws(Diagnostic) -> (Int) -> Double? {
            guard let f = args[i].asDouble else {
                throw context.error(
                    "type-mismatch", "\(name)() needs a number, got \(args[i].type.rawValue)", arguments[i].value.span)
            }
            return f
        }
        func day(_ i: Int) throws(Diagnostic) -> (Int) -> Int32? {
            switch args[i] {
            case .date(let f): return f
            case .timestamp(let f): return { f($0).map(Dates.day(ofTimestamp:)) }
            case .null: return { _ in nil }
            default:
                throw context.error(
                    "type-mismatch", "\(name)() needs a date, got \(args[i].type.rawValue)", arguments[i].value.span)
            }
        }
        switch name {
        case "lower", "upper", "length":
            let f = try text(0)
            if name == "length" { return .integer { f($0).map { Int64($0.count) } } }
            return name == "lower" ? .text { f($0)?.lowercased() } : .text { f($0)?.uppercased() }
        case "contains", "starts_with", "ends_with":
            let f = try text(0)
            let g = try text(1)
            switch name {
            case "contains":
                return .boolean { row in f(row).flatMap { a in g(row).map { a.localizedCaseInsensitiveContains($0) } } }
            case "starts_with": return .boolean { row in f(row).flatMap { a in g(row).map { a.hasPrefix($0) } } }
            default: return .boolean { row in f(row).flatMap { a in g(row).map { a.hasSuffix($0) } } }
            }
        case "coalesce":
            let type = args.first { $0.type != .null }?.type ?? .null
            if args.allSatisfy({ $0.type == type || $0.type == .null }) {
                let all = args
                return typed(type) { row in
                    for a in all {
                        let v = a.value(row)
                        if !v.isNull { return v }
                    }
                    return .null
                }
            }
            if args.allSatisfy({ $0.asDouble != nil }) {
                let fs = args.compactMap(\.asDouble)
                return .decimal { row in fs.lazy.compactMap { $0(row) }.first }
            }
            throw context.error("type-mismatch", "coalesce() needs arguments of one type", span)
        case "round":
            let f = try number(0)
            var digits = 0
            if args.count == 2 {
                guard let n = constantInteger(arguments[1].value, context), roundingDigits.contains(n) else {
                    throw context.error(
                        "wrong-arguments",
                        "round() takes the number of digits as a whole number from \(roundingDigits.lowerBound) to \(roundingDigits.upperBound)",
                        arguments[1].value.span, hint: "round(x, 2) keeps cents; round(x, -3) rounds to thousands")
                }
                digits = n
            }
            // Integers stay integers, exact (through a double they lose digits beyond 2^53).
            if case .integer(let v) = args[0] { return roundedInteger(v, digits: digits, span, context) }
            let scale = pow(10.0, Double(digits))
            return .decimal { row in
                guard let x = f(row) else { return nil }
                let scaled = x * scale
                // Beyond 2^53 a double has no fraction left to round (and x * scale may be infinite).
                return scaled.isFinite && abs(scaled) < 0x1p53 ? scaled.rounded() / scale : x
            }
        case "abs":
            if case .integer(let f) = args[0] {
                let overflow = context.overflowSite("abs()", span)
                return .integer { row in
                    guard let v = f(row) else { return nil }
                    return v == .min ? overflow.raise("integer overflow: abs(\(v)) is beyond the 64-bit range") : abs(v)
                }
            }
            let f = try number(0)
            return .decimal { f($0).map { abs($0) } }
        case "floor", "ceil":
            if case .integer = args[0] { return args[0] }
            let f = try number(0)
            return name == "floor"
                ? .decimal { f($0).map { $0.rounded(.down) } } : .decimal { f($0).map { $0.rounded(.up) } }
        case "year", "month", "day", "quarter", "week", "weekday":
            if let table = DatePartTable.compile(name, arguments[0].value, context) { return table }
            let f = try day(0)
            switch name {
            case "year": return .integer { f($0).map { Int64(Dates.civil($0).year) } }
            case "month": return .integer { f($0).map { Int64(Dates.civil($0).month) } }
            case "day": return .integer { f($0).map { Int64(Dates.civil($0).day) } }
            case "quarter": return .integer { f($0).map { Int64((Dates.civil($0).month - 1) / 3 + 1) } }
            case "weekday": return .integer { f($0).map { Int64(Dates.weekday($0)) } }
            default: return .integer { f($0).map { Int64(isoWeek($0)) } }
            }
        case "date_trunc":
            guard case .literal(.string(let unit), _) = arguments[0].value else {
                throw context.error(
                    "wrong-arguments", "date_trunc() takes the unit as text first", span,
                    hint: "date_trunc(\"month\", first_order)")
            }
            let f = try day(1)
            guard let truncate = truncation(unit.lowercased()) else {
                throw context.error(
                    "wrong-arguments", "unknown date_trunc unit \"\(unit)\"", arguments[0].value.span,
                    hint: "units: day, week, month, quarter, year")
            }
            return .date { f($0).map(truncate) }
        case "days_between":
            let a = try day(0)
            let b = try day(1)
            return .integer { row in a(row).flatMap { x in b(row).map { Int64($0) - Int64(x) } } }
        case "if":
            guard case .boolean(let condition) = args[0] else {
                throw context.error("type-mismatch", "if() needs a true/false condition first", arguments[0].value.span)
            }
            // An integer branch and a decimal one make a decimal (as SQL's CASE does): typing by the first branch
            // alone turned `if(false, 1, 2.5)` into null.
            let branches = Set([args[1].type, args[2].type])
            let type =
                branches == [.integer, .decimal] ? .decimal : args[1].type == .null ? args[2].type : args[1].type
            let yes = args[1]
            let no = args[2]
            return typed(type) { row in condition(row) == true ? yes.value(row) : no.value(row) }
        default:
            throw context.error(
                "unknown-function", "\(name)() is not available in the in-memory engine", span,
                hint: "see .help functions")
        }
    }

    /// Digits `round` accepts: a double has about 15 significant decimal digits.
    static let roundingDigits = -15...15

    /// A whole number written in the query (a literal, a negated literal or a parameter), not a column.
    static func constantInteger(_ expression: ChurnQLSyntax.Expression, _ context: CompileContext) -> Int? {
        switch expression {
        case .literal(.integer(let n), _): return Int(exactly: n)
        case .unary(.negate, .literal(.integer(let n), _), _): return Int(exactly: n).map { -$0 }
        case .parameter(let name, _):
            if case .integer(let n)? = context.parameters[name] { return Int(exactly: n) }
            return nil
        default: return nil
        }
    }

    /// A vector of a given type from a generic row function.
    static func typed(_ type: DataType, _ f: @escaping (Int) -> Value) -> Vector {
        switch type {
        case .integer: return .integer { if case .integer(let v) = f($0) { return v } else { return nil } }
        case .decimal:
            return .decimal { row in
                switch f(row) {
                case .decimal(let v): return v
                case .integer(let v): return Double(v)
                default: return nil
                }
            }
        case .boolean: return .boolean { if case .boolean(let v) = f($0) { return v } else { return nil } }
        case .date: return .date { if case .date(let v) = f($0) { return v } else { return nil } }
        case .timestamp: return .timestamp { if case .timestamp(let v) = f($0) { return v } else { return nil } }
        case .null: return .null
        default:
            return .text {
                let v = f($0); return v.isNull ? nil : v.plainText
            }
        }
    }

    static func truncation(_ unit: String) -> ((Int32) -> Int32)? {
        switch unit {
        case "day": return { $0 }
        case "week": return { $0 - Int32(Dates.weekday($0) - 1) }
        case "month":
            return { d in
                let c = Dates.civil(d); return Dates.dayNumber(year: c.year, month: c.month, day: 1)
            }
        case "quarter":
            return { d in
                let c = Dates.civil(d); return Dates.dayNumber(year: c.year, month: (c.month - 1) / 3 * 3 + 1, day: 1)
            }
        case "year": return { d in Dates.dayNumber(year: Dates.civil(d).year, month: 1, day: 1) }
        default: return nil
        }
    }

    /// ISO 8601 week number.
    static func isoWeek(_ day: Int32) -> Int {
        let thursday = day - Int32(Dates.weekday(day)) + 4
        let year = Dates.civil(thursday).year
        let jan1 = Dates.dayNumber(year: year, month: 1, day: 1)
        return Int(thursday - jan1) / 7 + 1
    }

    /// An integer rounded to `digits` (negative: to tens, hundreds, …; half away from zero), checked for overflow.
    private static func roundedInteger(
        _ value: @escaping (Int) -> Int64?, digits: Int, _ span: SourceSpan, _ context: CompileContext
    ) -> Vector {
        guard digits < 0 else { return .integer(value) }
        var scale: Int64 = 1
        for _ in 0..<(-digits) { scale *= 10 }
        let overflow = context.overflowSite("round()", span)
        return .integer { row in
            guard let v = value(row) else { return nil }
            let remainder = v % scale
            let down = v - remainder
            guard 2 * remainder.magnitude >= UInt64(scale) else { return down }
            let (away, wrapped) = down.addingReportingOverflow(v < 0 ? -scale : scale)
            guard wrapped else { return away }
            return overflow.raise("integer overflow: round(\(v), \(digits)) is beyond the 64-bit range")
        }
    }
}
