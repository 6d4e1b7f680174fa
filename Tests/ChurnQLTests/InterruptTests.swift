import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax
import Synchronization
import Testing

@testable import ChurnQLEngine

/// Ctrl-C inside long operators, without timers: the engine's interrupt is a counter that answers "stop" from
/// its N-th question on. A query interrupted part way gives "interrupted", and the session then answers as a
/// fresh one; the number of questions an operator asks grows with its rows (the check is inside its loops).
struct InterruptTests {
    /// Counts the engine's checks; from check `tripAt` on (1-based) it asks to stop.
    final class Counter: Sendable {
        let checks = Atomic<Int>(0)
        let tripAt: Int

        init(tripAt: Int = .max) { self.tripAt = tripAt }

        var interrupt: Interrupt {
            Interrupt { [self] in checks.wrappingAdd(1, ordering: .relaxed).newValue >= tripAt }
        }
        var count: Int { checks.load(ordering: .relaxed) }
    }

    /// A statement under test: `setup` runs first (uninterrupted), then `statement`.
    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var setup: [String] = []
        var statement: String
        var description: String { name }
    }

    static let cases = [
        Case(name: "filter", statement: "from orders | where amount > 50 | count"),
        Case(name: "derive", statement: "from orders | derive x = amount * 2 + 1 | agg s = sum(x)"),
        Case(name: "text derive", statement: "from orders | derive t = upper(customer_id) | count"),
        Case(
            name: "group agg", statement: "from orders | group customer_id | agg n = count(), s = sum(amount) | count"),
        Case(name: "group by order", statement: "from orders | group order_id | agg m = max(amount) | count"),
        Case(name: "distinct", statement: "from orders | distinct customer_id | count"),
        Case(name: "sort all", statement: "from orders | sort amount, order_id | take 150000 | agg s = sum(order_id)"),
        Case(name: "sort text", statement: "from orders | sort -customer_id | take 100000 | agg n = count()"),
        Case(name: "top n", statement: "from orders | sort -amount | take 5"),
        Case(
            name: "self join", setup: ["let per = from orders | group customer_id | agg n = count()"],
            statement: "from orders | join per on customer_id | agg s = sum(n)"),
        Case(name: "histogram", statement: "from orders | histogram amount bins 20"),
        Case(name: "customers", statement: "from customers | group status | agg n = count() | sort status"),
        Case(name: "rfm", setup: ["from customers | count"], statement: "from customers | rfm | group segment | count"),
        Case(name: "churn", statement: "churn monthly"),
        Case(name: "cohort", statement: "cohort monthly"),
        Case(name: "survival", statement: "survival"),
        Case(name: "fit", statement: "fit bgnbd"),
        Case(name: "evaluate", setup: ["fit bgnbd until 2021-06-30"], statement: "evaluate"),
    ]

    /// `rows` orders of `rows / 3` customers over 2020–2021, the same for the same count.
    static func orders(_ rows: Int) -> Table {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        let customers = Swift.max(1, rows / 3)
        let dictionary = (0..<customers).map { "C" + String(100_000_000 + $0).dropFirst() }
        var codes: [Int32] = []
        var days: [Int32] = []
        var amounts: [Double] = []
        for _ in 0..<rows {
            codes.append(Int32(next(customers)))
            days.append(Int32(18_262 + next(730)))
            amounts.append(Double(next(20_000)) / 100)
        }
        return Table(
            name: "orders",
            columns: [
                Column(name: "order_id", storage: .integer((0..<rows).map { Int64($0 + 1) })),
                Column(name: "customer_id", storage: .text(codes: codes, dictionary: dictionary)),
                Column(name: "order_date", storage: .date(days)),
                Column(name: "amount", storage: .decimal(amounts)),
            ])
    }

    static func engine(_ orders: Table, setup: [String]) throws -> Engine {
        let engine = Engine()
        engine.catalog.put(orders)
        try engine.detectRoles()
        for statement in setup { _ = try run(engine, statement) }
        return engine
    }

    static func run(_ engine: Engine, _ text: String) throws -> StatementResult {
        try InternalQueryTests.execute(engine, text)
    }

    /// Every value of every table a result holds, and its notes, as text to compare.
    static func answer(_ result: StatementResult) -> [String] {
        func cells(_ table: Table) -> [String] {
            [table.columnNames.joined(separator: ",")]
                + (0..<table.rowCount).map { row in table.columns.map { "\($0.value(at: row))" }.joined(separator: ",")
                }
        }
        switch result {
        case .table(let table): return cells(table)
        case .cohort(let long, _): return cells(long)
        case .report(let parts, let notes, _): return parts.flatMap { [$0.title] + cells($0.table) } + notes
        case .notes(let lines): return lines
        case .text(let text): return [text]
        default: return ["\(result)"]
        }
    }

    /// Checks one statement makes on a fresh engine over `rows` orders.
    static func checks(_ test: Case, rows: Int) throws -> Int {
        let engine = try engine(orders(rows), setup: test.setup)
        let counter = Counter()
        engine.interrupt = counter.interrupt
        _ = try run(engine, test.statement)
        return counter.count
    }

    @Test("an interrupted operator stops with 'interrupted' and the session answers as a fresh one", arguments: cases)
    func interruptedThenFresh(test: Case) throws {
        let data = Self.orders(200_000)
        let total = try Self.checks(test, rows: 200_000)
        let fresh = try Self.answer(Self.run(Self.engine(data, setup: test.setup), test.statement))
        for tripAt in [1, total / 2, total - 1] where tripAt >= 1 {
            let engine = try Self.engine(data, setup: test.setup)
            let counter = Counter(tripAt: tripAt)
            engine.interrupt = counter.interrupt
            #expect(throws: Diagnostic.self, "\(test.name), stop at check \(tripAt) of \(total)") {
                do {
                    _ = try Self.run(engine, test.statement)
                } catch let error as Diagnostic {
                    #expect(error.code == "interrupted", "\(test.name): \(error.message)")
                    throw error
                }
            }
            engine.interrupt = Interrupt { false }
            let again = try Self.answer(Self.run(engine, test.statement))
            #expect(again == fresh, "\(test.name): the answer after the interrupt differs from a fresh session's")
        }
    }

    /// Operators over rows (not fits, whose checks follow iterations) ask more often on more rows: the check sits
    /// inside their loops, not only between the query's steps.
    @Test("checks grow with the rows", arguments: cases.filter { !["fit", "evaluate"].contains($0.name) })
    func checksGrowWithRows(test: Case) throws {
        let small = try Self.checks(test, rows: 80_000)
        let large = try Self.checks(test, rows: 300_000)
        #expect(large >= small + 3, "\(test.name): \(small) checks on 80,000 orders, \(large) on 300,000")
    }

    /// A fit asks at every optimiser iteration: stopped there, no model is kept and the next statements answer as
    /// in a session that never fitted.
    @Test func interruptedFitKeepsNoModel() throws {
        let data = Self.orders(30_000)
        let engine = try Self.engine(data, setup: [])
        let counter = Counter(tripAt: 5)
        engine.interrupt = counter.interrupt
        #expect(throws: Diagnostic.self) { _ = try Self.run(engine, "fit paretonbd") }
        engine.interrupt = Interrupt { false }
        let fresh = try Self.engine(data, setup: [])
        for probe in ["from customers | sort customer_id | take 3", "from customers | agg n = count()"] {
            #expect(try Self.answer(Self.run(engine, probe)) == Self.answer(Self.run(fresh, probe)))
        }
        #expect(throws: Diagnostic.self) { _ = try Self.run(engine, "evaluate") }
    }

    /// An interrupt raised on one thread is seen on another at once (the shell's signal handler and the workers).
    @Test func flagIsSharedAcrossThreads() async {
        let flag = InterruptFlag()
        #expect(!flag.isRaised)
        await Task.detached { flag.raise() }.value
        #expect(flag.isRaised)
        let interrupt = Interrupt { flag.isRaised }
        let seen = await Task.detached { interrupt.isRequested }.value
        #expect(seen)
        flag.clear()
        #expect(!interrupt.isRequested)
    }
}
