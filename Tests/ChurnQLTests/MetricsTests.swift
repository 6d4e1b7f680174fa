import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Hand-computed cases for the derived customers table and the retention aggregates.
/// asof 2024-03-31, churn_window 30d, lost_window 60d, new_window 10d; 2024 is a leap year.
struct MetricsTests {
    static let orders = """
        customer_id,order_date,amount
        A,2024-01-01,10
        A,2024-01-01,5
        A,2024-02-01,20
        A,2024-03-01,30
        A,2024-03-20,15
        B,2024-03-25,100
        C,2024-01-15,50
        C,2024-04-10,999
        D,2023-12-01,-5
        D,2024-02-15,40
        E,2024-03-01,25
        """

    static func engine() throws -> Engine {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).csv")
            .path
        try orders.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path)
        for setting in [
            "set asof = 2024-03-31", "set churn_window = 30d", "set lost_window = 60d", "set new_window = 10d",
        ] {
            _ = try run(engine, setting)
        }
        return engine
    }

    @discardableResult
    static func run(_ engine: Engine, _ text: String) throws -> Table? {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        if let first = parsed.diagnostics.first { throw first }
        var last: Table?
        for node in parsed.statements {
            if case .table(let table) = try engine.execute(node, source: source) { last = table }
        }
        return last
    }

    static func cell(_ engine: Engine, _ query: String) throws -> Value {
        let table = try #require(try run(engine, query))
        return try #require(table.columns.last).value(at: 0)
    }

    /// Per customer: (column, expected) read from `from customers | where customer_id == X`.
    @Test(
        "derived columns",
        arguments: [
            // A: orders Jan 1 (twice), Feb 1, Mar 1, Mar 20 → 5 orders on 4 days; span Jan 1 → Mar 20 = 31+29+19 = 79.
            ("A", "orders", Value.integer(5)), ("A", "purchase_days", .integer(4)), ("A", "frequency", .integer(3)),
            ("A", "revenue", .decimal(80)), ("A", "avg_order_value", .decimal(16)),
            ("A", "days_since_last", .integer(11)), ("A", "tenure_days", .integer(90)),
            ("A", "active_span_days", .integer(79)), ("A", "purchase_cycle_days", .decimal(79.0 / 3)),
            // next = Mar 20 + round(26.33) = Apr 15, after asof, so not overdue.
            ("A", "next_purchase", .date(Dates.dayNumber(year: 2024, month: 4, day: 15))),
            ("A", "overdue_days", .integer(0)), ("A", "status", .text("active")), ("A", "is_new", .boolean(false)),
            // B: one order 6 days before asof: new and active, no cycle.
            ("B", "frequency", .integer(0)), ("B", "purchase_cycle_days", .null), ("B", "is_new", .boolean(true)),
            // C: the Apr 10 order is after asof and ignored; Jan 15 → Mar 31 = 16+29+31 = 76 days > 60: lost.
            ("C", "orders", .integer(1)), ("C", "revenue", .decimal(50)), ("C", "days_since_last", .integer(76)),
            ("C", "status", .text("lost")),
            // D: a refund counts in revenue; Feb 15 → Mar 31 = 45 days: lapsed; span Dec 1 → Feb 15 = 76.
            ("D", "revenue", .decimal(35)), ("D", "status", .text("lapsed")),
            ("D", "purchase_cycle_days", .decimal(76)),
            ("D", "tenure_days", .integer(121)),
            // E: exactly churn_window days since the last order is still active (inclusive boundary).
            ("E", "days_since_last", .integer(30)), ("E", "status", .text("active")),
        ])
    func derivedColumn(customer: String, column: String, expected: Value) throws {
        let engine = try Self.engine()
        let value = try Self.cell(engine, "from customers | where customer_id == \"\(customer)\" | select \(column)")
        if let a = value.asDouble, let b = expected.asDouble {
            #expect(abs(a - b) < 1e-9, "\(customer).\(column): \(a) vs \(b)")
        } else {
            #expect(value == expected, "\(customer).\(column)")
        }
    }

    @Test func customerCountsIgnoreOrdersAfterAsof() throws {
        let engine = try Self.engine()
        #expect(try Self.cell(engine, "from customers | count") == .integer(5))
        #expect(try Self.cell(engine, "from orders | count") == .integer(11))
    }

    /// start = asof − 30d = Mar 1. Base: A (last ≤ Mar 1 is Mar 1), D (Feb 15, 15 days before), E (Mar 1);
    /// not B (no order by Mar 1) nor C (Jan 15 is 46 days before). Churned: D and E (nothing after Mar 1).
    @Test func churnRateHandComputed() throws {
        let engine = try Self.engine()
        let churn = try Self.cell(engine, "from customers | agg c = churn_rate()")
        #expect(churn.asDouble.map { abs($0 - 2.0 / 3.0) < 1e-12 } == true)
        let retention = try Self.cell(engine, "from customers | agg r = retention_rate()")
        #expect(retention.asDouble.map { abs($0 - 1.0 / 3.0) < 1e-12 } == true)
    }

    /// With period 10d: start = Mar 21; base = customers active on Mar 21 = A (Mar 20), D (Feb 15: 35 days > 30, out),
    /// E (Mar 1: 20 days) → {A, E}; churned: A and E bought nothing in (Mar 21, Mar 31] → 2 / 2.
    @Test func churnRateWithPeriod() throws {
        let engine = try Self.engine()
        let churn = try Self.cell(engine, "from customers | agg c = churn_rate(period: 10d)")
        #expect(churn == .decimal(1))
    }

    /// repeat_rate = |{A, D}| / 5 = 0.4; avg_purchase_cycle = (79/3 + 76) / 2.
    @Test func repeatRateAndCycle() throws {
        let engine = try Self.engine()
        #expect(try Self.cell(engine, "from customers | agg r = repeat_rate()") == .decimal(0.4))
        let cycle = try Self.cell(engine, "from customers | agg c = avg_purchase_cycle()")
        #expect(cycle.asDouble.map { abs($0 - (79.0 / 3 + 76) / 2) < 1e-9 } == true)
    }

    @Test func statusCounts() throws {
        let engine = try Self.engine()
        let table = try #require(try Self.run(engine, "from customers | group status | agg n = count() | sort status"))
        let statuses = (0..<table.rowCount).map { table.columns[0].value(at: $0).plainText }
        let counts = (0..<table.rowCount).map { table.columns[1].value(at: $0) }
        #expect(statuses == ["active", "lapsed", "lost"])
        #expect(counts == [.integer(3), .integer(1), .integer(1)])
    }

    @Test func churnByGroupUsesEachGroupsCustomers() throws {
        let engine = try Self.engine()
        // Group "x" = {A, D}: base {A, D}, churned {D} → 0.5; group "y" = {B, C, E}: base {E}, churned {E} → 1.
        let table = try #require(
            try Self.run(
                engine,
                "from customers | group g = if(customer_id in (\"A\", \"D\"), \"x\", \"y\") | agg c = churn_rate() | sort g"
            ))
        #expect(table.columns[1].value(at: 0) == .decimal(0.5))
        #expect(table.columns[1].value(at: 1) == .decimal(1))
    }

    /// Denominators: start = base {A, D, E} (churned D, E). average: active at asof = {A, B, E} → (3 + 3) / 2.
    /// exposure: A 30 days, D Feb 15 + 30d = Mar 16 → 15 days, E Mar 1 + 30d = Mar 31 → 30 days; 75 / 30 = 2.5 periods.
    @Test func churnRateMethods() throws {
        let engine = try Self.engine()
        let average = try Self.cell(engine, "from customers | agg c = churn_rate(method: \"average\")")
        #expect(average.asDouble.map { abs($0 - 2.0 / 3.0) < 1e-12 } == true)
        let exposure = try Self.cell(engine, "from customers | agg c = churn_rate(method: \"exposure\")")
        #expect(exposure.asDouble.map { abs($0 - 0.8) < 1e-12 } == true)
    }

    /// Base {A, D, E}: revenue in (Jan 31, Mar 1] = A 20 + 30, D 40, E 25 = 115; in (Mar 1, Mar 31] = A 15.
    @Test func revenueRetention() throws {
        let engine = try Self.engine()
        let net = try Self.cell(engine, "from customers | agg r = net_revenue_retention()")
        #expect(net.asDouble.map { abs($0 - 15.0 / 115.0) < 1e-12 } == true)
        let gross = try Self.cell(engine, "from customers | agg r = gross_revenue_retention()")
        #expect(gross.asDouble.map { abs($0 - 15.0 / 115.0) < 1e-12 } == true)
    }

    /// B: one order of 100, tenure 6 days → at least 30 days: 365/30 orders a year; margin 0.5, no discount,
    /// retention 1, horizon 2 → 0.5 × 100 × 365/30 × 2.
    @Test func formulaCLV() throws {
        let engine = try Self.engine()
        let clv = try Self.cell(
            engine,
            "from customers | where customer_id == \"B\" | select v = clv_formula(margin: 0.5, discount: 0, horizon: 2, retention: 1)"
        )
        #expect(clv.asDouble.map { abs($0 - 0.5 * 100 * 365 / 30 * 2) < 1e-9 } == true)
    }

    /// Historical value from a profit (margin) role: the sum of the margins of each customer's orders by asof.
    @Test func profitRoleGivesHistoricalProfit() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("profit-\(UUID().uuidString).csv").path
        try
            "customer_id,order_date,amount,margin\nA,2024-01-01,100,30\nA,2024-02-01,50,10\nB,2024-01-05,80,-5\nB,2024-03-01,10,99\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path)
        _ = try Self.run(engine, "set asof = 2024-02-15")
        let table = try #require(try Self.run(engine, "from customers | select customer_id, profit"))
        // B's March order is after asof: only its -5 counts.
        #expect((0..<table.rowCount).map { table.columns[1].value(at: $0) } == [.decimal(40), .decimal(-5)])
    }
}
