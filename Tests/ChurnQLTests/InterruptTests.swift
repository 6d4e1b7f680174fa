import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Synchronization
import Testing

@testable import ChurnQLEngine
@testable import ChurnQLMetrics

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
        Case(name: "median", statement: "from orders | group customer_id | agg m = median(amount) | count"),
        Case(
            name: "one group",
            statement:
                "from orders | agg m = median(amount), x = max(amount), t = max(customer_id), d = count_distinct(customer_id), s = stddev(amount)"
        ),
        Case(name: "computed key", statement: "from customers | group year(first_order) | agg n = count()"),
        Case(name: "selected top n", statement: "from orders | where amount > 1 | sort amount | take 10"),
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

    /// The customers table stopped at every one of its checks in turn: the session then answers as a fresh one (a
    /// stop inside `last`, asked for while `status` was made, once left a `status` made from zeros in the cache).
    @Test func customersStoppedAtEveryCheckThenFresh() throws {
        let test = try #require(Self.cases.first { $0.name == "customers" })
        let data = Self.orders(200_000)
        let total = try Self.checks(test, rows: 200_000)
        let fresh = try Self.answer(Self.run(Self.engine(data, setup: test.setup), test.statement))
        for tripAt in 1..<total {
            let engine = try Self.engine(data, setup: test.setup)
            engine.interrupt = Counter(tripAt: tripAt).interrupt
            #expect(throws: Diagnostic.self, "stop at check \(tripAt) of \(total)") {
                _ = try Self.run(engine, test.statement)
            }
            engine.interrupt = Interrupt { false }
            #expect(try Self.answer(Self.run(engine, test.statement)) == fresh, "stop at check \(tripAt) of \(total)")
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

    // The loops below ask through a `StopCheck` (or `Interrupt.current`) handed to them: each test counts the
    // checks one loop makes on a small and a large input (they grow only if the check sits inside the loop), and
    // stops it part way.

    static func stop(_ counter: Counter) -> StopCheck { StopCheck(interrupt: counter.interrupt) }

    /// Checks `body` makes on each of two sizes.
    static func checks(_ sizes: (Int, Int), _ body: (Int, StopCheck) throws -> Void) rethrows -> (Int, Int) {
        let small = Counter()
        try body(sizes.0, stop(small))
        let large = Counter()
        try body(sizes.1, stop(large))
        return (small.count, large.count)
    }

    /// Keys spread too widely for a slot per value, repeating, in a fixed pseudo-random order.
    static func wideKeys(_ n: Int) -> [Int64] {
        (0..<n).map { Int64(($0 * 7_919) % (n / 2 + 1)) * 1_000_003 }
    }

    @Test func integerNumberingGrowsInCheckedChunks() throws {
        func fill(_ n: Int) throws -> IntegerNumbering {
            var numbering = IntegerNumbering()
            try numbering.reserve(n, stop: StopCheck(interrupt: nil))
            for i in 0..<n { _ = numbering.id(Int64(i) * 1_000_003, row: i) }
            return numbering
        }
        let (small, large) = try Self.checks((100_000, 400_000)) { n, stop in
            var numbering = try fill(n)
            try numbering.reserve(n, stop: stop)
        }
        // Moving the keys and growing the two lists each ask ~5 more times on the larger table.
        #expect(large >= small + 12, "\(small) checks growing 100,000 keys, \(large) growing 400,000")
        // Stopped part way, the table is the one before: every key keeps its id.
        var numbering = try fill(100_000)
        #expect(throws: Diagnostic.self) { try numbering.reserve(100_000, stop: Self.stop(Counter(tripAt: 3))) }
        #expect((0..<100_000).allSatisfy { numbering.id(Int64($0) * 1_000_003, row: -1) == Int32($0) })
    }

    @Test func integerNumberingMatchesFirstAppearance() throws {
        let keys = Self.wideKeys(300_000)
        var numbering = IntegerNumbering()
        var ids: [Int32] = []
        for start in stride(from: 0, to: keys.count, by: Interrupt.stride) {
            let end = Swift.min(start + Interrupt.stride, keys.count)
            try numbering.reserve(end - start, stop: StopCheck(interrupt: nil))
            for row in start..<end { ids.append(numbering.id(keys[row], row: row)) }
        }
        var expected: [Int64: Int32] = [:]
        var firstRows: [Int] = []
        for (row, key) in keys.enumerated() where expected[key] == nil {
            expected[key] = Int32(firstRows.count)
            firstRows.append(row)
        }
        #expect(ids == keys.map { expected[$0] ?? -1 })
        #expect(numbering.firstRows == firstRows)
    }

    @Test func memberListIsMadeInCheckedChunksAndKeptOnlyWhole() throws {
        func groups(_ rows: Int) -> GroupIndex {
            GroupIndex.build(keys: [Column(name: "g", storage: .integer(Self.wideKeys(rows)))], rows: rows)
        }
        let (small, large) = try Self.checks((100_000, 400_000)) { rows, stop in
            try groups(rows).prepareMembers(stop: stop)
        }
        #expect(large >= small + 3, "\(small) checks on 100,000 rows, \(large) on 400,000")
        let index = groups(200_000)
        #expect(throws: Diagnostic.self) { try index.prepareMembers(stop: Self.stop(Counter(tripAt: 2))) }
        // Nothing partial was kept: the list is made afresh, group after group, rows ascending within each.
        let keys = Self.wideKeys(200_000)
        var firstOfKey: [Int64: Int] = [:]
        for (row, key) in keys.enumerated() where firstOfKey[key] == nil { firstOfKey[key] = row }
        let expected = (0..<keys.count).sorted { a, b in
            let (fa, fb) = (firstOfKey[keys[a]] ?? 0, firstOfKey[keys[b]] ?? 0)
            return fa != fb ? fa < fb : a < b
        }
        #expect(index.members == expected)
    }

    @Test func groupSizesAndComputedKeysAreCountedInCheckedChunks() throws {
        let (small, large) = try Self.checks((100_000, 400_000)) { rows, stop in
            _ = try GroupIndex.build(integer: { Int64($0 % 37) }, rows: rows, stop: stop)
        }
        // The range pass, the numbering pass and the size count each ask 5 more times on the larger input.
        #expect(large >= small + 12, "\(small) checks on 100,000 rows, \(large) on 400,000")
        #expect(throws: Diagnostic.self) {
            _ = try GroupIndex.build(integer: { Int64($0 % 37) }, rows: 200_000, stop: Self.stop(Counter(tripAt: 5)))
        }
        let built = try #require(try GroupIndex.build(integer: { $0 % 5 == 0 ? nil : Int64($0 % 37) }, rows: 1_000))
        let column = Column(
            name: "k", storage: .integer((0..<1_000).map { Int64($0 % 37) }),
            nulls: (0..<1_000).map { $0 % 5 == 0 })
        let reference = GroupIndex.build(keys: [column], rows: 1_000)
        #expect(built.groupOf == reference.groupOf)
        #expect(built.offsets == reference.offsets)
    }

    @Test func oneLargeGroupIsReadInCheckedChunks() {
        let value = { (row: Int) -> Double? in row % 11 == 0 ? nil : Double(row % 97) }
        let (small, large) = Self.checks((100_000, 400_000)) { rows, stop in
            _ = GroupRows.numbers(ArraySlice(0..<rows), value, stop)
        }
        #expect(large >= small + 3, "\(small) checks in a group of 100,000 rows, \(large) in 400,000")
        #expect(
            GroupRows.numbers(ArraySlice(0..<200_000), value, Self.stop(Counter())) == (0..<200_000).compactMap(value))
        #expect(GroupRows.numbers(ArraySlice(0..<200_000), value, Self.stop(Counter(tripAt: 2))) == nil)
        var seen = 0
        #expect(!GroupRows.each(ArraySlice(0..<200_000), Self.stop(Counter(tripAt: 2))) { _ in seen += 1 })
        #expect(seen < 200_000)
    }

    @Test func valueSortChecksAndSortsAsSorted() {
        func values(_ n: Int) -> [Double] { (0..<n).map { Double(($0 * 7_919) % 10_007) / 7 } }
        let (small, large) = Self.checks((100_000, 400_000)) { n, stop in
            var xs = values(n)
            _ = Sorting.sortUnlessStopped(&xs, stop)
        }
        #expect(large >= small + 3, "\(small) checks sorting 100,000 values, \(large) sorting 400,000")
        var xs = values(300_000)
        #expect(Sorting.sortUnlessStopped(&xs, Self.stop(Counter())))
        #expect(xs == values(300_000).sorted())
        var stopped = values(300_000)
        #expect(!Sorting.sortUnlessStopped(&stopped, Self.stop(Counter(tripAt: 4))))
    }

    @Test func selectedTopRowsCheck() {
        func column(_ n: Int) -> Column {
            Column(name: "v", storage: .decimal((0..<n).map { Double(($0 * 7_919) % 10_007) }))
        }
        let (small, large) = Self.checks((200_000, 800_000)) { n, stop in
            _ = SelectedTopRows.positions(
                [column(n)], descending: [false], limit: 10, of: Array(stride(from: 0, to: n, by: 2)), stop: stop)
        }
        #expect(large >= small + 3, "\(small) checks over 100,000 selected rows, \(large) over 400,000")
        let values = column(200_000)
        let selection = Array(stride(from: 0, to: 200_000, by: 2))
        let top = SelectedTopRows.positions(
            [values], descending: [false], limit: 10, of: selection, stop: Self.stop(Counter()))
        let expected = selection.indices.sorted { a, b in
            let (va, vb) = (values.value(at: selection[a]), values.value(at: selection[b]))
            let c = ValueOrdering.compare(va, vb)
            return c != 0 ? c < 0 : a < b
        }
        #expect(top == Array(expected.prefix(10)))
    }

    /// evaluate's passes over every customer (Metrics reads `Interrupt.current`, as the engine binds it).
    @Test func calibrationPassesAsk() {
        func history(_ customers: Int) -> OrderHistory {
            let rows = 2 * customers
            let dictionary = (0..<customers).map { "C\($0)" }
            return OrderHistory.build(
                customer: Column(
                    name: "customer_id",
                    storage: .text(codes: (0..<rows).map { Int32($0 % customers) }, dictionary: dictionary)),
                date: Column(name: "order_date", storage: .date((0..<rows).map { Int32(18_262 + $0 % 700) })),
                amount: nil, asof: 19_000)
        }
        var counts: [String: [Int]] = [:]
        for customers in [70_000, 300_000] {
            let history = history(customers)
            let all = Array(0..<history.customerCount)
            let data = Counter()
            Interrupt.$current.withValue(data.interrupt) {
                _ = Calibration.data(history: history, cutoff: 18_700, unitDays: 7)
            }
            let holdout = Counter()
            let summed = Interrupt.$current.withValue(holdout.interrupt) {
                Calibration.holdoutPurchaseDays(history: history, customers: all, from: 18_700, through: 19_000)
            }
            #expect(
                summed.perCustomer
                    == Calibration.holdoutPurchases(
                        history: history, customers: all, from: 18_700, through: 19_000))
            counts["data", default: []].append(data.count)
            counts["holdout", default: []].append(holdout.count)
        }
        for (pass, n) in counts {
            #expect(n[1] >= n[0] + 3, "\(pass): \(n[0]) checks on 70,000 customers, \(n[1]) on 300,000")
        }
    }

    /// A fit's setup (compressing the customers, preparing the likelihood, the warm-start sample) asks the
    /// statement's interrupt between its passes, before the optimiser's first iteration.
    @Test func fitSetupAsksBetweenPasses() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        func fit(_ model: String, _ counter: Counter) -> ModelError? {
            Interrupt.$current.withValue(counter.interrupt) {
                do throws(ModelError) {
                    _ = try model == "bgnbd" ? BGNBD.fit(data).1 : ParetoNBD.fit(data).1
                    return nil
                } catch {
                    return error
                }
            }
        }
        for model in ["bgnbd", "paretonbd"] {
            let counter = Counter()
            #expect(fit(model, counter) == nil)
            #expect(counter.count >= 3, "\(model): \(counter.count) checks")
            let stopped = Counter(tripAt: 2)
            #expect(fit(model, stopped)?.interrupted == true, "\(model)")
            // Asked inside a pass, the pass gives up and the fit's next question throws.
            #expect(stopped.count == (model == "bgnbd" ? 2 : 3))
        }
    }

    /// The Pareto/NBD likelihood's set-up (several passes over the triples) asks between its passes: stopped, it
    /// is left empty for the fit to drop.
    @Test func paretoLikelihoodSetUpAsks() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        let triples = CompressedTriples(data)
        let whole = Interrupt.$current.withValue(Counter().interrupt) { ParetoNBD.Likelihood(triples) }
        #expect(whole.triples.count == triples.count && whole.triples.count > 0)
        for tripAt in 1...4 {
            let counter = Counter(tripAt: tripAt)
            let stopped = Interrupt.$current.withValue(counter.interrupt) { ParetoNBD.Likelihood(triples) }
            #expect(stopped.triples.count == 0 && stopped.pairX.isEmpty, "stopped at question \(tripAt)")
            #expect(counter.count <= tripAt + 1)
        }
    }

    /// Standard errors by differences of the gradient take two passes over every customer per parameter (each
    /// about 0.1 s on millions of triples): a stopped fit is asked before each pass, not only before each pair.
    @Test func hessianByGradientDifferencesAsksBeforeEachPass() {
        for passesBeforeStop in 0..<5 {
            let passes = Mutex(0)
            let progress = FitProgress(cancelled: { passes.withLock { $0 } >= passesBeforeStop })
            FitProgress.$current.withValue(progress) {
                _ = Optimizer.hessian(
                    gradient: { x in
                        passes.withLock { $0 += 1 }
                        return x.map { 2 * $0 }
                    }, at: [1, 2, 3, 4])
            }
            #expect(passes.withLock { $0 } == passesBeforeStop)
        }
        let passes = Mutex(0)
        _ = Optimizer.hessian(
            gradient: { x in
                passes.withLock { $0 += 1 }
                return x
            }, at: [1, 2, 3, 4])
        #expect(passes.withLock { $0 } == 8)
    }
}
