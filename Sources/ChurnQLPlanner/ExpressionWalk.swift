import ChurnQLSyntax

/// Visits every node of an expression tree from an explicit stack, so that no tree, however built, costs a
/// frame per node.
public enum ExpressionWalk {
    public static func forEach(_ root: Expression, _ visit: (Expression) -> Void) {
        var stack = [root]
        while let node = stack.popLast() {
            visit(node)
            switch node {
            case .literal, .column, .parameter: break
            case .unary(_, let operand, _): stack.append(operand)
            case .binary(_, let left, let right, _): stack += [right, left]
            case .call(_, let arguments, _): stack += arguments.reversed().map(\.value)
            case .inList(let subject, let items, _, _): stack += items.reversed() + [subject]
            case .between(let subject, let low, let high, _, _): stack += [high, low, subject]
            case .isNull(let subject, _, _): stack.append(subject)
            case .chain(let first, let links, _): stack += links.reversed().map(\.operand) + [first]
            }
        }
    }

    /// The column names an expression reads, in order of appearance, each once.
    static func columnNames(_ expression: Expression) -> [String] {
        var seen: Set<String> = []
        var names: [String] = []
        forEach(expression) { node in
            if case .column(let name, _) = node, seen.insert(name).inserted { names.append(name) }
        }
        return names
    }

    static func functionNames(_ expression: Expression) -> [String] {
        var names: [String] = []
        forEach(expression) { node in
            if case .call(let name, _, _) = node, !names.contains(name) { names.append(name) }
        }
        return names
    }
}
