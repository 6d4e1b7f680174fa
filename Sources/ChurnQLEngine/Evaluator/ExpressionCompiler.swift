import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Compiles an expression tree into a typed vector, checking names and types with located errors.
enum ExpressionCompiler {
    static func compile(_ expression: Expression, _ context: CompileContext) throws(Diagnostic) -> Vector {
        switch expression {
        case .literal(let literal, _):
            return .constant(value(of: literal))
        case .parameter(let name, let span):
            guard let value = context.parameters[name] else {
                throw context.error(
                    "missing-parameter", "parameter $\(name) has no value", span,
                    hint: "pass --set \(name)=VALUE, or declare param \(name) = DEFAULT in the script")
            }
            return .constant(value)
        case .column(let name, let span):
            if let column = context.table.column(name) { return .column(column) }
            if name.lowercased() == "asof", let asof = context.asof { return .constant(.date(asof)) }
            if name.lowercased() == "today" {
                throw context.error(
                    "unknown-column", "unknown column 'today'", span, hint: "use asof, the analysis date")
            }
            throw context.unknownColumn(name, span)
        case .unary(let op, let operand, let span):
            let inner = try compile(operand, context)
            return try unary(op, inner, span, context)
        case .binary(let op, let left, let right, let span):
            return try BinaryCompiler.compile(op, left, right, span, context)
        case .call(let name, let arguments, let span):
            let signature = try FunctionCatalogLookup.signature(name, arguments, span, context)
            switch signature.kind {
            case .aggregate, .retentionAggregate:
                guard context.aggregation != nil else {
                    throw context.error(
                        "aggregate-outside-agg", "\(name)() is an aggregate and needs an agg step", span,
                        hint: "write … | agg x = \(name)(…) or … | group KEY | agg x = \(name)(…)")
                }
                return try Aggregates.compile(name, arguments, span, context)
            case .customer: return try FormulaCLV.compile(arguments, span, context)
            case .model: return try PredictiveFunctions.compile(name, arguments, span, context)
            case .scalar: return try Functions.compile(name, arguments, span, context)
            }
        case .inList(let subject, let items, let negated, let span):
            if let membership = try TextMembership.compile(subject, items, negated: negated, context) {
                return membership
            }
            if let membership = try ConstantMembership.compile(subject, items, negated: negated, context) {
                return membership
            }
            // Any other list: `x == a or x == b or …`, one flat chain.
            guard let first = items.first else { return negated ? .boolean { _ in true } : .boolean { _ in false } }
            let tests = items.dropFirst().map { ChainLink(.or, .binary(.equal, subject, $0, span)) }
            let compiled = try compile(.leftFold(.binary(.equal, subject, first, span), tests), context)
            return negated ? try unary(.not, compiled, span, context) : compiled
        case .between(let subject, let low, let high, let negated, let span):
            return try BetweenCompiler.compile(subject, low, high, negated: negated, span, context)
        case .chain(let first, let links, _):
            return try ChainCompiler.compile(first, links, context)
        case .isNull(let subject, let negated, _):
            let inner = try compile(subject, context)
            return .boolean { row in inner.value(row).isNull != negated }
        }
    }

    static func value(of literal: Literal) -> Value {
        switch literal {
        case .integer(let v): return .integer(v)
        case .decimal(let v): return .decimal(v)
        case .string(let s): return .text(s)
        case .boolean(let b): return .boolean(b)
        case .date(let y, let m, let d): return .date(Dates.dayNumber(year: y, month: m, day: d))
        case .duration(let days, let months): return .duration(Duration(days: days, months: months))
        case .null: return .null
        }
    }

    /// Evaluates an expression that uses no columns (settings, parameters, assertion bounds).
    /// An expression that reads a column (or an aggregate) over a table of no rows (a step after an empty filter,
    /// or the binder's typing) has no row to read: it gives a value of its type instead.
    static func constant(_ expression: Expression, _ context: CompileContext) throws(Diagnostic) -> Value {
        let vector = try compile(expression, context)
        guard context.table.rowCount > 0 || !readsRows(expression) else { return vector.placeholder }
        let value = vector.value(0)
        try context.faults.check()
        return value
    }

    /// Whether an expression reads a column or a group's rows (anything but literals, parameters and scalar
    /// functions of them).
    static func readsRows(_ expression: Expression) -> Bool {
        var reads = false
        ExpressionWalk.forEach(expression) { node in
            switch node {
            case .column: reads = true
            case .call(let name, _, _): if FunctionCatalog.find(name)?.kind != .scalar { reads = true }
            default: break
            }
        }
        return reads
    }

    static func unary(_ op: UnaryOperator, _ inner: Vector, _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> Vector
    {
        switch (op, inner) {
        case (.negate, .integer(let f)):
            let overflow = context.overflowSite("'-'", span)
            return .integer { row in
                guard let v = f(row) else { return nil }
                return v == .min ? overflow.raise("integer overflow: -(\(v)) is beyond the 64-bit range") : -v
            }
        case (.negate, .decimal(let f)): return .decimal { f($0).map { -$0 } }
        case (.negate, .duration(let d)): return .duration(Duration(days: -d.days, months: -d.months))
        case (.negate, .null), (.not, .null): return .null
        case (.not, .boolean(let f)): return .boolean { f($0).map { !$0 } }
        case (.negate, _):
            throw context.error("type-mismatch", "cannot negate a \(inner.type.rawValue) value", span)
        case (.not, _):
            throw context.error(
                "type-mismatch", "'not' needs a true/false value, not \(inner.type.rawValue)", span,
                hint: "compare first, e.g. not (x > 0)")
        }
    }
}
