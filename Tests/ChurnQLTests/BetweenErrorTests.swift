import ChurnQLDiagnostics
import Foundation
import Testing

/// `between` runs as `>=` and `<=`, but its errors name `between` (as written) with the caret under the whole
/// between expression; an error inside an operand keeps its own place.
struct BetweenErrorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var condition: String
        /// The text the caret must cover.
        var underCaret: String
        /// What the message must say (nil: the message must not name `>=`/`<=` only).
        var message: String
        var testDescription: String { condition }
    }

    static let cases: [Case] = [
        Case(
            condition: "customer_id between 1 and 100", underCaret: "customer_id between 1 and 100",
            message: "cannot compare text with integer using 'between'"),
        Case(
            condition: "customer_id not between 1 and 100", underCaret: "customer_id not between 1 and 100",
            message: "cannot compare text with integer using 'not between'"),
        Case(
            condition: "orders > 0 and (first_order between 1 and 2024-01-01)",
            underCaret: "first_order between 1 and 2024-01-01",
            message: "cannot compare date with integer using 'between'"
        ),
        Case(
            condition: "first_order between 1998-01-01 and 5", underCaret: "first_order between 1998-01-01 and 5",
            message: "cannot compare date with integer using 'between'"),
        Case(
            condition: "orders between \"a\" and 100", underCaret: "orders between \"a\" and 100",
            message: "cannot compare integer with text using 'between'"),
        Case(condition: "nope between 1 and 2", underCaret: "nope", message: "unknown column 'nope'"),
    ]

    @Test(arguments: cases)
    func betweenErrorsNameBetween(_ c: Case) throws {
        let (engine, url) = try NumberKeyComparisonTests.engine(NumberKeyComparisonTests.keys)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let query = "from customers | where \(c.condition)"
        let spanStart = try #require(query.utf8.firstRange(of: c.underCaret.utf8)).lowerBound
        let column = query.utf8.distance(from: query.utf8.startIndex, to: spanStart) + 1
        do {
            _ = try MetricsTests.run(engine, query)
            Issue.record("expected an error for \(c.condition)")
        } catch let d as Diagnostic {
            #expect(d.message.hasPrefix(c.message), "\(d.message)")
            #expect(!d.message.contains("'>='") && !d.message.contains("'<='"))
            #expect(d.hint?.contains("'>='") != true && d.hint?.contains(" >= ") != true, "\(d.hint ?? "")")
            #expect(d.column == column)
            #expect(d.length == c.underCaret.utf8.count)
        }
    }
}
