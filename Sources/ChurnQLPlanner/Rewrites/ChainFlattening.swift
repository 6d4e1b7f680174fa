import ChurnQLDiagnostics
import ChurnQLSyntax

/// Left-deep chains of one operator written with brackets (`(a or b) or c`, `((x + 1) - 2) + 3`) become one
/// n-ary `.chain`, as the parser makes them without brackets; `and`/`or` are associative (Kleene logic), so a
/// bracketed right operand joins the chain too. Arithmetic keeps its grouping on the right (`a - (b + c)`).
public struct ChainFlattening: ExpressionRewrite {
    public let name = "chain flattening"
    public init() {}

    func rewrite(_ expression: Expression, over input: Schema) -> Expression {
        ExpressionTransform.bottomUp(expression, flatten)
    }

    private func flatten(_ node: Expression) -> Expression {
        guard let (first, links, span) = Self.parts(node), let op = links.first?.op else { return node }
        let group = Self.group(op)
        guard group >= 0 else { return node }
        let logical = op == .and || op == .or
        var head = first
        var newLinks: [ChainLink] = []
        var changed = false
        func spliced(_ operand: Expression) -> (Expression, [ChainLink])? {
            guard let (innerFirst, innerLinks, _) = Self.parts(operand),
                innerLinks.allSatisfy({ Self.group($0.op) == group && (!logical || $0.op == op) })
            else { return nil }
            return (innerFirst, innerLinks)
        }
        if let (innerFirst, innerLinks) = spliced(first) {
            head = innerFirst
            newLinks += innerLinks
            changed = true
        }
        for link in links {
            if logical, let (innerFirst, innerLinks) = spliced(link.operand) {
                newLinks.append(ChainLink(link.op, innerFirst))
                newLinks += innerLinks
                changed = true
            } else {
                newLinks.append(link)
            }
        }
        guard changed else { return node }
        return .chain(head, newLinks, span)
    }

    /// A binary or chain node as first operand and links.
    static func parts(_ node: Expression) -> (Expression, [ChainLink], SourceSpan)? {
        switch node {
        case .binary(let op, let left, let right, let span): return (left, [ChainLink(op, right)], span)
        case .chain(let first, let links, let span): return (first, links, span)
        default: return nil
        }
    }

    /// Operators that chain together: one precedence level; comparisons never chain.
    static func group(_ op: BinaryOperator) -> Int {
        switch op {
        case .or: return 0
        case .and: return 1
        case .add, .subtract: return 2
        case .multiply, .divide, .modulo: return 3
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return -1
        }
    }
}
