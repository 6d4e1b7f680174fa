import ChurnQLDiagnostics
import ChurnQLSyntax

/// `x between a and b` runs as `x >= a and x <= b`, but a type error must name `between`, not the `>=` or `<=` the
/// user never wrote, with the caret under the whole `between` expression.
enum BetweenCompiler {
    static func compile(
        _ subject: Expression, _ low: Expression, _ high: Expression, negated: Bool, _ span: SourceSpan,
        _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        let test = Expression.binary(
            .and, .binary(.greaterEqual, subject, low, span), .binary(.lessEqual, subject, high, span), span)
        let compiled: Vector
        do {
            compiled = try ExpressionCompiler.compile(test, context)
        } catch {
            throw renamed(error, subject, low, high, negated: negated, span, context)
        }
        return negated ? try ExpressionCompiler.unary(.not, compiled, span, context) : compiled
    }

    /// A comparison's type error (located at the whole span) restated for `between`; any other error (an unknown
    /// column inside an operand, say) is already located at its own place and passes unchanged.
    private static func renamed(
        _ error: Diagnostic, _ subject: Expression, _ low: Expression, _ high: Expression, negated: Bool,
        _ span: SourceSpan, _ context: CompileContext
    ) -> Diagnostic {
        let whole = context.error(error.code, error.message, span)
        guard error.code == "type-mismatch", error.line == whole.line, error.column == whole.column,
            error.length == whole.length,
            let subjectType = try? ExpressionCompiler.compile(subject, context).type,
            let lowType = try? ExpressionCompiler.compile(low, context).type,
            let highType = try? ExpressionCompiler.compile(high, context).type
        else { return error }
        let lowFits = (try? ExpressionCompiler.compile(.binary(.greaterEqual, subject, low, span), context)) != nil
        let boundType = lowFits ? highType : lowType
        let word = negated ? "not between" : "between"
        var hint = error.hint
        if subjectType == .text && boundType.isNumeric {
            let name: String
            if case .column(let column, _) = subject { name = column } else { name = "the text" }
            let lowText = (try? NumberAsKeyText.text(of: low, context)).flatMap { $0 } ?? "1"
            let highText = (try? NumberAsKeyText.text(of: high, context)).flatMap { $0 } ?? "9"
            hint =
                "\(name) holds text (keys are kept as written), which has no numeric order; ==, != and in match a "
                + "number's text; to order as text, quote the bounds: \(name) \(word) \"\(lowText)\" and \"\(highText)\" (byte order)"
        } else if boundType == .text && subjectType.isNumeric {
            hint = "numbers are written without quotes; text in double quotes"
        }
        return context.error(
            error.code, "cannot compare \(subjectType.rawValue) with \(boundType.rawValue) using '\(word)'", span,
            hint: hint)
    }
}
