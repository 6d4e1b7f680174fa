import ChurnQLPlanner
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// `let` views bound at definition (redefinition, no cycles), shared views computed once per statement, long
/// chains of views without deep recursion, and `explain` from one execution; answers are worked out here from
/// the generated rows.
struct ViewTests {
    struct Order {
        let customer: String
        let date: String
        let amount: Int
    }

    static let orders: [Order] = {
        var random = FuzzTests.Random(state: 16)
        return (0..<200).map { _ in
            let day = String(format: "2024-%02d-%02d", random.below(12) + 1, random.below(28) + 1)
            return Order(customer: "C\(random.below(40) + 1)", date: day, amount: random.below(500) + 1)
        }
    }()

    static var csv: String {
        "customer_id,order_date,amount\n" + orders.map { "\($0.customer),\($0.date),\($0.amount)\n" }.joined()
    }

    static func engine() throws -> Engine {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString).csv")
            .path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path, alias: "orders")
        return engine
    }

    /// Every row's cells as text, for comparing two tables.
    static func rows(_ table: Table) -> [[String]] {
        (0..<table.rowCount).map { row in table.columns.map { $0.value(at: row).plainText } }
    }

    static func count(_ engine: Engine, _ query: String) throws -> Int64 {
        let table = try #require(try MetricsTests.run(engine, query))
        guard case .integer(let n) = table.columns[0].value(at: 0) else { return -1 }
        return n
    }

    /// Each script redefines `v` in terms of the old `v`; the result is the inline pipeline of all the steps.
    @Test(
        "redefinition chains the old definition",
        arguments: [
            (
                "let v = from orders | take 3\nlet v = from v | take 1",
                "from orders | take 3 | take 1"
            ),
            (
                "let v = from orders | where amount > 100\nlet v = from v | sort -amount\nlet v = from v | take 5",
                "from orders | where amount > 100 | sort -amount | take 5"
            ),
            (
                "let V = from orders | sort amount\nlet v = from V | take 4\nlet v = from v | derive d = amount * 2",
                "from orders | sort amount | take 4 | derive d = amount * 2"
            ),
        ])
    func redefinition(_ script: String, _ inline: String) throws {
        let engine = try Self.engine()
        _ = try MetricsTests.run(engine, script)
        let actual = Self.rows(try #require(try MetricsTests.run(engine, "from v")))
        let expected = Self.rows(try #require(try MetricsTests.run(engine, inline)))
        #expect(!actual.isEmpty)
        #expect(actual == expected)
    }

    /// `v` joined with itself, where `v` is being redefined: both sides are the old `v`.
    @Test func redefinedSelfJoin() throws {
        let engine = try Self.engine()
        _ = try MetricsTests.run(
            engine, "let v = from orders | take 30\nlet v = from v | join v on customer_id | select customer_id, amount"
        )
        let first = Array(Self.orders.prefix(30))
        let expected = first.flatMap { left in
            first.filter { $0.customer == left.customer }.map { _ in [left.customer, "\(left.amount)"] }
        }
        #expect(Self.rows(try #require(try MetricsTests.run(engine, "from v"))) == expected)
    }

    /// `a → b → a` cannot be written: the new `a` reads `b`, which still reads the old `a`.
    @Test func cycleCannotArise() throws {
        let engine = try Self.engine()
        _ = try MetricsTests.run(
            engine, "let a = from orders | take 5\nlet b = from a | take 2\nlet a = from b | take 1")
        #expect(try Self.count(engine, "from a | count") == 1)
        #expect(try Self.count(engine, "from b | count") == 2)
        let firstCustomer = Self.orders[0].customer
        #expect(
            try Self.count(engine, "from orders | join a on customer_id | count")
                == Int64(Self.orders.filter { $0.customer == firstCustomer }.count))
    }

    /// A view that names itself before it exists is an unknown table, reported at the definition.
    @Test func selfReferenceBeforeDefinitionIsUnknown() throws {
        let engine = try Self.engine()
        let error = #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, "let c = from c | take 1") }
        #expect(error?.code == "unknown-table")
        #expect(error?.column == 14)
        #expect(!engine.sourceNames.contains("c"))
    }

    /// A view defined before a view named like a table keeps reading the table.
    @Test func laterViewDoesNotCaptureEarlierNames() throws {
        let engine = try Self.engine()
        _ = try MetricsTests.run(engine, "let v = from orders | take 7\nlet orders = from orders | take 2")
        #expect(try Self.count(engine, "from v | count") == 7)
        #expect(try Self.count(engine, "from orders | count") == 2)
    }

    /// 1,000 nested views: each reads the one before; no recursion per level.
    @Test func thousandNestedViews() throws {
        let engine = try Self.engine()
        var script = "let v1 = from orders\n"
        for n in 2...1000 { script += "let v\(n) = from v\(n - 1) | take \(1100 - n)\n" }
        _ = try MetricsTests.run(engine, script)
        let table = try #require(try MetricsTests.run(engine, "from v1000 | select amount"))
        // The smallest take is the last one, 100.
        #expect(Self.rows(table) == Self.orders.prefix(100).map { ["\($0.amount)"] })
    }

    /// 3,000 steps of where, sort and take; explain's count after each plan step against the steps applied here
    /// (a sort and the take after it are one top-N step of the plan).
    @Test func threeThousandStepExplain() throws {
        let engine = try Self.engine()
        var query = "explain from orders"
        var amounts = Self.orders.map(\.amount)
        var expected: [Int64] = [Int64(amounts.count)]
        for step in 0..<3000 {
            switch step % 3 {
            case 0:
                let least = step / 3 % 7
                query += " | where amount >= \(least)"
                amounts = amounts.filter { $0 >= least }
            case 1:
                query += " | sort -amount"
                amounts.sort(by: >)
            default:
                let n = 200 - step / 20
                query += " | take \(n)"
                amounts = Array(amounts.prefix(n))
            }
            if step % 3 != 1 { expected.append(Int64(amounts.count)) }
        }
        let table = try #require(try MetricsTests.run(engine, query))
        #expect(table.rowCount == 2001)
        let rows = (0..<table.rowCount).map { table.columns[1].value(at: $0) }
        #expect(rows == expected.map { Value.integer($0) })
    }

    /// `explain` shows the plan's steps: a sort and the take after it are one top-N step, labelled with both.
    @Test func explainSortBeforeTake() throws {
        let engine = try Self.engine()
        let table = try #require(try MetricsTests.run(engine, "explain from orders | sort -amount | take 3"))
        let rows = (0..<table.rowCount).map { table.columns[1].value(at: $0) }
        let labels = (0..<table.rowCount).map { table.columns[0].value(at: $0) }
        #expect(rows == [.integer(200), .integer(3)])
        #expect(labels == [.text("from orders"), .text("| sort -amount | take 3")])
    }

    // MARK: Through the binary

    static func writeOrders() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("views-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try csv.write(to: directory.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        return directory
    }

    /// 30 levels of a view joined with itself: each level is computed once, not 2^30 times.
    @Test func sharedViewChain() throws {
        let directory = try Self.writeOrders()
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "let v0 = from orders | take 20\n"
        for n in 1...30 {
            script += "let v\(n) = from v\(n - 1) | join v\(n - 1) on customer_id"
            script += " | select customer_id, order_date, amount | take 20\n"
        }
        script += "from v30\n"
        let r = try ChurnQLBinary.run(
            ["orders.csv", "--quiet", "--format", "csv"], in: directory, stdin: script, hangGuard: 120)
        var level = Array(Self.orders.prefix(20))
        for _ in 1...30 {
            let joined = level.flatMap { left in level.filter { $0.customer == left.customer }.map { _ in left } }
            level = Array(joined.prefix(20))
        }
        let expected =
            "customer_id,order_date,amount\n" + level.map { "\($0.customer),\($0.date),\($0.amount)\n" }.joined()
        #expect(r.stderr == "")
        #expect(r.status == 0)
        #expect(r.stdout == expected)
    }

    /// Without a select the columns double at every level: a clear error at the level that passes the limit.
    @Test func selfJoinWidthIsBounded() throws {
        let directory = try Self.writeOrders()
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = "let v0 = from orders | take 20\n"
        for n in 1...30 { script += "let v\(n) = from v\(n - 1) | join v\(n - 1) on customer_id | take 20\n" }
        let r = try ChurnQLBinary.run(["orders.csv", "--quiet"], in: directory, stdin: script, hangGuard: 120)
        // Level n has 1 + 2 × 2^n columns (the key, and the date and amount of every copy).
        let level = (1...30).first { 1 + 2 << $0 > StepRules.joinColumnLimit } ?? 0
        #expect(r.status == 1)
        #expect(r.stderr.contains("<stdin>:\(level + 1):"))
        #expect(r.stderr.contains("the join would produce \(1 + 2 << level) columns"))
    }
}
