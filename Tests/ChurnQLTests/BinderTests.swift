import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The binder on schemas alone: a catalogue with column names and types and no rows at all.
struct BinderTests {
    static let orders = Schema(
        tableName: "orders",
        columns: [
            ColumnSchema("order_id", .integer), ColumnSchema("customer_id", .text), ColumnSchema("order_date", .date),
            ColumnSchema("amount", .decimal), ColumnSchema("channel", .text),
        ])
    static let regions = Schema(
        tableName: "regions", columns: [ColumnSchema("customer_id", .text), ColumnSchema("region", .text)])

    static func binder(views: [String: ViewDefinition] = [:]) -> Binder {
        Binder(
            catalog: SchemaCatalog(
                tables: ["orders": orders, "regions": regions], tableNames: ["orders", "regions"], views: views,
                parameters: ["n": .integer(3)]),
            typing: EngineTyping(engine: Engine()))
    }

    static func query(_ text: String) throws -> (Query, SourceText) {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        if let first = parsed.diagnostics.first { throw first }
        guard case .query(let query) = try #require(parsed.statements.first).statement else {
            throw Diagnostic(code: "test", message: "not a query")
        }
        return (query, source)
    }

    static func columns(_ schema: Schema) -> [String] { schema.columns.map { "\($0.name) \($0.type.rawValue)" } }

    @Test(
        "output schemas of each step",
        arguments: [
            ("from orders | select customer_id, amount", ["customer_id text", "amount decimal"]),
            (
                "from orders | derive big = amount > 100, day = order_date + 1d | select big, day",
                ["big boolean", "day date"]
            ),
            (
                "from orders | group channel | agg n = count(), s = sum(amount), first = min(order_date)",
                ["channel text", "n integer", "s decimal", "first date"]
            ),
            ("from orders | count", ["n integer"]),
            ("from orders | select amount, amount", ["amount decimal", "amount_2 decimal"]),
            ("from orders | derive amount = 1 | select amount", ["amount integer"]),
            (
                "from orders | join regions on customer_id | select region, channel",
                ["region text", "channel text"]
            ),
            ("from orders | distinct channel", ["channel text"]),
            (
                "from orders | histogram amount bins 5",
                ["from decimal", "to decimal", "n integer", "share decimal", "bar text"]
            ),
            ("from orders | select x = null, d = 30d", ["x text", "d text"]),
            ("from orders | take $n | select order_id", ["order_id integer"]),
        ])
    func outputSchemas(text: String, expected: [String]) throws {
        let (query, source) = try Self.query(text)
        let bound = try Self.binder().bind(query, source: source)
        #expect(Self.columns(bound.plan.schema) == expected)
        // One plan step per pipeline step, a group folded into its agg, after the scan.
        let groups = query.operations.filter { if case .group = $0.operation { true } else { false } }.count
        #expect(bound.plan.steps.count == 1 + query.operations.count - groups)
    }

    @Test(
        "errors with their carets, found without any data",
        arguments: [
            ("from ordres", "unknown-table", 6),
            (
                "from orders | where amount > 1 | sort -amount | take 5 | derive x = 1 | select custmer_id",
                "unknown-column", 80
            ),
            ("from orders | where channel", "type-mismatch", 21),
            ("from orders | group channel", "group-needs-agg", 15),
            ("from orders | group channel | sort channel", "group-needs-agg", 15),
            ("from orders | select s = sum(amount)", "aggregate-outside-agg", 26),
            ("from orders | agg s = summ(amount)", "unknown-function", 23),
            ("from orders | join regions on region", "unknown-column", 15),
            ("from orders | join regions on order_id", "unknown-column", 15),
            ("from orders | histogram channel", "type-mismatch", 25),
            ("from orders | rfm", "needs-customers", 15),
            ("from orders | take $missing", "missing-parameter", 15),
            ("from orders | distinct chanel", "unknown-column", 15),
            ("from orders | where amount + channel > 1", "type-mismatch", 21),
        ])
    func errors(text: String, code: String, column: Int) throws {
        let (query, source) = try Self.query(text)
        let error = #expect(throws: Diagnostic.self) { try Self.binder().bind(query, source: source) }
        #expect(error?.code == code)
        #expect(error?.column == column)
    }

    /// A view is bound at its definition against the views then: redefining it in terms of itself reads the old one.
    @Test func viewsBindToTheirDefinitions() throws {
        let (first, firstSource) = try Self.query("from orders | select customer_id, amount")
        let v1 = try Self.binder().defineView("v", first, source: firstSource)
        let (second, secondSource) = try Self.query("from v | derive double = amount * 2")
        let v2 = try Self.binder(views: ["v": v1]).defineView("v", second, source: secondSource)
        #expect(Self.columns(v2.plan.schema) == ["customer_id text", "amount decimal", "double decimal"])
        let (use, useSource) = try Self.query("from v | join v on customer_id | select double")
        let bound = try Self.binder(views: ["v": v2]).bind(use, source: useSource)
        // Each view read once, deepest first.
        #expect(bound.views.map { $0.definition === v1 } == [true, false])
        #expect(bound.views.map { $0.definition === v2 } == [false, true])
        #expect(Self.columns(bound.plan.schema) == ["double decimal"])
    }
}

/// A typo in the last of six steps is reported before any step runs.
struct BindBeforeRunTests {
    @Test func typoInTheLastStepRunsNothing() throws {
        let engine = try MetricsTests.engine()
        let before = engine.stepsExecuted
        let error = #expect(throws: Diagnostic.self) {
            try MetricsTests.run(
                engine,
                "from customers | where revenue > 1 | derive r2 = revenue * 2 | sort -r2 | take 3 | derive x = 1 | select custmer_id"
            )
        }
        #expect(error?.message.contains("did you mean 'customer_id'") == true)
        #expect(engine.stepsExecuted == before)
        _ = try MetricsTests.run(
            engine,
            "from customers | where revenue > 1 | derive r2 = revenue * 2 | sort -r2 | take 3 | select customer_id")
        // scan, filter, extend, top-N (sort and take), project.
        #expect(engine.stepsExecuted == before + 5)
    }

    /// `let` checks its query against schemas and runs nothing.
    @Test func letBindsWithoutRunning() throws {
        let engine = try MetricsTests.engine()
        let before = engine.stepsExecuted
        _ = try MetricsTests.run(engine, "let big = from customers | where revenue > 50 | select customer_id")
        #expect(engine.stepsExecuted == before)
        #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, "let bad = from big | select revenue") }
        #expect(engine.columnNames(of: "big") == ["customer_id"])
        #expect(engine.stepsExecuted == before)
    }

    /// `set lost_when` checks its condition against the customers table's schema: no profile is computed.
    @Test func lostWhenIsCheckedOnTheSchema() throws {
        let engine = try MetricsTests.engine()
        let error = #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, "set lost_when = revenu > 1") }
        #expect(error?.message.contains("did you mean 'revenue'") == true)
        #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, "set lost_when = revenue") }
        _ = try MetricsTests.run(engine, "set lost_when = revenue > 50")
        #expect(engine.derived.profile.value(ifComputedFor: try engine.profileKey()) == nil)
        let lost = try MetricsTests.cell(engine, "from customers | where status == \"lost\" | count")
        #expect(lost != .integer(0))
    }

    /// Absurd row counts take every row; a count beyond 64 bits is a parse error that says the range.
    @Test func absurdRowCounts() throws {
        let engine = try MetricsTests.engine()
        let all = try MetricsTests.cell(engine, "from customers | count")
        for step in ["take 2147483648", "take 9223372036854775807", "top 9223372036854775807 by revenue"] {
            #expect(try MetricsTests.cell(engine, "from customers | \(step) | count") == all)
        }
        let error = #expect(throws: Diagnostic.self) {
            try MetricsTests.run(engine, "from customers | take 99999999999999999999")
        }
        #expect(error?.hint?.contains("9223372036854775807") == true)
    }
}

/// Steps after a filter evaluate only the rows it kept, and aggregates over customers see the fitted models.
struct FilteredRowsTests {
    @Test func keysAndSortKeysReadOnlyTheKeptRows() throws {
        let engine = Engine()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("far-\(UUID().uuidString).csv").path
        try "customer_id,order_date,amount\nA,2024-01-10,10\nA,2024-03-10,20\nB,9999-12-31,5\nC,2020-01-01,7\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try engine.loadFile(path: path)
        _ = try MetricsTests.run(engine, "set asof = 2024-06-30")
        // B's order is after asof, so B is not in the history; C is lost. Keys over kept rows only.
        let grouped = try #require(
            try MetricsTests.run(
                engine,
                "from orders | where order_date < 2025-01-01 | group y = year(order_date + 366d) | agg n = count()"))
        #expect(grouped.rowCount == 2)
        let sorted = try #require(
            try MetricsTests.run(engine, "from orders | where order_date < 2025-01-01 | top 2 by order_date + 366d"))
        #expect(sorted.rowCount == 2)
        // Without the filter the far date is evaluated and reported.
        #expect(throws: Diagnostic.self) {
            try MetricsTests.run(engine, "from orders | group y = year(order_date + 366d) | agg n = count()")
        }
    }

    @Test func modelFunctionsInsideAggregates() throws {
        let engine = try CatalogueTypeTests.engine()
        let total = try MetricsTests.cell(engine, "from customers | agg v = sum(predicted_clv(12, 0.01))")
        let rows = try #require(try MetricsTests.run(engine, "from customers | select c = predicted_clv(12, 0.01)"))
        let sum = (0..<rows.rowCount).compactMap { rows.columns[0].value(at: $0).asDouble }.reduce(0, +)
        guard case .decimal(let value) = total else {
            Issue.record("not a decimal: \(total)")
            return
        }
        #expect(abs(value - sum) <= 1e-9 * max(1, abs(sum)))
    }
}
