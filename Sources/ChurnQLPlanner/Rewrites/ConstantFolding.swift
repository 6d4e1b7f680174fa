import ChurnQLDiagnostics
import ChurnQLSyntax

/// Arithmetic on number literals is done once, here, instead of once per row: `1 + 1 + …` becomes one literal, and
/// `2 * 3 + x` becomes `6 + x` (only a chain's leading run folds, so the left-to-right order of the rest is
/// kept). The rules are the engine's: integers stay integers with checked `+ - * %`, `/` and any decimal make a
/// decimal. A step that would overflow, divide by zero or leave the finite doubles is not folded, so the engine
/// reports it at its place when the step runs. `not` and `and`/`or` of true/false literals fold too.
public struct ConstantFolding: ExpressionRewrite {
    public let name = "constant folding"
    public init() {}

    func rewrite(_ expression: Expression, over input: Schema) -> Expression {
        ExpressionTransform.bottomUp(expression, fold)
    }

    private enum Number {
        case integer(Int64)
        case decimal(Double)

        var asDouble: Double {
            switch self {
            case .integer(let v): return Double(v)
            case .decimal(let v): return v
            }
        }

        var literal: Literal {
            switch self {
            case .integer(let v): return .integer(v)
            case .decimal(let v): return .decimal(v)
            }
        }
    }

    private func fold(_ node: Expression) -> Expression {
        switch node {
        case .unary(.not, .literal(.boolean(let b), _), let span): return .literal(.boolean(!b), span)
        case .binary, .chain:
            guard let (first, links, span) = ChainFlattening.parts(node), let op = links.first?.op else { return node }
            if op == .and || op == .or { return foldLogic(node, first, links, span, op) }
            guard ChainFlattening.group(op) >= 2 else { return node }
            return foldArithmetic(node, first, links, span)
        default: return node
        }
    }

    private func foldArithmetic(_ node: Expression, _ first: Expression, _ links: [ChainLink], _ span: SourceSpan)
        -> Expression
    {
        guard var total = Self.number(first) else { return node }
        var folded = 0
        for link in links {
            guard let operand = Self.number(link.operand), let next = Self.apply(link.op, total, operand) else { break }
            total = next
            folded += 1
        }
        guard folded > 0 else { return node }
        if folded == links.count { return .literal(total.literal, span) }
        let head = Expression.literal(total.literal, first.span.merged(with: links[folded - 1].operand.span))
        let rest = Array(links[folded...])
        return rest.count == 1 ? .binary(rest[0].op, head, rest[0].operand, span) : .chain(head, rest, span)
    }

    private func foldLogic(
        _ node: Expression, _ first: Expression, _ links: [ChainLink], _ span: SourceSpan, _ op: BinaryOperator
    ) -> Expression {
        var values: [Bool?] = []
        for operand in [first] + links.map(\.operand) {
            switch operand {
            case .literal(.boolean(let b), _): values.append(b)
            case .literal(.null, _): values.append(nil)
            default: return node
            }
        }
        let decisive = op == .or
        if values.contains(decisive) { return .literal(.boolean(decisive), span) }
        return values.contains(nil) ? .literal(.null, span) : .literal(.boolean(!decisive), span)
    }

    private static func number(_ expression: Expression) -> Number? {
        switch expression {
        case .literal(.integer(let v), _): return .integer(v)
        case .literal(.decimal(let v), _): return .decimal(v)
        case .unary(.negate, .literal(.integer(let v), _), _): return v == .min ? nil : .integer(-v)
        case .unary(.negate, .literal(.decimal(let v), _), _): return .decimal(-v)
        default: return nil
        }
    }

    /// `a op b` as the engine computes it, or nil where the engine would report an error or give null.
    private static func apply(_ op: BinaryOperator, _ a: Number, _ b: Number) -> Number? {
        if case .integer(let x) = a, case .integer(let y) = b, op != .divide {
            let (result, overflow): (Int64, Bool)
            switch op {
            case .add: (result, overflow) = x.addingReportingOverflow(y)
            case .subtract: (result, overflow) = x.subtractingReportingOverflow(y)
            case .multiply: (result, overflow) = x.multipliedReportingOverflow(by: y)
            case .modulo:
                guard y != 0 else { return nil }
                (result, overflow) = (x.remainderReportingOverflow(dividingBy: y).partialValue, false)
            default: return nil
            }
            return overflow ? nil : .integer(result)
        }
        let x = a.asDouble
        let y = b.asDouble
        let result: Double
        switch op {
        case .add: result = x + y
        case .subtract: result = x - y
        case .multiply: result = x * y
        case .divide:
            guard y != 0 else { return nil }
            result = x / y
        case .modulo:
            guard y != 0 else { return nil }
            result = x.truncatingRemainder(dividingBy: y)
        default: return nil
        }
        return result.isFinite ? .decimal(result) : nil
    }
}
