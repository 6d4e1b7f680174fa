import ChurnQLDiagnostics
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax
import Testing

@testable import ChurnQLEngine

/// `churn …` and `cohort …` compiled to SQLite's SQL answer as the in-memory statements do, over random orders,
/// several settings and every period.
struct RetentionStatementSQLTests {
    typealias Cell = SQLiteDialectTests.Cell

    /// The statement's table from the engine, with the cohort label (`2024-01`) written as its first day so that
    /// it compares with the SQL's date, and `share` left out (the SQL returns the cells it is computed from).
    static func engineRows(_ engine: Engine, _ text: String) throws -> [[Cell]] {
        let source = SourceText(name: nil, text: text)
        let node = try #require(Parser.parse(source).statements.first)
        guard case .table(let table) = try engine.execute(node, source: source) else {
            if case .cohort(let period, let byRevenue, _) = node.statement {
                let (long, _) = try engine.cohorts(period, byRevenue: byRevenue, shares: false)
                return rows(long, cohort: true)
            }
            Issue.record("\(text) gave no table")
            return []
        }
        return rows(table, cohort: false)
    }

    static func rows(_ table: Table, cohort: Bool) -> [[Cell]] {
        (0..<table.rowCount).map { row in
            var cells = table.columns.map { Cell($0.value(at: row)) }
            if cohort {
                if case .text(let label) = cells[0], label.count == 7 { cells[0] = .text(label + "-01") }
                cells.removeLast()  // share
            }
            return cells
        }
    }

    @Test("churn and cohort statements in SQL answer as churnql", arguments: [1, 2, 3, 4] as [UInt64])
    func differential(seed: UInt64) throws {
        let engine = try RewriteTests.engine(seed: seed)
        if seed % 2 == 0 { _ = try MetricsTests.run(engine, "set churn_window = 60") }
        // A window shorter than a month: customers churn within periods they bought in.
        if seed == 1 { _ = try MetricsTests.run(engine, "set churn_window = 20") }
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        // A status rule of the customers table does not stop statements that read only the orders.
        if seed == 4 { _ = try MetricsTests.run(engine, "set lost_when = revenue < 20") }
        let database = try SQLiteDialectTests.Database(engine)
        let statements = [
            "churn monthly", "churn weekly", "churn quarterly", "cohort monthly", "cohort weekly",
            "cohort monthly by revenue",
        ]
        for text in statements {
            let expected = try Self.engineRows(engine, text)
            let source = SourceText(name: nil, text: "compile sqlite " + text)
            let node = try #require(Parser.parse(source).statements.first)
            guard case .compileStatement(_, let statement) = node.statement else {
                Issue.record("compile sqlite \(text) did not parse as a statement")
                continue
            }
            let sql = try engine.compileStatement(statement, dialect: .sqlite, span: node.span, source: source)
            var actual = try database.rows(sql)
            if text.hasPrefix("cohort") {
                // active or revenue, as the statement shows it.
                actual = actual.map { row in Array(row.prefix(3)) + [text.hasSuffix("revenue") ? row[4] : row[3]] }
            }
            #expect(!expected.isEmpty, "\(text): no rows")
            #expect(
                SQLiteDialectTests.sameRows(expected, actual, ordered: true),
                "\(text)\nchurnql: \(expected.prefix(4))\nsqlite: \(actual.prefix(4))")
        }
    }

    @Test("Spark is told that the statements need a recursive CTE")
    func sparkRefuses() throws {
        let engine = try RewriteTests.engine(seed: 1)
        let source = SourceText(name: nil, text: "compile spark churn monthly")
        let node = try #require(Parser.parse(source).statements.first)
        #expect(throws: Diagnostic.self) { try engine.execute(node, source: source) }
        do {
            _ = try engine.execute(node, source: source)
        } catch {
            #expect(error.code == "not-in-sql")
            #expect(error.message.contains("recursive"))
        }
    }
}

/// `p_alive` of a fitted BG/NBD or MBG/NBD model, written as SQL arithmetic, equals the in-memory column.
struct AliveSQLTests {
    @Test("p_alive in SQL answers as churnql", arguments: ["bgnbd", "mbgnbd"])
    func alive(model: String) throws {
        // Real orders: on random ones the fit sits at a boundary where p_alive is 1 for everyone.
        let engine = Engine()
        _ = try engine.loadFile(path: DataInputTests.orders)
        _ = try MetricsTests.run(engine, "fit \(model)")
        let database = try SQLiteDialectTests.Database(engine)
        let text = "from customers | select customer_id, p_alive, frequency | sort customer_id"
        let expected = try #require(SQLiteDialectTests.engineRows(engine, text))
        let sql = try #require(try SQLiteDialectTests.compiled(engine, text))
        let actual = try database.rows(sql)
        #expect(expected.count > 10)
        #expect(
            SQLiteDialectTests.sameRows(expected, actual, ordered: true),
            "churnql: \(expected.prefix(4))\nsqlite: \(actual.prefix(4))")
    }
}
