import ChurnQLDiagnostics
import ChurnQLRender
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine
@testable import ChurnQLLoad

/// Seeded random-input properties: the CSV loader, the parser and the evaluator never trap, never hang, and
/// either answer or return a located diagnostic. Seeds are fixed so a failure reproduces; the findings that
/// these runs once exposed are kept as named cases at the bottom.
struct FuzzTests {
    /// Inputs per seed; CHURNQL_FUZZ_ITERATIONS raises it for a longer campaign (see docs/robustness.md).
    static let iterations = Int(ProcessInfo.processInfo.environment["CHURNQL_FUZZ_ITERATIONS"] ?? "") ?? 300

    /// SplitMix64: small, fast and deterministic.
    struct Random: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    }

    static let csvPieces: [[UInt8]] = [
        Array(",".utf8), Array(";".utf8), Array("\"".utf8), Array("\"\"".utf8), Array("\n".utf8), Array("\r\n".utf8),
        Array("\r".utf8), Array("\t".utf8), Array("a".utf8), Array("42".utf8), Array("-3.5".utf8),
        Array("2024-02-29".utf8), Array("31/12/2023".utf8), Array("12/31/2023".utf8), Array("NA".utf8),
        Array("$1,234.50".utf8), Array("é".utf8), [0xFF], [0xC3], Array("true".utf8), Array("20240101".utf8),
        Array("customer_id,order_date,amount\n".utf8), Array(" ".utf8),
    ]

    static func parseCSV(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            do throws(Diagnostic) {
                let loaded = try CSVLoader.parse(
                    buffer, offset: 0, path: "fuzz.csv", name: "fuzz", options: LoadOptions())
                // Every column has exactly rowCount cells.
                return loaded.table.columns.allSatisfy { $0.count == loaded.table.rowCount }
            } catch {
                return error.file == "fuzz.csv" && !error.message.isEmpty
            }
        }
    }

    @Test("CSV loader on random input", arguments: 0..<8)
    func csvNeverTraps(seed: Int) {
        var random = Random(state: UInt64(seed) &* 7919)
        for _ in 0..<Self.iterations {
            var bytes: [UInt8] = []
            for _ in 0..<random.below(60) { bytes += random.pick(Self.csvPieces) }
            #expect(Self.parseCSV(bytes), "input: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    static let queryPieces = [
        "from", " ", "customers", "orders", "|", "where", "select", "derive", "group", "agg", "sort", "take", "join",
        "count", "top", "by", "rfm", "=", "==", "!=", "<", ">=", "(", ")", ",", "\"", "x", "revenue", "status",
        "1998-06-30", "90d", "1y", "12", "-", "+", "*", "/", "and", "or", "not", "in", "between", "is", "null",
        "sum(", "count()", "churn_rate(", "period:", "\n", ";", "$p", "`", "#", "--", "é", "1e400",
        "99999999999999999999",
    ]

    @Test("parser on random input", arguments: 0..<8)
    func parserNeverTraps(seed: Int) {
        var random = Random(state: UInt64(seed) &* 104_729)
        for _ in 0..<Self.iterations * 2 {
            var text = ""
            for _ in 0..<random.below(40) { text += random.pick(Self.queryPieces) }
            let result = Parser.parse(SourceText(name: "fuzz.cql", text: text))
            #expect(result.diagnostics.allSatisfy { $0.line >= 1 && $0.column >= 1 }, "input: \(text.debugDescription)")
        }
    }

    /// Random but well-formed queries over the CDNOW customers: each answers or fails with a diagnostic.
    @Test func evaluatorNeverTraps() throws {
        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path)
        var random = Random(state: 2024)
        let columns = [
            "revenue", "frequency", "days_since_last", "status", "first_order", "purchase_cycle_days", "orders", "nope",
        ]
        let operators = ["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "and", "or"]
        let literals = ["0", "1", "-1", "2.5", "\"lost\"", "1998-01-01", "30d", "null", "true", "9223372036854775807"]
        func expression(_ depth: Int) -> String {
            if depth == 0 || random.below(3) == 0 {
                return random.below(2) == 0 ? random.pick(columns) : random.pick(literals)
            }
            switch random.below(5) {
            case 4:
                // A chain of one precedence level: one `.chain` node.
                let level = random.pick([["or"], ["and"], ["+", "-"], ["*", "/", "%"]])
                var chain = expression(depth - 1)
                for _ in 0..<random.below(6) + 2 { chain += " \(random.pick(level)) " + expression(depth - 1) }
                return "(" + chain + ")"
            case 0:
                return "(" + expression(depth - 1) + " " + random.pick(operators) + " " + expression(depth - 1) + ")"
            case 1:
                return random.pick(["abs", "round", "year", "lower", "coalesce", "days_between"]) + "("
                    + expression(depth - 1) + ")"
            case 2: return "not " + expression(depth - 1)
            default: return expression(depth - 1) + " between " + expression(0) + " and " + expression(0)
            }
        }
        for _ in 0..<Self.iterations {
            let steps = [
                "where " + expression(3), "derive x = " + expression(3), "sort -" + random.pick(columns),
                "group " + random.pick(columns) + " | agg n = count(), s = sum(" + random.pick(columns) + ")",
                "agg m = max(" + expression(2) + "), c = churn_rate()", "take " + String(random.below(5)), "rfm",
                "distinct status", "top 3 by " + expression(2), "histogram " + random.pick(columns),
            ]
            var query = "from customers"
            for _ in 0..<random.below(4) + 1 { query += " | " + random.pick(steps) }
            let source = SourceText(name: nil, text: query)
            let parsed = Parser.parse(source)
            for node in parsed.statements {
                do {
                    _ = try engine.execute(node, source: source)
                } catch {
                    #expect(!error.message.isEmpty, "query: \(query)")
                }
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = "from customers | where " + String(repeating: "(", count: 100_000) + "1"
        let result = Parser.parse(SourceText(name: nil, text: text))
        #expect(!result.diagnostics.isEmpty)
        let negations = "from customers | where " + String(repeating: "not ", count: 50_000) + "true"
        #expect(!Parser.parse(SourceText(name: nil, text: negations)).diagnostics.isEmpty)
    }

    @Test func hugeSingleFieldAndManyFields() {
        var big = Array("a,b\n".utf8)
        big += [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000)
        big += Array(",1\n".utf8)
        #expect(Self.parseCSV(big))
        let wide = Array(
            (String(repeating: "c,", count: 999_999) + "c\n" + String(repeating: "1,", count: 999_999) + "1\n").utf8)
        #expect(Self.parseCSV(wide))
    }

    /// Found by a 20,000-input campaign: `where null` after a `where` left a stale row selection and trapped.
    @Test func whereNullAfterWhereKeepsNothing() throws {
        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path)
        let source = SourceText(
            name: nil, text: "from customers | where revenue > 10 | where null | sort -revenue | take 3")
        let node = try #require(Parser.parse(source).statements.first)
        guard case .table(let table) = try engine.execute(node, source: source) else {
            Issue.record("expected a table")
            return
        }
        #expect(table.rowCount == 0)
    }

    /// Extreme values found by review: infinite bin widths, an infinite horizon, windows beyond Int32 days.
    @Test(arguments: [
        "from customers | derive v = if(revenue > 100, 1e308, -1e308) | histogram v",
        "from customers | derive c = clv_formula(horizon: 1e400) | take 1",
        "from customers | agg c = churn_rate(period: 36500000y)",
        "set churn_window = 36500000y",
        "from customers | derive d = last_order + 36500000y, r = round(revenue, 400) | take 1",
        "from orders | derive big = amount * 1e14, m = -9223372036854775807 - 1, r = m % -1 | take 1",
    ])
    func extremeValuesDoNotTrap(_ text: String) throws {
        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path)
        let source = SourceText(name: nil, text: text)
        let node = try #require(Parser.parse(source).statements.first)
        do {
            // Rendering is part of the path: huge numbers must format without trapping.
            if case .table(let table) = try engine.execute(node, source: source) {
                #expect(!TableRenderer.render(table, format: .csv).isEmpty)
            }
        } catch {
            #expect(error.line == 1)
        }
    }
}
