import ChurnQLStore
import ChurnQLSyntax

/// `x == a or x == b or …` over one column and literals becomes `x in (a, b, …)`, which the engine runs as one
/// hashed set lookup per row instead of one comparison per term. Only where the two mean the same by the
/// engine's rules: integer literals against an integer column, text or integer literals against a text column
/// (a number means its written text), numbers against a decimal column.
public struct EqualityChainToMembership: ExpressionRewrite {
    public let name = "equality chain to membership"
    public init() {}

    func rewrite(_ expression: Expression, over input: Schema) -> Expression {
        ExpressionTransform.bottomUp(expression) { node in
            guard case .chain(let first, let links, let span) = node, links.allSatisfy({ $0.op == .or }) else {
                return node
            }
            var column: String?
            var items: [Expression] = []
            for operand in [first] + links.map(\.operand) {
                guard let (name, literal) = Self.equality(operand), column == nil || column == name,
                    let type = input.column(name)?.type, Self.matches(literal, type)
                else { return node }
                column = name
                items.append(literal)
            }
            guard let column else { return node }
            return .inList(.column(column, first.span), items, negated: false, span)
        }
    }

    private static func equality(_ expression: Expression) -> (String, Expression)? {
        guard case .binary(.equal, let left, let right, _) = expression else { return nil }
        if case .column(let name, _) = left, literal(right) != nil { return (name, right) }
        if case .column(let name, _) = right, literal(left) != nil { return (name, left) }
        return nil
    }

    /// A literal, or a negated number literal (`-3`), as the engine's membership tests take them.
    private static func literal(_ expression: Expression) -> Literal? {
        switch expression {
        case .literal(let value, _): return value
        case .unary(.negate, .literal(let value, _), _):
            switch value {
            case .integer, .decimal: return value
            default: return nil
            }
        default: return nil
        }
    }

    private static func matches(_ item: Expression, _ type: DataType) -> Bool {
        guard let value = literal(item) else { return false }
        switch (type, value) {
        case (.integer, .integer), (.text, .string), (.text, .integer), (.decimal, .integer), (.decimal, .decimal):
            return true
        default: return false
        }
    }
}
