import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Random statements generated from the grammar — every step, operator, literal kind and catalogue function, and
/// the size extremes (long lists and chains, deep brackets, many steps) — over the shop example with a fitted
/// model. Oracles: nothing traps; an error has a location inside the statement; a result has exactly the columns
/// and types its plan said; the rewrite passes change no outcome. CHURNQL_FUZZ_ITERATIONS sets the count.
struct GrammarFuzzTests {
    struct Generator {
        var random: FuzzTests.Random
        let columns = [
            "customer_id", "revenue", "frequency", "orders", "days_since_last", "status", "first_order",
            "last_order", "purchase_cycle_days", "next_purchase", "is_new", "lifecycle", "region", "rep",
            "contact_overdue", "p_alive", "nope", "`odd name`",
        ]
        let literals = [
            "0", "1", "-1", "2.5", "1e3", "042", "\"lost\"", "\"North\"", "\"\"", "2024-01-01", "30d", "6mo", "null",
            "true", "false", "9223372036854775807", "$n", "$missing", "\"2024-02-30\"", "asof",
        ]
        let comparisons = ["==", "!=", "<", "<=", ">", ">="]

        mutating func expression(_ depth: Int) -> String {
            if depth <= 0 || random.below(4) == 0 {
                return random.below(2) == 0 ? random.pick(columns) : random.pick(literals)
            }
            switch random.below(10) {
            case 0:
                return expression(depth - 1) + " " + random.pick(comparisons) + " " + expression(depth - 1)
            case 1:
                let level = random.pick([["or"], ["and"], ["+", "-"], ["*", "/", "%"]])
                var chain = expression(depth - 1)
                for _ in 0..<random.below(5) + 1 { chain += " \(random.pick(level)) " + expression(depth - 1) }
                return "(" + chain + ")"
            case 2:
                let signature = random.pick(FunctionCatalog.all)
                let count = random.below(signature.parameters.count + 2)
                var arguments: [String] = []
                for index in 0..<count {
                    let named = index < signature.parameters.count && random.below(3) == 0
                    arguments.append((named ? signature.parameters[index].name + ": " : "") + expression(depth - 1))
                }
                return signature.name + "(" + arguments.joined(separator: ", ") + ")"
            case 3: return "not " + expression(depth - 1)
            case 4: return "-" + expression(depth - 1)
            case 5:
                return expression(depth - 1) + random.pick([" in (", " not in ("])
                    + (0..<random.below(4) + 1).map { _ in expression(0) }.joined(separator: ", ") + ")"
            case 6: return expression(depth - 1) + " between " + expression(0) + " and " + expression(0)
            case 7: return expression(depth - 1) + random.pick([" is null", " is not null"])
            case 8: return "(" + expression(depth - 1) + ")"
            default: return random.pick(["count()", "sum(revenue)", "churn_rate()", "avg(frequency)"])
            }
        }

        // Well-typed expressions over the customers table, so that most statements run to the end.
        let numbers = ["revenue", "frequency", "orders", "days_since_last", "purchase_cycle_days", "p_alive"]
        let texts = ["customer_id", "status", "region", "lifecycle", "rep"]

        mutating func number(_ depth: Int) -> String {
            if depth <= 0 || random.below(3) == 0 {
                return random.below(3) == 0 ? random.pick(["0", "1", "-2", "2.5", "$n", "1e3"]) : random.pick(numbers)
            }
            switch random.below(5) {
            case 0, 1:
                let level = random.pick([["+", "-"], ["*"], ["+", "-", "*"]])
                var chain = number(depth - 1)
                for _ in 0..<random.below(4) + 1 { chain += " \(random.pick(level)) " + number(depth - 1) }
                return "(" + chain + ")"
            case 2: return random.pick(["abs", "floor", "ceil"]) + "(" + number(depth - 1) + ")"
            case 3: return "round(" + number(depth - 1) + ", " + String(random.below(4)) + ")"
            default: return "coalesce(" + number(depth - 1) + ", 0)"
            }
        }

        mutating func condition(_ depth: Int) -> String {
            if depth <= 0 || random.below(3) == 0 {
                switch random.below(6) {
                case 0: return random.pick(texts) + " == " + random.pick(["\"lost\"", "\"North\"", "\"C00042\"", "42"])
                case 1:
                    return random.pick(texts) + " in ("
                        + (0..<random.below(5) + 1).map { _ in
                            random.pick(["\"active\"", "\"lost\"", "\"North\"", "7"])
                        }
                        .joined(separator: ", ") + ")"
                case 2: return random.pick(["is_new", "contact_overdue", "in_contract", "true"])
                case 3: return number(1) + " between " + number(0) + " and " + number(0)
                case 4: return random.pick(numbers + texts) + random.pick([" is null", " is not null"])
                default: return number(1) + " " + random.pick(comparisons) + " " + number(1)
                }
            }
            switch random.below(3) {
            case 0: return "not (" + condition(depth - 1) + ")"
            default:
                let op = random.pick(["and", "or"])
                var chain = "(" + condition(depth - 1) + ")"
                for _ in 0..<random.below(4) + 1 { chain += " \(op) (" + condition(depth - 1) + ")" }
                return chain
            }
        }

        mutating func aggregate() -> String {
            random.pick([
                "count()", "sum(\(random.pick(numbers)))", "avg(\(random.pick(numbers)))", "churn_rate()",
                "median(\(random.pick(numbers)))", "max(\(random.pick(texts)))",
                "count_distinct(\(random.pick(texts)))",
                "repeat_rate()", "retention_rate(period: 60d)", "percentile(revenue, 0.9)",
            ])
        }

        /// A step that is right for the customers table (and keeps its columns unless it ends the pipeline).
        mutating func goodStep() -> String {
            switch random.below(9) {
            case 0, 1: return "where " + (random.below(20) == 0 ? extreme() : condition(3))
            case 2: return "derive x\(random.below(3)) = " + number(3)
            case 3: return "sort " + random.pick(["", "-"]) + random.pick(numbers + texts) + ", customer_id"
            case 4: return "take " + random.pick(["0", "3", "$n", "99999999999", "500"])
            case 5: return "top " + String(random.below(9)) + " by " + number(2)
            case 6: return "join " + random.pick(["v", "customers_raw"]) + " on customer_id"
            case 7: return "rfm"
            default: return "where " + condition(2)
            }
        }

        /// A statement meant to run: well-typed steps over customers, ended by a narrowing step at times.
        mutating func goodStatement() -> String {
            var text = "from customers"
            let steps = random.below(30) == 0 ? 200 + random.below(800) : random.below(5) + 1
            for _ in 0..<steps { text += " | " + goodStep() }
            switch random.below(5) {
            case 0: text += " | group " + random.pick(texts) + " | agg n = count(), a = " + aggregate()
            case 1: text += " | agg a = " + aggregate() + ", b = " + aggregate()
            case 2: text += " | count"
            case 3: text += " | select customer_id, y = " + number(2)
            default: break
            }
            return text
        }

        /// A size extreme: a long list, a long chain of one operator, deep brackets.
        mutating func extreme() -> String {
            let n = 500 + random.below(3000)
            switch random.below(4) {
            case 0: return "customer_id in (" + (0..<n).map { "\"C\($0)\"" }.joined(separator: ", ") + ")"
            case 1:
                let op = random.pick(["or", "and"])
                return (0..<n).map { "revenue > \($0 % 97)" }.joined(separator: " \(op) ")
            case 2: return "revenue > " + (0..<n).map { _ in "1" }.joined(separator: " + ")
            default:
                let depth = 200 + random.below(60)
                return String(repeating: "(", count: depth) + "revenue > 1" + String(repeating: ")", count: depth)
            }
        }

        mutating func step() -> String {
            switch random.below(16) {
            case 0, 1: return "where " + (random.below(20) == 0 ? extreme() : expression(3))
            case 2: return "derive x = " + expression(3) + ", y = " + expression(1)
            case 3: return "select " + random.pick(columns) + ", z = " + expression(2)
            case 4: return "group " + random.pick(columns) + " | agg n = count(), s = " + expression(2)
            case 5: return "agg m = max(" + random.pick(columns) + "), c = " + expression(2)
            case 6: return "sort " + random.pick(["", "-"]) + random.pick(columns) + ", " + random.pick(columns)
            case 7: return "take " + random.pick(["0", "3", "$n", "99999999999", "$missing"])
            case 8: return "top " + String(random.below(5)) + " by " + expression(2)
            case 9: return "distinct " + random.pick(["", "status", "region, status", "nope"])
            case 10:
                return random.pick(["join", "join left", "join inner"]) + " "
                    + random.pick(["orders", "customers_raw", "contacts", "v", "nope"]) + " on "
                    + random.pick(["customer_id", "customer_id, region", "nope"])
            case 11: return "count"
            case 12: return "rfm"
            case 13: return "histogram " + expression(1) + random.pick(["", " bins 3", " bins 1"])
            default: return "derive " + random.pick(columns) + " = " + expression(2)
            }
        }

        mutating func statement() -> String {
            let source = random.pick(["customers", "customers", "orders", "v", "contacts", "customers_raw", "nope"])
            var text = "from " + source
            let steps = random.below(30) == 0 ? 200 + random.below(800) : random.below(5) + 1
            for _ in 0..<steps { text += " | " + step() }
            return text
        }
    }

    static func engine() throws -> Engine {
        let engine = Engine()
        for file in ["orders.csv", "customers.csv", "contacts.csv", "contracts.csv"] {
            _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/\(file)").path)
        }
        _ = try MetricsTests.run(engine, "fit bgnbd")
        _ = try MetricsTests.run(engine, "fit gammagamma")
        _ = try MetricsTests.run(engine, "param n = 4")
        _ = try MetricsTests.run(engine, "let v = from customers | where revenue > 100 | select customer_id, region")
        return engine
    }

    typealias Outcome = RewriteTests.Outcome

    @Test("random statements from the grammar", arguments: [11, 12, 13, 14] as [UInt64])
    func statements(seed: UInt64) throws {
        let engine = try Self.engine()
        var generator = Generator(random: FuzzTests.Random(state: seed))
        for _ in 0..<FuzzTests.iterations / 2 {
            let text = generator.random.below(10) < 7 ? generator.goodStatement() : generator.statement()
            let (outcome, plan) = RewriteTests.outcome(engine, text, passes: Rewriter.passes)
            switch outcome {
            case .error(let code, let message, let line, let column):
                #expect(!message.isEmpty && !code.isEmpty, "\(text)")
                // Parse errors are reported by the parser with their own location; others point into the text.
                if code != "parse" {
                    #expect(
                        line == 1 && column >= 1 && column <= text.utf8.count + 1,
                        "\(code) at \(line):\(column): \(text)")
                }
            case .rows(let names, let types, _):
                let schema = try #require(plan).plan.schema
                #expect(schema.names == names, "\(text)")
                #expect(schema.columns.map(\.type) == types, "\(text)")
            }
            let (plain, _) = RewriteTests.outcome(engine, text, passes: [])
            #expect(plain == outcome, "rewrites changed the outcome of \(text)")
            if let plan { #expect(!PlanPrinter.render(plan).isEmpty) }
        }
    }
}
