import ChurnQLDiagnostics

/// The first error met while rows were evaluated (an integer overflow, a date beyond the calendar). Row closures
/// return values, not errors, so they record the fault and give null; the step that ran them throws it, so a
/// query never answers with a wrapped or made-up value.
final class EvaluationFaults {
    private(set) var first: Diagnostic?

    func record(_ diagnostic: Diagnostic) {
        if first == nil { first = diagnostic }
    }

    func check() throws(Diagnostic) {
        if let first { throw first }
    }
}

/// A place in an expression where a row can fault. Its located error is made when a row faults, not at compile
/// time: making it quotes the source line, and a chain of 100,000 operators has as many sites on one line.
struct FaultSite {
    let faults: EvaluationFaults
    let code: String
    let message: String
    let span: SourceSpan
    let source: SourceText
    let hint: String?

    /// Records the error, with a message naming the values when given; returns nil for the row's value.
    func raise<T>(_ message: String? = nil) -> T? {
        if faults.first == nil {
            faults.record(Diagnostic(code: code, message: message ?? self.message, span: span, in: source, hint: hint))
        }
        return nil
    }
}

extension CompileContext {
    func faultSite(_ code: String, _ message: String, _ span: SourceSpan, hint: String? = nil) -> FaultSite {
        FaultSite(faults: faults, code: code, message: message, span: span, source: source, hint: hint)
    }

    /// An integer result beyond 64 bits.
    func overflowSite(_ what: String, _ span: SourceSpan) -> FaultSite {
        faultSite(
            "integer-overflow", "integer overflow in \(what): the result is beyond the 64-bit range", span,
            hint: "multiply by 1.0 to compute in decimal, e.g. x * 1.0 * y")
    }

    /// A date before 0001-01-01 or after 9999-12-31.
    func dateRangeSite(_ what: String, _ span: SourceSpan) -> FaultSite {
        faultSite(
            "date-out-of-range", "\(what) gives a date outside 0001-01-01 … 9999-12-31", span,
            hint: "dates run from 0001-01-01 to 9999-12-31; check the number of days or months added")
    }
}
