import ChurnQLDiagnostics
import ChurnQLSyntax

/// A call's function from `FunctionCatalog`, its arguments checked against the signature before any is compiled.
enum FunctionCatalogLookup {
    static func signature(_ name: String, _ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> FunctionSignature
    {
        guard let signature = FunctionCatalog.find(name) else {
            let names = FunctionCatalog.names
            throw context.error(
                "unknown-function", "unknown function '\(name)'", span,
                hint: Suggestions.closest(to: name, in: names).map { "did you mean '\($0)'?" }
                    ?? "functions: \(names.joined(separator: ", "))")
        }
        if let mismatch = signature.check(arguments, callSpan: span) {
            throw context.error("wrong-arguments", mismatch.message, mismatch.span, hint: mismatch.hint)
        }
        return signature
    }
}
