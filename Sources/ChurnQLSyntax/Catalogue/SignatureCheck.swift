import ChurnQLDiagnostics

/// A call whose arguments do not fit its function's signature: the message, the place and a hint, for the
/// evaluator (and the binder to come) to turn into a located `wrong-arguments` diagnostic.
public struct SignatureMismatch: Error, Equatable, Sendable {
    public let message: String
    public let span: SourceSpan
    public let hint: String
}

extension FunctionSignature {
    /// Checks the number of arguments and their names against the signature; types are the evaluator's.
    public func check(_ arguments: [Argument], callSpan: SourceSpan) -> SignatureMismatch? {
        let hint = "e.g. \(example)"
        var filled = Set<String>()
        var position = 0
        let positionalSlots = parameters.filter(\.acceptsPosition)
        for argument in arguments {
            if let label = argument.name {
                guard let parameter = parameters.first(where: { $0.name == label && $0.acceptsName }) else {
                    let named = parameters.filter(\.acceptsName).map(\.name)
                    return SignatureMismatch(
                        message: "\(name)() has no argument '\(label)'", span: argument.value.span,
                        hint: named.isEmpty
                            ? "\(name)() takes its arguments by position: \(usage)"
                            : "arguments: \(named.joined(separator: ", ")); \(hint)")
                }
                guard filled.insert(parameter.name).inserted else {
                    return SignatureMismatch(
                        message: "\(name)() is given '\(label)' twice", span: argument.value.span, hint: hint)
                }
                continue
            }
            if position < positionalSlots.count {
                filled.insert(positionalSlots[position].name)
            } else if maxVariadicCount == nil || position >= maxVariadicCount ?? 0 {
                return tooMany(argument.value.span)
            }
            position += 1
        }
        if let missing = parameters.first(where: { !$0.isOptional && !filled.contains($0.name) }) {
            return SignatureMismatch(
                message: "\(name)() needs the argument \(missing.name): \(usage)", span: callSpan, hint: hint)
        }
        return nil
    }

    /// The error at the first argument beyond the signature.
    private func tooMany(_ span: SourceSpan) -> SignatureMismatch {
        let positional = parameters.filter(\.acceptsPosition)
        if parameters.isEmpty {
            return SignatureMismatch(message: "\(name)() takes no arguments", span: span, hint: "e.g. \(example)")
        }
        if positional.isEmpty {
            return SignatureMismatch(
                message: "\(name)() takes named arguments only: \(usage)", span: span, hint: "e.g. \(example)")
        }
        let most = maxVariadicCount ?? positional.count
        return SignatureMismatch(
            message: "\(name)() takes at most \(most) argument\(most == 1 ? "" : "s"): \(usage)", span: span,
            hint: "e.g. \(example)")
    }
}
