import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Chains of one precedence level are one `.chain` node, compiled without a closure per operator; constant
/// `in (…)` lists are one hashed lookup. Answers are checked against left folds written here in plain Swift.
struct ChainTests {
    static func parse(_ text: String) throws -> ChurnQLSyntax.Expression {
        let (expression, diagnostics) = Parser.parseExpression(SourceText(name: nil, text: text))
        #expect(diagnostics.isEmpty, "\(diagnostics.map(\.message))")
        return try #require(expression)
    }

    @Test(
        "a chain of n operands is one node whose operands keep their spans",
        arguments: ["or", "and", "+", "-", "*", "/", "%"], [1, 2, 3, 100_000])
    func chainShape(_ op: String, _ count: Int) throws {
        let names = (0..<count).map { "c\($0 % 7)" }
        let text = names.joined(separator: " \(op) ")
        let expression = try Self.parse(text)
        var operands: [ChurnQLSyntax.Expression] = []
        switch expression {
        case .column: operands = [expression]
        case .binary(let found, let left, let right, _):
            #expect(found.rawValue == op)
            operands = [left, right]
        case .chain(let first, let links, _):
            #expect(links.allSatisfy { $0.op.rawValue == op })
            operands = [first] + links.map { $0.operand }
        default: Issue.record("unexpected node for \(op) × \(count)")
        }
        #expect(operands.count == count)
        #expect(count < 3 || { if case .chain = expression { true } else { false } }())
        // Each operand's span is where its name was written.
        var offset = 0
        for (operand, name) in zip(operands, names) {
            #expect(operand == .column(name, operand.span))
            #expect(operand.span.start == offset)
            offset += name.utf8.count + op.utf8.count + 2
        }
        #expect(expression.span.start == 0 && expression.span.end == text.utf8.count)
    }

    /// Prefix S-expression of the left fold a chain stands for.
    static func render(_ e: ChurnQLSyntax.Expression) -> String {
        switch e {
        case .column(let name, _): return name
        case .binary(let op, let l, let r, _): return "(\(op.rawValue) \(render(l)) \(render(r)))"
        case .chain(let first, let links, _):
            return links.reduce(render(first)) { "(\($1.op.rawValue) \($0) \(render($1.operand)))" }
        case .unary(let op, let inner, _): return "(\(op.rawValue) \(render(inner)))"
        default: return "?"
        }
    }

    @Test(
        "precedence and left association are kept",
        arguments: [
            ("a + b * c + d", "(+ (+ a (* b c)) d)"),
            ("a - b + c - d", "(- (+ (- a b) c) d)"),
            ("a * b / c % d * e", "(* (% (/ (* a b) c) d) e)"),
            ("a or b and c or d", "(or (or a (and b c)) d)"),
            ("a and b and not c and d", "(and (and (and a b) (not c)) d)"),
            ("a + (b + c) + d", "(+ (+ a (+ b c)) d)"),
            ("-a * b * c", "(* (* (- a) b) c)"),
        ])
    func precedence(_ text: String, _ expected: String) throws {
        #expect(Self.render(try Self.parse(text)) == expected)
    }

    @Test func bracketsAroundALongChainStillCountOnlyBrackets() {
        let chain = Array(repeating: "x", count: 100_000).joined(separator: " + ")
        let wrap = { (n: Int) in String(repeating: "(", count: n) + chain + String(repeating: ")", count: n) }
        #expect(Parser.parseExpression(SourceText(name: nil, text: wrap(255))).1.isEmpty)
        let tooDeep = Parser.parseExpression(SourceText(name: nil, text: wrap(256))).1
        #expect(tooDeep.contains { $0.message.contains("nested too deeply") })
    }
}

/// Compiled chains against a left fold in Swift over random columns with nulls and values near the 64-bit edge.
struct ChainDifferentialTests {
    static let rows = 400

    struct Data {
        var integers: [[Int64?]] = []
        var decimals: [[Double?]] = []
        var booleans: [[Bool?]] = []
        var table: Table
    }

    static func data(seed: UInt64) -> Data {
        var random = FuzzTests.Random(state: seed)
        func maybe<T>(_ value: T) -> T? { random.next() % 8 == 0 ? nil : value }
        let edges: [Int64] = [.max, .min, .max / 2, .min / 3, 3_037_000_500]
        func integer() -> Int64 {
            random.next() % 10 == 0
                ? edges[Int(random.next() % UInt64(edges.count))] : Int64(bitPattern: random.next() % 201) - 100
        }
        let integers = (0..<3).map { _ in (0..<rows).map { _ in maybe(integer()) } }
        let decimals = (0..<2).map { _ in (0..<rows).map { _ in maybe(Double(Int(random.next() % 2001) - 1000) / 8) } }
        let booleans = (0..<3).map { _ in (0..<rows).map { _ in maybe(random.next() % 2 == 0) } }
        func nulls<T>(_ values: [T?]) -> [Bool]? { values.contains { $0 == nil } ? values.map { $0 == nil } : nil }
        var columns: [Column] = []
        for (i, v) in integers.enumerated() {
            columns.append(Column(name: "i\(i)", storage: .integer(v.map { $0 ?? 0 }), nulls: nulls(v)))
        }
        for (i, v) in decimals.enumerated() {
            columns.append(Column(name: "d\(i)", storage: .decimal(v.map { $0 ?? 0 }), nulls: nulls(v)))
        }
        for (i, v) in booleans.enumerated() {
            columns.append(Column(name: "b\(i)", storage: .boolean(v.map { $0 ?? false }), nulls: nulls(v)))
        }
        return Data(
            integers: integers, decimals: decimals, booleans: booleans, table: Table(name: "t", columns: columns))
    }

    static func compile(_ text: String, _ table: Table) throws -> (Vector, EvaluationFaults) {
        let source = SourceText(name: nil, text: text)
        let expression = try #require(Parser.parseExpression(source).0)
        let context = CompileContext(table: table, source: source, asof: nil, parameters: [:])
        return (try ExpressionCompiler.compile(expression, context), context.faults)
    }

    @Test("and / or chains equal a Kleene left fold", arguments: [1, 2, 3] as [UInt64], [3, 5, 1_000])
    func logic(seed: UInt64, length: Int) throws {
        let data = Self.data(seed: seed)
        var random = FuzzTests.Random(state: seed &* 31)
        for op in ["and", "or"] {
            let picks = (0..<length).map { _ in Int(random.next() % 3) }
            let (vector, _) = try Self.compile(picks.map { "b\($0)" }.joined(separator: " \(op) "), data.table)
            for row in 0..<Self.rows {
                let values = picks.map { data.booleans[$0][row] }
                let expected = values.dropFirst().reduce(values[0]) { a, b -> Bool? in
                    if op == "and" { return a == false || b == false ? false : (a == nil || b == nil ? nil : true) }
                    return a == true || b == true ? true : (a == nil || b == nil ? nil : false)
                }
                #expect(vector.value(row) == (expected.map(Value.boolean) ?? .null), "\(op) row \(row)")
            }
        }
    }

    /// Integer `+ - * %` and decimal `/` in one chain: an integer while only integers meet `+ - * %`, then a
    /// decimal; an overflow gives null and the first one is reported with its operands.
    @Test("arithmetic chains equal a checked left fold", arguments: [1, 2, 3, 4, 5] as [UInt64], [3, 6, 1_000])
    func arithmetic(seed: UInt64, length: Int) throws {
        let data = Self.data(seed: seed)
        var random = FuzzTests.Random(state: seed &* 131 &+ UInt64(length))
        // Chains of one operator, then of one precedence level mixed, with decimals part way.
        for ops in [["+"], ["-"], ["*"], ["%"], ["+", "-"], ["*", "/", "%"]] {
            let mixed = ops.count > 1
            let operands = (0..<length).map { i in
                mixed && random.next() % 5 == 0 ? "d\(random.next() % 2)" : "i\(random.next() % 3)"
            }
            let linkOps = (1..<length).map { _ in ops[Int(random.next() % UInt64(ops.count))] }
            var text = operands[0]
            for (op, operand) in zip(linkOps, operands.dropFirst()) { text += " \(op) \(operand)" }
            let (vector, faults) = try Self.compile(text, data.table)
            var firstOverflow: String?
            for row in 0..<Self.rows {
                let expected = Self.reference(operands, linkOps, data, row, &firstOverflow)
                #expect(vector.value(row) == expected, "\(text.prefix(80)) row \(row)")
            }
            #expect(faults.first?.message.contains(firstOverflow ?? "no overflow") ?? (firstOverflow == nil))
            #expect((faults.first == nil) == (firstOverflow == nil))
        }
    }

    enum Number { case integer(Int64), decimal(Double) }

    static func reference(
        _ operands: [String], _ ops: [String], _ data: Data, _ row: Int, _ firstOverflow: inout String?
    ) -> Value {
        func value(_ name: String) -> Number? {
            let index = Int(name.dropFirst()) ?? 0
            if name.hasPrefix("i") { return data.integers[index][row].map(Number.integer) }
            return data.decimals[index][row].map(Number.decimal)
        }
        guard var total = value(operands[0]) else { return .null }
        for (op, operand) in zip(ops, operands.dropFirst()) {
            guard let next = value(operand) else { return .null }
            switch (total, next) {
            case (.integer(let a), .integer(let b)) where op != "/":
                if op == "%" {
                    guard b != 0 else { return .null }
                    total = .integer(a.remainderReportingOverflow(dividingBy: b).partialValue)
                    continue
                }
                let (result, overflow) =
                    op == "+"
                    ? a.addingReportingOverflow(b)
                    : op == "-" ? a.subtractingReportingOverflow(b) : a.multipliedReportingOverflow(by: b)
                if overflow {
                    if firstOverflow == nil { firstOverflow = "\(a) \(op) \(b) is beyond" }
                    return .null
                }
                total = .integer(result)
            default:
                func double(_ n: Number) -> Double {
                    switch n {
                    case .integer(let v): return Double(v)
                    case .decimal(let v): return v
                    }
                }
                let (a, b) = (double(total), double(next))
                switch op {
                case "+": total = .decimal(a + b)
                case "-": total = .decimal(a - b)
                case "*": total = .decimal(a * b)
                case "/":
                    guard b != 0 else { return .null }
                    total = .decimal(a / b)
                default:
                    guard b != 0 else { return .null }
                    total = .decimal(a.truncatingRemainder(dividingBy: b))
                }
            }
        }
        switch total {
        case .integer(let v): return .integer(v)
        case .decimal(let v): return .decimal(v)
        }
    }
}

/// 100,000-term chains and a 100,000-value list through the binary: an answer, not a stack overflow.
struct LongChainBinaryTests {
    @Test func hundredThousandTermsAnswer() throws {
        let directory = try OptionsAndScriptsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let amounts = [5, 99_999, 100_000, 42, -1, 7]
        var csv = "customer_id,order_date,amount\n"
        for (i, amount) in amounts.enumerated() { csv += "c\(i),2024-01-0\(i + 1),\(amount)\n" }
        try csv.write(to: directory.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        let n = 100_000
        let list = (0..<n).map { String($0 * 2 + 1) }.joined(separator: ", ")
        let ors = (0..<n).map { "amount == \($0 * 2 + 1)" }.joined(separator: " or ")
        let ands = Array(repeating: "amount > 0", count: n).joined(separator: " and ")
        let sum = Array(repeating: "amount", count: n).joined(separator: " + ")
        let product = Array(repeating: "1", count: n).joined(separator: " * ")
        let script = [
            "from orders | where amount in (\(list)) | count",
            "from orders | where \(ors) | count",
            "from orders | where \(ands) | count",
            "from orders | derive s = \(sum) | derive p = amount * \(product) | agg s = sum(s), p = sum(p)",
        ]
        try (script.joined(separator: "\n") + "\n").write(
            to: directory.appendingPathComponent("q.cql"), atomically: true, encoding: .utf8)
        let r = try ChurnQLBinary.run(
            ["orders.csv", "--quiet", "--format", "csv", "-f", "q.cql"], in: directory, hangGuard: 300)
        #expect(r.status == 0, "\(r.stderr)")
        let odd = amounts.filter { $0 > 0 && $0 < 2 * n && $0 % 2 == 1 }.count
        let positive = amounts.filter { $0 > 0 }.count
        let total = amounts.reduce(0, +)
        #expect(r.stdout == "n\n\(odd)\nn\n\(odd)\nn\n\(positive)\ns,p\n\(total * n),\(total)\n")
    }
}

/// Constant `in (…)` lists as one set lookup, against `x == a or x == b or …` worked out here.
struct ConstantMembershipTests {
    static func evaluate(_ text: String, _ table: Table) throws -> [Value] {
        let (vector, _) = try ChainDifferentialTests.compile(text, table)
        return (0..<ChainDifferentialTests.rows).map { vector.value($0) }
    }

    static func expected<T: Equatable>(_ subject: [T?], _ items: [T], negated: Bool) -> [Value] {
        subject.map { value in value.map { .boolean(items.contains($0) != negated) } ?? .null }
    }

    @Test("integer, decimal and boolean lists", arguments: [1, 2, 3] as [UInt64])
    func numbers(seed: UInt64) throws {
        let data = ChainDifferentialTests.data(seed: seed)
        var random = FuzzTests.Random(state: seed &* 7)
        let integers = (0..<50).map { _ in Int64(random.below(201)) - 100 } + [.max, .min + 1]
        let decimals = (0..<50).map { _ in Double(random.below(2001) - 1000) / 8 }
        let written = { (v: Int64) in v < 0 ? "-\(v.magnitude)" : "\(v)" }
        for negated in [false, true] {
            let keyword = negated ? "not in" : "in"
            let integerList = integers.map(written).joined(separator: ", ")
            #expect(
                try Self.evaluate("i0 \(keyword) (\(integerList))", data.table)
                    == Self.expected(data.integers[0], integers, negated: negated))
            // Integers against decimals compare as decimals, as `==` does.
            let mixed = decimals.map { "\($0)" } + integers.prefix(10).map(written)
            let mixedValues = decimals + integers.prefix(10).map(Double.init)
            #expect(
                try Self.evaluate("d0 \(keyword) (\(mixed.joined(separator: ", ")))", data.table)
                    == Self.expected(data.decimals[0], mixedValues, negated: negated))
            #expect(
                try Self.evaluate("i1 \(keyword) (\(mixed.joined(separator: ", ")))", data.table)
                    == Self.expected(data.integers[1].map { $0.map(Double.init) }, mixedValues, negated: negated))
            #expect(
                try Self.evaluate("b0 \(keyword) (true)", data.table)
                    == Self.expected(data.booleans[0], [true], negated: negated))
        }
    }

    @Test func datesIncludingTextWrittenAsDates() throws {
        let days: [Int32?] = [0, 10, nil, 20, 30]
        let table = Table(
            name: "t",
            columns: [Column(name: "d", storage: .date(days.map { $0 ?? 0 }), nulls: days.map { $0 == nil })])
        let list = [Dates.format(10), Dates.format(30)]
        let (vector, _) = try ChainDifferentialTests.compile("d in (\(list[0]), \"\(list[1])\")", table)
        #expect((0..<days.count).map { vector.value($0) } == Self.expected(days, [10, 30], negated: false))
    }

    /// A null item or subject keeps the comparisons' answer: null unless an item matches.
    @Test func nullsAnswerAsTheComparisonsDo() throws {
        let data = ChainDifferentialTests.data(seed: 9)
        let withNull = try Self.evaluate("i0 in (1, null, 2)", data.table)
        let expected: [Value] = data.integers[0].map { v in v == 1 || v == 2 ? .boolean(true) : .null }
        #expect(withNull == expected)
        #expect(try Self.evaluate("null in (1, 2)", data.table).allSatisfy { $0 == .null })
    }
}

/// Chains of pairwise operators (dates and durations, text) longer than a stage run in stages, with the answers
/// and the located faults of the operator-by-operator fold.
struct StagedChainTests {
    @Test(arguments: [10, 255, 256, 257, 1_000, 5_000])
    func longDateAndTextChains(length: Int) throws {
        let engine = try MetricsTests.engine()
        let days = String(repeating: " + 1d", count: length)
        let back = String(repeating: " + 2d - 1d", count: length)
        let text = String(repeating: " + \"ab\"", count: length)
        let table = try #require(
            try MetricsTests.run(
                engine,
                "from customers | where customer_id == \"A\" | select d = first_order\(days), b = first_order\(back), "
                    + "t = customer_id\(text), f = first_order"))
        let first = table.columns[3].value(at: 0)
        guard case .date(let day) = first else {
            Issue.record("first_order is not a date: \(first)")
            return
        }
        #expect(table.columns[0].value(at: 0) == .date(day + Int32(length)))
        #expect(table.columns[1].value(at: 0) == .date(day + Int32(length)))
        #expect(table.columns[2].value(at: 0) == .text("A" + String(repeating: "ab", count: length)))
    }

    @Test func aFaultInALaterStageIsLocatedAtItsOperator() throws {
        let engine = try MetricsTests.engine()
        // 9999-12-01 + 30 days is the last day; the 31st '+ 1d' (in the second stage of 256 if the chain is
        // preceded by 300 '+ 0d' steps) leaves the calendar.
        let text =
            "from customers | take 1 | select d = 9999-12-01" + String(repeating: " + 0d + 1d - 1d", count: 100)
            + String(repeating: " + 1d", count: 31)
        let error = #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, text) }
        #expect(error?.code == "date-out-of-range")
        #expect(error?.message.contains("9999-12-31 + 1d") == true)
    }
}
