import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Each rewrite pass against the plan without it, on random data and random queries made for that pass: the same
/// rows and columns, or the same error, and a plan that the pass really changed. Every query's result also has
/// the columns and types its plan said it would.
struct RewriteTests {
    static func data(seed: UInt64) -> String {
        var random = FuzzTests.Random(state: seed)
        var lines = ["order_id,customer_id,order_date,amount,qty,channel"]
        let customers = (1...40).map { "c\($0)" } + ["7", "042", "42", "1e3", " 5"]
        for order in 0..<400 {
            let customer = random.pick(customers)
            let date = String(format: "2024-%02d-%02d", 1 + random.below(12), 1 + random.below(28))
            let amount = random.pick(["1", "2.5", "3", "0", "-4.25", "100", "17.125", "1000000"])
            let qty = random.below(5) == 0 ? "" : String(random.below(7) - 1)
            let channel = random.pick(["web", "shop", "", "phone", "Web"])
            lines.append("\(order),\"\(customer)\",\(date),\(amount),\(qty),\(channel)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func engine(seed: UInt64) throws -> Engine {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rewrite-\(UUID().uuidString).csv")
            .path
        try data(seed: seed).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path, alias: "orders")
        _ = try MetricsTests.run(engine, "set asof = 2024-12-31")
        return engine
    }

    /// Queries that each pass rewrites.
    static func queries(for pass: String, _ random: inout FuzzTests.Random) -> [String] {
        func n() -> Int { random.below(9) - 2 }
        func d() -> String { random.pick(["1", "2.5", "0.5", "3", "-1"]) }
        switch pass {
        case "chain flattening":
            return [
                "from orders | where (qty > \(n()) or amount < \(d())) or (channel == \"web\" or qty < \(n()))",
                "from orders | where ((qty > \(n()) and amount > \(d())) and channel != \"shop\") and qty != \(n())",
                "from orders | derive z = ((qty + \(n())) - amount) + \(n()) | select order_id, z",
                "from orders | derive z = ((qty * \(n())) % 3) * qty | select order_id, z",
                "from orders | where not ((qty > \(n()) or qty is null) or (amount > \(d()) or channel == \"\"))",
            ]
        case "constant folding":
            return [
                "from orders | derive z = qty * (\(n()) + 3 * \(n())) - 7 / 2 | select order_id, z",
                "from orders | where amount > \(n()) - 2 * \(n()) + 0.5",
                "from orders | derive z = 1 + 2 + 3 + qty + 4 | select order_id, z",
                "from orders | derive z = 9223372036854775807 + \(n()) + qty | select order_id, z",
                "from orders | derive z = 7 % \(n()) + qty, w = 1 / \(n()) | select z, w",
                "from orders | where (true or qty > 1) and not false | count",
                "from orders | derive z = -9223372036854775807 - 1 - 1 | select z | take 1",
            ]
        case "equality chain to membership":
            return [
                "from orders | where qty == \(n()) or qty == \(n()) or qty == \(n())",
                "from orders | where customer_id == \"c\(n() + 3)\" or customer_id == 42 or customer_id == 7 or customer_id == 042",
                "from orders | where amount == \(d()) or amount == \(n()) or amount == 2.5",
                "from orders | where channel == \"web\" or channel == \"Web\" or channel == \"\" | count",
                "from orders | where not (qty == \(n()) or qty == \(n()) or qty == \(n())) | count",
            ]
        case "top-n":
            let k = random.below(30)
            return [
                "from orders | sort -amount, qty | take \(k)",
                "from orders | sort channel | take \(k) | select order_id, channel",
                "from orders | top \(k + 3) by qty | take \(k)",
                "from orders | where qty > 0 | sort qty, -order_id | take \(k)",
                "from customers | sort -revenue, customer_id | take \(k)",
            ]
        default:
            return [
                "from customers | where revenue > \(n() * 50) | group status | agg n = count(), s = sum(revenue)",
                "from customers | derive lifecycle = status | group lifecycle | agg m = max(lifecycle), n = count()",
                "from customers | derive r = revenue * 2 | agg s = sum(r), c = avg(frequency)",
                "from customers | sort -tenure_days | take 3 | select customer_id, tenure_days",
                "from customers | histogram days_since_last bins 4",
                "from customers | where orders > 1 or revenue > \(n()) | count",
            ]
        }
    }

    enum Outcome: Equatable {
        case rows(names: [String], types: [DataType], cells: [[Value]])
        case error(code: String, message: String, line: Int, column: Int)
    }

    static func outcome(_ engine: Engine, _ text: String, passes: [any PlanRewrite]) -> (Outcome, BoundQuery?) {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        guard case .query(let query)? = parsed.statements.first?.statement else {
            return (.error(code: "parse", message: text, line: 0, column: 0), nil)
        }
        do {
            let bound = try engine.plan(query, source: source, passes: passes)
            let table = try QueryExecutor(engine: engine, source: source).run(bound)
            let cells = (0..<table.rowCount).map { row in table.columns.map { $0.value(at: row) } }
            return (.rows(names: table.columnNames, types: table.columns.map(\.type), cells: cells), bound)
        } catch {
            return (.error(code: error.code, message: error.message, line: error.line, column: error.column), nil)
        }
    }

    @Test(
        "each pass answers as the plan without it",
        arguments: Rewriter.passes.map(\.name), [1, 2, 3] as [UInt64])
    func differential(pass: String, seed: UInt64) throws {
        let engine = try Self.engine(seed: seed)
        var random = FuzzTests.Random(state: seed &* 31 &+ UInt64(pass.count))
        let all = Rewriter.passes
        let without = all.filter { $0.name != pass }
        for text in Self.queries(for: pass, &random) {
            let (rewritten, plan) = Self.outcome(engine, text, passes: all)
            let (plain, plainPlan) = Self.outcome(engine, text, passes: without)
            let (unrewritten, _) = Self.outcome(engine, text, passes: [])
            #expect(rewritten == plain, "\(pass): \(text)")
            #expect(rewritten == unrewritten, "\(pass): \(text)")
            guard let plan, let plainPlan, case .rows(let names, let types, _) = rewritten else { continue }
            // The pass did something to this query's plan.
            #expect(
                String(describing: plan.plan.steps.map(\.op)) != String(describing: plainPlan.plan.steps.map(\.op)),
                "\(pass) left \(text) unchanged")
            // The plan's schema is the result's.
            #expect(plan.plan.schema.names == names, "\(text)")
            #expect(plan.plan.schema.columns.map(\.type) == types, "\(text)")
        }
    }
}
