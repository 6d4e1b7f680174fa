import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// The settings-like arguments of the model and CLV functions (horizons, months, discount rates, margins): one
/// value for the whole query, checked against the function's range with an error at the argument.
struct ModelArguments {
    let function: String
    let context: CompileContext

    /// The longest horizon a prediction may look ahead.
    static let maxHorizonDays = 36_525

    /// The argument's value; an expression that reads a column is refused, as it would silently use row 0.
    func value(_ argument: Argument, usage: String) throws(Diagnostic) -> Value {
        guard Self.readsNoColumn(argument.value, context) else {
            throw context.error(
                "wrong-arguments", "\(function)() takes a constant here, not a column", argument.value.span,
                hint: "e.g. \(usage)")
        }
        return try ExpressionCompiler.constant(argument.value, context)
    }

    /// A finite number within `range`.
    func number(
        _ argument: Argument, _ what: String, in range: ClosedRange<Double>, excludingUpper: Bool = false,
        usage: String
    ) throws(Diagnostic) -> Double {
        let value = try value(argument, usage: usage)
        guard let x = value.asDouble, x.isFinite, range.contains(x), !(excludingUpper && x == range.upperBound)
        else {
            let bounds =
                excludingUpper
                ? "at least \(NumberFormat.plain(range.lowerBound)) and below \(NumberFormat.plain(range.upperBound))"
                : "from \(NumberFormat.plain(range.lowerBound)) to \(NumberFormat.plain(range.upperBound))"
            throw context.error(
                "argument-out-of-range", "\(function)(): \(what) must be a number \(bounds), got \(value.plainText)",
                argument.value.span, hint: "e.g. \(usage)")
        }
        return x
    }

    /// A whole number within `range`.
    func wholeNumber(_ argument: Argument, _ what: String, in range: ClosedRange<Int>, usage: String)
        throws(Diagnostic) -> Int
    {
        let value = try value(argument, usage: usage)
        guard case .integer(let n) = value, let whole = Int(exactly: n), range.contains(whole) else {
            throw context.error(
                "argument-out-of-range",
                "\(function)(): \(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), got \(value.plainText)",
                argument.value.span, hint: "e.g. \(usage)")
        }
        return whole
    }

    /// A horizon (a duration, or a number of model time units) in days, from 0 to 100 years.
    func horizonDays(_ argument: Argument, unitDays: Double, usage: String) throws(Diagnostic) -> Double {
        let value = try value(argument, usage: usage)
        let days: Double?
        switch value {
        // As the windows count them: a month is 30 days.
        case .duration(let d): days = Double(d.approximateDays)
        case .integer(let n): days = Double(n) * unitDays
        case .decimal(let x): days = x * unitDays
        default: days = nil
        }
        guard let days, days.isFinite, days >= 0, days <= Double(Self.maxHorizonDays) + 1e-9 else {
            throw context.error(
                "argument-out-of-range",
                "\(function)(): the horizon must be from 0 to 100 years, got \(value.plainText)", argument.value.span,
                hint: "e.g. \(usage) (a plain number counts model units, \(NumberFormat.plain(unitDays)) days each)")
        }
        return days
    }

    /// Whether an expression reads no column (literals, parameters, `asof`, arithmetic on them).
    static func readsNoColumn(_ expression: Expression, _ context: CompileContext) -> Bool {
        switch expression {
        case .literal, .parameter: return true
        case .column(let name, _): return name.lowercased() == "asof" && context.table.column(name) == nil
        case .unary(_, let inner, _), .isNull(let inner, _, _): return readsNoColumn(inner, context)
        case .binary(_, let a, let b, _): return readsNoColumn(a, context) && readsNoColumn(b, context)
        case .chain(let first, let links, _):
            return readsNoColumn(first, context) && links.allSatisfy { readsNoColumn($0.operand, context) }
        case .call(_, let arguments, _): return arguments.allSatisfy { readsNoColumn($0.value, context) }
        case .inList(let subject, let items, _, _):
            return readsNoColumn(subject, context) && items.allSatisfy { readsNoColumn($0, context) }
        case .between(let a, let b, let c, _, _):
            return readsNoColumn(a, context) && readsNoColumn(b, context) && readsNoColumn(c, context)
        }
    }
}
