import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Projection pushdown (a rewrite pass): a query on the customers table computes only the derived columns it reads.
struct ColumnNeedsTests {
    private static func needs(_ text: String) throws -> Set<String>? {
        let parsed = Parser.parse(SourceText(name: nil, text: text))
        guard case .query(let query) = try #require(parsed.statements.first).statement else {
            Issue.record("not a query: \(text)")
            return nil
        }
        let engine = try MetricsTests.engine()
        let plan = try engine.plan(query, source: SourceText(name: nil, text: text)).plan
        guard case .scan(_, let columns) = try #require(plan.steps.first).op else {
            Issue.record("the plan does not start with a scan")
            return nil
        }
        return columns
    }

    @Test(
        "names read before the first narrowing step",
        arguments: [
            ("from customers | group status | agg n = count(), revenue = sum(revenue)", ["status", "revenue"]),
            ("from customers | where Frequency > 2 | count", ["frequency"]),
            ("from customers | derive r = revenue * 2 | agg s = sum(r)", ["revenue"]),
            ("from customers | sort -tenure_days | take 3 | select customer_id", ["tenure_days", "customer_id"]),
            ("from customers | group y = year(first_order) | agg c = churn_rate()", ["first_order"]),
            ("from customers | top 5 by revenue | select customer_id", ["revenue", "customer_id"]),
            ("from customers | histogram purchase_cycle_days", ["purchase_cycle_days"]),
            ("from customers | where status in (\"lost\") and revenue between 1 and 9 | count", ["status", "revenue"]),
            // Every operand of a chain (one `.chain` node) is read.
            (
                "from customers | derive x = revenue + orders - tenure_days + 1 | agg s = sum(x)",
                ["revenue", "orders", "tenure_days"]
            ),
            (
                "from customers | where orders > 1 or revenue > 2 or days_since_last < 3 | count",
                ["orders", "revenue", "days_since_last"]
            ),
            // After the narrowing step the names are the step's own.
            ("from customers | agg n = count() | where n > 1", []),
        ])
    func narrowed(query: String, expected: [String]) throws {
        #expect(try Self.needs(query) == Set(expected))
    }

    @Test(
        "queries that may show every column",
        arguments: [
            "from customers", "from customers | where revenue > 10", "from customers | sort -revenue | take 5",
            "from customers | rfm | group segment | count", "from customers | join orders on customer_id | count",
            "from customers | distinct | count",
        ])
    func everyColumn(query: String) throws {
        #expect(try Self.needs(query) == nil)
    }

    /// The narrow table must answer exactly as the whole one does, and a misspelt column still gets its hint.
    @Test func narrowTableAnswersAsTheWholeOne() throws {
        let query = "from customers | group lifecycle | agg n = count(), r = sum(revenue), c = avg(purchase_cycle_days)"
        let narrow = try MetricsTests.engine()
        let whole = try MetricsTests.engine()
        _ = try MetricsTests.run(whole, "from customers | take 1")
        let a = try #require(try MetricsTests.run(narrow, query))
        let b = try #require(try MetricsTests.run(whole, query))
        #expect(a.columnNames == b.columnNames)
        for (x, y) in zip(a.columns, b.columns) {
            #expect((0..<a.rowCount).map { x.value(at: $0) } == (0..<b.rowCount).map { y.value(at: $0) })
        }
        let error = #expect(throws: Diagnostic.self) {
            try MetricsTests.run(narrow, "from customers | group statuss | count")
        }
        #expect(error?.message.contains("did you mean 'status'") == true)
    }
}
