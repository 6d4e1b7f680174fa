import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Queries over attached PostgreSQL tables run on the server and answer as churnql does in memory over the same
/// rows: the random pipelines of the dialect tests over seeded random orders, the brief's acceptance queries and
/// the fits over the shop's orders, on a single server and on the cluster (orders hash-partitioned by customer
/// over two postgres_fdw shards). A query the server engine refuses with `not-on-server` (what it cannot write in SQL) is counted, and most must
/// run there, so a broken backend cannot pass by refusing.
struct PostgresEqualAnswersTests {
    enum Outcome {
        case rows(names: [String], cells: [[SQLiteDialectTests.Cell]])
        case error(code: String, message: String)
    }

    static func outcome(_ engine: Engine, _ text: String) -> Outcome {
        let source = SourceText(name: nil, text: text)
        guard case .query(let query)? = Parser.parse(source).statements.first?.statement else {
            return .error(code: "parse", message: text)
        }
        do {
            let table = try engine.run(query, source: source)
            let cells = (0..<table.rowCount).map { row in
                table.columns.map { SQLiteDialectTests.Cell($0.value(at: row)) }
            }
            return .rows(names: table.columnNames, cells: cells)
        } catch {
            return .error(code: error.code, message: error.message)
        }
    }

    /// The engine over `server`'s copy of the memory engine's tables, attached as the scratch role.
    static func attached(_ scratch: PostgresScratch, options: String = "") throws -> Engine {
        let engine = Engine()
        try MetricsTests.run(engine, "attach \"\(scratch.userURI)\" as db\(options)")
        return engine
    }

    struct Counts {
        var queries = 0, compared = 0, memoryErrors = 0, notInSQL = 0, mismatches = 0
    }

    /// Runs each query on both engines and records every difference.
    static func compare(
        _ texts: [String], memory: Engine, server: Engine, label: String, ordered: (String) -> Bool
    ) -> Counts {
        var counts = Counts()
        for text in texts {
            counts.queries += 1
            guard case .rows(let names, let expected) = outcome(memory, text) else {
                counts.memoryErrors += 1
                continue
            }
            switch outcome(server, text) {
            case .error(let code, _) where code == "not-on-server":
                counts.notInSQL += 1
            case .error(let code, let message):
                counts.mismatches += 1
                Issue.record("\(label): \(text)\nmemory: \(expected.prefix(5))\nserver error [\(code)]: \(message)")
            case .rows(let serverNames, let actual):
                counts.compared += 1
                let same =
                    names == serverNames && SQLiteDialectTests.sameRows(expected, actual, ordered: ordered(text))
                if !same {
                    counts.mismatches += 1
                    Issue.record(
                        """
                        \(label): \(text)
                        memory (\(expected.count) rows) \(names): \(expected.prefix(6))
                        server (\(actual.count) rows) \(serverNames): \(actual.prefix(6))
                        """)
                }
            }
        }
        return counts
    }

    @Test(
        "random pipelines answer on PostgreSQL as in memory",
        arguments: [PostgresTestServer.single, PostgresTestServer.cluster], [1, 2, 3, 4] as [UInt64])
    func randomPipelines(variable: String, seed: UInt64) throws {
        guard let uri = PostgresTestServer.required(variable, test: "random pipelines") else { return }
        let memory = try RewriteTests.engine(seed: seed)
        let settings =
            ["set asof = \(seed == 3 ? "2024-02-10" : "2024-12-31")"] + (seed % 2 == 0 ? ["set churn_window = 60"] : [])
        for setting in settings { try MetricsTests.run(memory, setting) }
        try SQLiteDialectTests.loadChannels(memory)
        let scratch = try PostgresScratch(uri: uri)
        defer { scratch.drop() }
        // Numeric and double precision amounts on alternate seeds.
        let decimal = seed % 2 == 1 ? "numeric" : "double precision"
        for name in memory.catalog.names {
            let table = try #require(memory.catalog[name])
            try scratch.copy(table, as: name, decimal: decimal, hashKey: name == "orders" ? "customer_id" : nil)
        }
        try SQLiteDialectTests.defineViews(memory)
        let counts: Counts
        do {
            let server = try Self.attached(scratch)
            // Every answer of this engine comes from the server: it holds no table in memory.
            #expect(server.catalog.names.isEmpty)
            for setting in settings { try MetricsTests.run(server, setting) }
            try SQLiteDialectTests.defineViews(server)
            var random = FuzzTests.Random(state: seed &* 7_919 &+ 17)
            let texts = SQLiteDialectTests.queries(&random, count: 80) + Self.probes
            counts = Self.compare(
                texts, memory: memory, server: server, label: "\(variable) seed \(seed)",
                ordered: { SQLiteDialectTests.isTotallyOrdered($0) || $0.contains(", order_id |") })
        }
        print(
            "PostgresEqualAnswers \(variable) seed \(seed): \(counts.queries) queries, \(counts.compared) compared, "
                + "\(counts.memoryErrors) memory errors, \(counts.notInSQL) not-in-sql, \(counts.mismatches) mismatches"
        )
        let answered = counts.queries - counts.memoryErrors
        #expect(
            answered > 0 && counts.compared * 5 >= answered * 4,
            "only \(counts.compared) of \(answered) ran on the server")
    }

    /// Where SQL engines tend to differ: nulls and case in sort order, calendar arithmetic, integer division and
    /// remainders of negatives, text concatenation with null, rounding, comparisons of keys as text.
    static let probes = [
        "from orders | sort qty, order_id | select order_id, qty",
        "from orders | sort -qty, order_id | select order_id, qty",
        "from orders | sort channel, order_id | select order_id, channel",
        "from orders | sort -channel, -order_id | select order_id, channel",
        "from orders | derive y = order_date + 1mo, z = order_date - 1y | select order_id, y, z",
        "from orders | derive y = qty / 2, z = qty % 3, w = -qty % 4, v = -qty / 4 | select order_id, y, z, w, v",
        "from orders | derive y = round(amount / 3), z = floor(-amount / 3) | select order_id, y, z",
        "from orders | derive y = channel + customer_id | select order_id, y",
        "from orders | where customer_id > \"c3\" | count",
        "from orders | group customer_id | agg a = avg(qty), m = max(channel), n = min(channel)",
        "from customers | sort status, customer_id | select customer_id, status",
        "from customers | derive y = next_purchase - asof_day | select customer_id, y",
        "from orders | group channel | agg d = count_distinct(customer_id), q = avg(amount * qty)",
    ]

    static let acceptance = [
        "from orders | count", "from customers | count", "from customers | where days_since_last > 90 | count",
        "from customers | where frequency >= 1 | count", "from customers | agg total = sum(revenue)",
        "from customers | agg cycle = avg(purchase_cycle_days)",
        "from customers | group status | agg n = count() | sort status",
    ]

    /// The shop's orders in memory and on the server.
    static func shop(_ uri: String) throws -> (memory: Engine, scratch: PostgresScratch) {
        let memory = Engine()
        let path = GoldenTests.root.appendingPathComponent("examples/shop/orders.csv").path
        _ = try memory.loadFile(path: path, alias: "orders")
        let scratch = try PostgresScratch(uri: uri)
        let table = try #require(memory.catalog["orders"])
        try scratch.copy(table, as: "orders", decimal: "numeric(12,2)", hashKey: "customer_id")
        return (memory, scratch)
    }

    @Test(
        "acceptance queries answer on PostgreSQL as in memory",
        arguments: [PostgresTestServer.single, PostgresTestServer.cluster])
    func acceptanceQueries(variable: String) throws {
        guard let uri = PostgresTestServer.required(variable, test: "acceptance queries") else { return }
        let (memory, scratch) = try Self.shop(uri)
        defer { scratch.drop() }
        let counts: Counts
        do {
            let server = try Self.attached(scratch)
            counts = Self.compare(
                Self.acceptance, memory: memory, server: server, label: "\(variable) acceptance",
                ordered: { $0.contains("| sort") })
        }
        #expect(counts.compared == Self.acceptance.count)
        #expect(counts.mismatches == 0)
    }

    /// The estimates (and log-likelihood) of a fit's report.
    static func estimates(_ engine: Engine, _ text: String) throws -> [Double] {
        let source = SourceText(name: nil, text: text)
        let node = try #require(Parser.parse(source).statements.first)
        guard case .report(let sections, _, _) = try engine.execute(node, source: source) else {
            Issue.record("\(text) gave no report")
            return []
        }
        let table = try #require(sections.first?.table)
        let column = try #require(table.column("estimate"))
        return (0..<table.rowCount).map { column.value(at: $0).asDouble ?? .nan }
    }

    @Test(
        "fits over server statistics equal fits in memory",
        arguments: [PostgresTestServer.single, PostgresTestServer.cluster])
    func fits(variable: String) throws {
        guard let uri = PostgresTestServer.required(variable, test: "fits") else { return }
        let (memory, scratch) = try Self.shop(uri)
        defer { scratch.drop() }
        do {
            let server = try Self.attached(scratch)
            // A lost_when rule changes only the customers table's status, so fits still run on the server.
            for engine in [memory, server] { _ = try MetricsTests.run(engine, "set lost_when = revenue < 20") }
            for statement in ["fit bgnbd", "fit gammagamma", "fit paretonbd"] {
                let expected = try Self.estimates(memory, statement)
                let actual = try Self.estimates(server, statement)
                #expect(!expected.isEmpty)
                let close =
                    expected.count == actual.count
                    && zip(expected, actual).allSatisfy { abs($0 - $1) <= 1e-6 * max(abs($0), abs($1)) }
                #expect(close, "\(variable) \(statement): memory \(expected), server \(actual)")
            }
        }
    }

    /// Every table of a statement's result (a report's sections, or its table), as cells.
    static func tables(_ engine: Engine, _ text: String) throws -> [[[SQLiteDialectTests.Cell]]] {
        let source = SourceText(name: nil, text: text)
        let node = try #require(Parser.parse(source).statements.first)
        func cells(_ table: Table) -> [[SQLiteDialectTests.Cell]] {
            (0..<table.rowCount).map { row in table.columns.map { SQLiteDialectTests.Cell($0.value(at: row)) } }
        }
        switch try engine.execute(node, source: source) {
        case .table(let table): return [cells(table)]
        case .report(let sections, _, _): return sections.map { cells($0.table) }
        case .cohort(let table, _): return [cells(table)]
        default:
            Issue.record("\(text) gave no table")
            return []
        }
    }

    @Test(
        "churn, cohort and evaluate answer on PostgreSQL as in memory",
        arguments: [PostgresTestServer.single, PostgresTestServer.cluster])
    func statements(variable: String) throws {
        guard let uri = PostgresTestServer.required(variable, test: "statements") else { return }
        let (memory, scratch) = try Self.shop(uri)
        defer { scratch.drop() }
        let server = try Self.attached(scratch)
        let statements = [
            "churn monthly", "churn weekly", "churn quarterly", "cohort monthly", "cohort weekly",
            "cohort monthly by revenue", "set churn_window = 60", "churn monthly", "set churn_window = 20",
            "churn monthly", "churn weekly",
            "set asof = 2024-09-30",
            "cohort monthly", "fit bgnbd until 2024-06-30", "evaluate",
        ]
        for text in statements {
            if text.hasPrefix("set ") || text.hasPrefix("fit ") {
                _ = try MetricsTests.run(memory, text)
                _ = try MetricsTests.run(server, text)
                continue
            }
            let expected = try Self.tables(memory, text)
            let actual = try Self.tables(server, text)
            #expect(!expected.isEmpty && expected.allSatisfy { !$0.isEmpty }, "\(text): no rows")
            // The fits differ in the last digits (sums in another order), and evaluate's predictions with them.
            let tolerance = text == "evaluate" ? 1e-6 : 1e-9
            let same =
                expected.count == actual.count
                && zip(expected, actual).allSatisfy { a, b in
                    a.count == b.count
                        && zip(a, b).allSatisfy { x, y in
                            x.count == y.count && zip(x, y).allSatisfy { Self.close($0, $1, tolerance) }
                        }
                }
            #expect(
                same,
                "\(variable) \(text)\nmemory: \(expected.map { $0.prefix(3) })\nserver: \(actual.map { $0.prefix(3) })")
        }
    }

    static func close(_ a: SQLiteDialectTests.Cell, _ b: SQLiteDialectTests.Cell, _ tolerance: Double) -> Bool {
        if case .number(let x) = a, case .number(let y) = b {
            return x == y || abs(x - y) <= tolerance * max(abs(x), abs(y))
        }
        return a == b
    }

    @Test("a list of more values than PostgreSQL takes as bind parameters is refused clearly")
    func tooManyValues() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "too many values") else { return }
        let (_, scratch) = try Self.shop(uri)
        defer { scratch.drop() }
        let server = try Self.attached(scratch)
        let ids = (0..<70_000).map { "\"C\($0)\"" }.joined(separator: ", ")
        #expect(throws: Diagnostic.self) {
            try MetricsTests.run(server, "from customers | where customer_id in (\(ids)) | count")
        }
        do {
            _ = try MetricsTests.run(server, "from customers | where customer_id in (\(ids)) | count")
        } catch {
            #expect((error as? Diagnostic)?.code == "too-many-values")
        }
        // Within the limit the same shape answers.
        let fewer = (0..<1_000).map { "\"C0\(1000 + $0)\"" }.joined(separator: ", ")
        _ = try MetricsTests.run(server, "from customers | where customer_id in (\(fewer)) | count")
    }
}
