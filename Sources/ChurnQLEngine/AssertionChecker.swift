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
            if !holds(op, actual, expected) {
                throw Diagnostic(
                    code: "assertion-failed",
                    message: "assertion failed: got \(actual.plainText), expected \(op.rawValue) \(expected.plainText)",
                    span: span, in: source)
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

    private func holds(_ op: BinaryOperator, _ a: Value, _ b: Value) -> Bool {
        if a.isNull || b.isNull { return false }
        let c = ValueOrdering.compare(a, b)
        switch op {
        case .equal:
            if let x = a.asDouble, let y = b.asDouble { return abs(x - y) <= 1e-9 * Swift.max(1, abs(y)) }
            return c == 0
        case .notEqual: return c != 0
        case .less: return c < 0
        case .lessEqual: return c <= 0
        case .greater: return c > 0
        default: return c >= 0
        }
    }

    /// The single cell of a query, or an aggregate expression evaluated over all customers.
    private func actualValue(_ assertion: Assertion, span: SourceSpan) throws(Diagnostic) -> Value {
        if let query = assertion.query {
            let table = try QueryExecutor(engine: engine, source: source).run(query)
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
            table = try QueryExecutor(engine: engine, source: source).run(query)
        } else {
            return try ExpressionCompiler.constant(expression, engine.constantContext(source))
        }
        return table.columns.last?.value(at: 0) ?? .null
    }
}
