import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `text in (…)` over constants as one lookup: a pasted list of thousands of ids would otherwise compile to a
/// chain of thousands of `==` closures, each called per row.
enum TextMembership {
    /// Nil when the subject is not text or an item is not a constant (text, or a number meaning its text).
    static func compile(
        _ subject: Expression, _ items: [Expression], negated: Bool, _ context: CompileContext
    ) throws(Diagnostic) -> Vector? {
        guard !items.isEmpty else { return nil }
        let compiled = try ExpressionCompiler.compile(subject, context)
        guard compiled.type == .text else { return nil }
        var members = Set<ExactText>()
        for item in items {
            guard let text = try constantText(item, context) else { return nil }
            members.insert(ExactText(text))
        }
        switch compiled {
        case .textColumn(let codes, let dictionary, let nulls):
            let isMember = dictionary.map { members.contains(ExactText($0)) != negated }
            if let nulls { return .boolean { nulls[$0] ? nil : isMember[Int(codes[$0])] } }
            return .boolean { isMember[Int(codes[$0])] }
        default:
            guard let value = compiled.asText else { return nil }
            return .boolean { row in value(row).map { members.contains(ExactText($0)) != negated } }
        }
    }

    private static func constantText(_ item: Expression, _ context: CompileContext) throws(Diagnostic) -> String? {
        switch item {
        case .literal(.string(let text), _): return text
        case .parameter(let name, _):
            if case .text(let text) = context.parameters[name] { return text }
        default: break
        }
        return try NumberAsKeyText.text(of: item, context)
    }
}
