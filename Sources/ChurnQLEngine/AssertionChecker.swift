import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `assert QUERY == VALUE`, `assert EXPR between LOW and HIGH`: a failed check is an error showing both values.
struct AssertionChecker {
    let engine: Engine
    let source: SourceText

    func check(_ assertion: Assertion, span: SourceSpan) throws(Diagnostic) {
        let actual = try actualValue(assertion, span: span)
        let context = engine.constantContext(source)
        if let op = assertion.comparison, let expectedExpr = assertion.expected {
            let expected = try ExpressionCompiler.constant(expectedExpr, context)
            if let toleranceExpr = assertion.tolerance {
                let tolerance = try checkedTolerance(toleranceExpr, context)
                guard let x = actual.asDouble, let y = expected.asDouble else {
                    if actual.isNull || expected.isNull { throw failure(actual, op, expected, span: span) }
                    throw Diagnostic(
                        code: "type-mismatch",
                        message: "'within' compares numbers, got \(actual.plainText) and \(expected.plainText)",
                        span: toleranceExpr.span, in: source, hint: "drop 'within' to compare exactly")
                }
                // NaN is within no tolerance.
                let close = abs(x - y) <= tolerance
                if close != (op == .equal) {
                    throw failure(actual, op, expected, tolerance: tolerance, span: span)
                }
            } else if !holds(op, actual, expected) {
                throw failure(actual, op, expected, span: span)
            }
        } else if let (lowExpr, highExpr) = assertion.range {
            let low = try ExpressionCompiler.constant(lowExpr, context)
            let high = try ExpressionCompiler.constant(highExpr, context)
            if !(holds(.greaterEqual, actual, low) && holds(.lessEqual, actual, high)) {
                throw Diagnostic(
                    code: "assertion-failed",
                    message:
                        "assertion failed: got \(actual.plainText), expected between \(low.plainText) and \(high.plainText)",
                    span: span, in: source)
            }
        } else if actual != .boolean(true) {
            throw Diagnostic(
                code: "assertion-failed", message: "assertion failed: got \(actual.plainText)", span: span, in: source)
        }
    }

    /// `==` and `!=` are exact (3 == 3.0, but 0.1 + 0.2 != 0.3); `within` gives a tolerance.
    private func holds(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Bool {
        if a.isNull || b.isNull { return false }
        let c = ValueOrdering.compare(a, b)
        switch op {
        case .equal: return c == 0
        case .notEqual: return c != 0
        case .less: return c < 0
        case .lessEqual: return c <= 0
        case .greater: return c > 0
        default: return c >= 0
        }
    }

    private func checkedTolerance(_ expression: Expression, _ context: CompileContext) throws(Diagnostic) -> Double {
        let value = try ExpressionCompiler.constant(expression, context)
        guard let tolerance = value.asDouble, tolerance.isFinite, tolerance >= 0 else {
            throw Diagnostic(
                code: "bad-tolerance", message: "'within' needs a number of 0 or more, got \(value.plainText)",
                span: expression.span, in: source, hint: "assert … == 0.3 within 0.000001")
        }
        return tolerance
    }

    private func failure(
        _ actual: Value, _ op: BinaryOperator, _ expected: Value, tolerance: Double? = nil, span: SourceSpan
    ) -> Diagnostic {
        var got = actual.plainText
        var want = expected.plainText
        var hint: String?
        // Values that differ beyond the six decimals shown are printed in full, so the failure is visible.
        if got == want, let x = actual.asDouble, let y = expected.asDouble {
            got = "\(x)"
            want = "\(y)"
            if tolerance == nil && op == .equal {
                hint = "== is exact; allow for rounding with: assert … == \(want) within 0.000001"
            }
        }
        let within = tolerance.map { " within " + ($0 > 0 && $0 < 1e-6 ? "\($0)" : NumberFormat.plain($0)) } ?? ""
        return Diagnostic(
            code: "assertion-failed", message: "assertion failed: got \(got), expected \(op.rawValue) \(want)\(within)",
            span: span, in: source, hint: hint)
    }

    /// The single cell of a query, or an aggregate expression evaluated over all customers.
    private func actualValue(_ assertion: Assertion, span: SourceSpan) throws(Diagnostic) -> Value {
        if let query = assertion.query {
            let table = try engine.run(query, source: source)
            guard table.rowCount == 1, table.columns.count == 1, let column = table.columns.first else {
                throw Diagnostic(
                    code: "assertion-shape",
                    message:
                        "assert needs a query with one row and one column, got \(table.rowCount) × \(table.columns.count)",
                    span: span, in: source, hint: "end the query with | count or | agg x = …")
            }
            return column.value(at: 0)
        }
        guard let expression = assertion.expression else { return .null }
        let query = Query(
            source: "customers", sourceSpan: span,
            operations: [OperationNode(.agg([NamedExpression(name: "value", expression: expression)]), span: span)])
        let table: Table
        if engine.ordersTableName != nil {
            table = try engine.run(query, source: source)
        } else {
            return try ExpressionCompiler.constant(expression, engine.constantContext(source))
        }
        return table.columns.last?.value(at: 0) ?? .null
    }
}
