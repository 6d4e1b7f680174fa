import ChurnQLDiagnostics
import ChurnQLSyntax

/// One rewrite rule: a plan in, an equivalent plan out (same rows, same columns, same errors). Each rule is a
/// separate pass so that it can be tested alone against the plan without it.
public protocol PlanRewrite: Sendable {
    var name: String { get }
    func apply(_ plan: LogicalPlan) -> LogicalPlan
}

/// The passes the engine runs, in order: expression rules first (so that pushdown sees the final expressions).
public enum Rewriter {
    public static let passes: [any PlanRewrite] = [
        ChainFlattening(), ConstantFolding(), EqualityChainToMembership(), TopN(), ProjectionPushdown(),
    ]

    public static func rewrite(_ plan: LogicalPlan, passes: [any PlanRewrite] = Rewriter.passes) -> LogicalPlan {
        passes.reduce(plan) { $1.apply($0) }
    }

    public static func rewrite(_ bound: BoundQuery, passes: [any PlanRewrite] = Rewriter.passes) -> BoundQuery {
        BoundQuery(
            plan: rewrite(bound.plan, passes: passes),
            views: bound.views.map { BoundView(definition: $0.definition, plan: rewrite($0.plan, passes: passes)) })
    }
}

/// A rule on expressions: applied to every expression of every step; types and read columns stay as bound.
protocol ExpressionRewrite: PlanRewrite {
    func rewrite(_ expression: Expression, over input: Schema) -> Expression
}

extension ExpressionRewrite {
    public func apply(_ plan: LogicalPlan) -> LogicalPlan {
        var result = plan
        for index in result.steps.indices.dropFirst() {
            let input = result.steps[index - 1].schema
            func map(_ bound: BoundExpression) -> BoundExpression {
                var copy = bound
                copy.syntax = rewrite(bound.syntax, over: input)
                return copy
            }
            func mapItems(_ items: [BoundItem], over schema: Schema) -> [BoundItem] {
                items.map { BoundItem(name: $0.name, expression: map($0.expression)) }
            }
            switch result.steps[index].op {
            case .filter(let e): result.steps[index].op = .filter(map(e))
            case .project(let items): result.steps[index].op = .project(mapItems(items, over: input))
            case .extend(let items):
                // Each derive item reads the columns derived before it; only literals and operators change here,
                // so the input schema is enough to rewrite it.
                result.steps[index].op = .extend(mapItems(items, over: input))
            case .aggregate(let keys, let items):
                result.steps[index].op = .aggregate(
                    keys: mapItems(keys, over: input), items: mapItems(items, over: input))
            case .sort(let keys, let limit):
                result.steps[index].op = .sort(
                    keys.map { BoundSortKey(expression: map($0.expression), descending: $0.descending) }, limit: limit)
            case .histogram(let e, let bins): result.steps[index].op = .histogram(map(e), bins: bins)
            case .scan, .limit, .distinct, .join, .rfm: break
            }
        }
        return result
    }
}

/// Rebuilds a tree bottom-up with `transform` applied to each node after its children. Recursion follows the
/// tree's depth, which brackets, `not` and unary minus alone deepen (the parser stops them at 256 levels);
/// chains are iterated.
enum ExpressionTransform {
    static func bottomUp(_ expression: Expression, _ transform: (Expression) -> Expression) -> Expression {
        func go(_ node: Expression) -> Expression {
            let rebuilt: Expression
            switch node {
            case .literal, .column, .parameter: rebuilt = node
            case .unary(let op, let operand, let span): rebuilt = .unary(op, go(operand), span)
            case .binary(let op, let left, let right, let span): rebuilt = .binary(op, go(left), go(right), span)
            case .call(let name, let arguments, let span):
                rebuilt = .call(name, arguments.map { Argument(name: $0.name, value: go($0.value)) }, span)
            case .inList(let subject, let items, let negated, let span):
                rebuilt = .inList(go(subject), items.map(go), negated: negated, span)
            case .between(let subject, let low, let high, let negated, let span):
                rebuilt = .between(go(subject), go(low), go(high), negated: negated, span)
            case .isNull(let subject, let negated, let span): rebuilt = .isNull(go(subject), negated: negated, span)
            case .chain(let first, let links, let span):
                rebuilt = .chain(go(first), links.map { ChainLink($0.op, go($0.operand)) }, span)
            }
            return transform(rebuilt)
        }
        return go(expression)
    }
}
