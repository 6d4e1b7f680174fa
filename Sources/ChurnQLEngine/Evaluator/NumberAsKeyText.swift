import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Numbers typed against text: keys are text kept as written, so `customer_id == 42` and
/// `customer_id in (101, 102)` mean the texts "42", "101", "102". Resolved once, at compile time, into a text
/// literal, so the comparison takes the dictionary-code path with no per-row conversion.
enum NumberAsKeyText {
    /// The text a numeric constant stands for: the literal as written in the query (`042`, `-7`, `10.10`), or an
    /// integer parameter's decimal digits. Nil when the expression is not a numeric constant; an error for a
    /// decimal whose written form is not known (a parameter).
    static func text(of expression: Expression, _ context: CompileContext) throws(Diagnostic) -> String? {
        switch expression {
        case .literal(.integer(let value), let span):
            if let written = writtenNumber(span, context), Int64(written) == value { return written }
            return String(value)
        case .literal(.decimal(let value), let span):
            if let written = writtenNumber(span, context), Double(written) == value { return written }
            throw unknownDecimalText(String(value), span, context)
        case .unary(.negate, let operand, _):
            guard case .literal = operand, let digits = try text(of: operand, context) else { return nil }
            return "-" + digits
        case .parameter(let name, let span):
            switch context.parameters[name] {
            case .integer(let value): return String(value)
            case .decimal(let value): throw unknownDecimalText("$\(name) (\(value))", span, context)
            default: return nil
            }
        default: return nil
        }
    }

    /// The source bytes under a number literal's span, when they are a plain number (digits, `.`, exponent).
    private static func writtenNumber(_ span: SourceSpan, _ context: CompileContext) -> String? {
        let utf8 = context.source.text.utf8
        guard span.start >= 0, span.start < span.end, span.end <= utf8.count else { return nil }
        let bytes = utf8.dropFirst(span.start).prefix(span.end - span.start)
        let allowed = Set("0123456789.eE+-".utf8)
        guard bytes.allSatisfy({ allowed.contains($0) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func unknownDecimalText(_ shown: String, _ span: SourceSpan, _ context: CompileContext)
        -> Diagnostic
    {
        context.error(
            "type-mismatch", "cannot compare text keys with the decimal number \(shown): its written form is not known",
            span, hint: "keys are text kept as written; write the key in quotes, e.g. \"10.10\"")
    }

    /// The error for `<`, `<=`, `>`, `>=` or `between` of text with a number: text keys have no numeric order.
    static func orderingError(
        _ op: BinaryOperator, _ textExpr: Expression, _ numberExpr: Expression, _ numberType: DataType,
        _ span: SourceSpan, _ context: CompileContext
    ) -> Diagnostic {
        let name: String
        if case .column(let column, _) = textExpr { name = column } else { name = "the text side" }
        let example = (try? text(of: numberExpr, context)) ?? "42"
        return context.error(
            "type-mismatch", "cannot compare text with \(numberType.rawValue) using '\(op.rawValue)'", span,
            hint:
                "\(name) holds text (keys are kept as written), which has no numeric order; ==, != and in match a "
                + "number's text; to order as text, quote the value: \(name) \(op.rawValue) \"\(example)\" (byte order)"
        )
    }
}
