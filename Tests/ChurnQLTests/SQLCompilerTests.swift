import ChurnQLDiagnostics
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The SQL compiler's promises that the dialect tests do not reach: quoting of any name, the catalogue's
/// `backends` kept by the compiler, and located `not-in-sql` errors for what runs only in memory.
struct SQLCompilerTests {
    @Test(
        "identifiers are quoted with embedded quotes doubled",
        arguments: [
            (SQLDialect.postgres, "a\"b; drop table t; --", "\"a\"\"b; drop table t; --\""),
            (.sqlite, "Région", "\"Région\""),
            (.duckdb, "select", "\"select\""),
            (.spark, "a`b", "`a``b`"),
            (.spark, "x\"y", "`x\"y`"),
        ])
    func quoting(dialect: SQLDialect, name: String, expected: String) {
        #expect(dialect.quote(name) == expected)
    }

    static func compile(_ engine: Engine, _ text: String, _ dialect: SQLDialect) throws(Diagnostic) -> SQLText {
        let source = SourceText(name: nil, text: text)
        guard case .query(let query)? = Parser.parse(source).statements.first?.statement else {
            throw Diagnostic(code: "parse", message: text)
        }
        return try engine.compile(query, dialect: dialect, source: source)
    }

    /// A call of each catalogue function over the customers table, as a step that reads it.
    static let calls: [String: String] = [
        "abs": "derive x = abs(revenue)", "floor": "derive x = floor(revenue)", "ceil": "derive x = ceil(revenue)",
        "year": "derive x = year(first_order)", "month": "derive x = month(first_order)",
        "day": "derive x = day(first_order)", "quarter": "derive x = quarter(first_order)",
        "weekday": "derive x = weekday(first_order)", "week": "derive x = week(first_order)",
        "days_between": "derive x = days_between(first_order, last_order)",
        "coalesce": "derive x = coalesce(purchase_cycle_days, 0)", "if": "derive x = if(is_new, 1, 2.5)",
        "lower": "derive x = lower(status)", "upper": "derive x = upper(status)",
        "length": "derive x = length(status)", "contains": "where contains(status, \"ac\")",
        "starts_with": "where starts_with(status, \"a\")", "ends_with": "where ends_with(status, \"e\")",
        "date_trunc": "derive x = date_trunc(\"month\", first_order)", "round": "derive x = round(revenue, 1)",
        "count": "agg x = count()", "count_distinct": "agg x = count_distinct(status)", "sum": "agg x = sum(revenue)",
        "avg": "agg x = avg(revenue)", "mean": "agg x = mean(revenue)", "min": "agg x = min(status)",
        "max": "agg x = max(last_order)", "median": "agg x = median(revenue)",
        "percentile": "agg x = percentile(revenue, 0.9)", "stddev": "agg x = stddev(revenue)",
        "churn_rate": "agg x = churn_rate(period: 30d)", "retention_rate": "agg x = retention_rate()",
        "repeat_rate": "agg x = repeat_rate()", "avg_purchase_cycle": "agg x = avg_purchase_cycle()",
        "median_purchase_cycle": "agg x = median_purchase_cycle()",
        "net_revenue_retention": "agg x = net_revenue_retention()",
        "gross_revenue_retention": "agg x = gross_revenue_retention()", "clv_formula": "derive x = clv_formula()",
    ]

    @Test("a function compiles for exactly the dialects its catalogue entry names")
    func backendsAreKept() throws {
        let engine = try RewriteTests.engine(seed: 5)
        for function in FunctionCatalog.all where function.kind != .model {
            guard let step = Self.calls[function.name] else {
                Issue.record("no sample call for \(function.name)")
                continue
            }
            for dialect in SQLDialect.allCases {
                let listed = function.backends.contains(
                    FunctionSignature.Backend(rawValue: dialect.rawValue) ?? .memory)
                do {
                    _ = try Self.compile(engine, "from customers | \(step)", dialect)
                    #expect(listed, "\(function.name) compiles for \(dialect) but its backends leave it out")
                } catch {
                    #expect(!listed, "\(function.name) on \(dialect): \(error.message)")
                    #expect(error.code == "not-in-sql" && error.line == 1 && error.column > 16, "\(error)")
                }
            }
        }
    }

    @Test(
        "what runs only in memory is a located not-in-sql error",
        arguments: [
            ("from customers | where revenue > 0 | derive x = lower(status)", 49),
            ("from customers | join orders on customer_id | agg r = repeat_rate()", 55),
            ("from orders | histogram days_between(order_date, 2024-01-01) | derive x = lower(bar)", 75),
        ])
    func notInSQL(query: String, column: Int) throws {
        let engine = try RewriteTests.engine(seed: 6)
        for dialect in SQLDialect.allCases {
            do {
                _ = try Self.compile(engine, query, dialect)
                Issue.record("\(query) compiled for \(dialect)")
            } catch {
                #expect(error.code == "not-in-sql", "\(error)")
                #expect(error.column == column, "\(query): \(error)")
                #expect(error.hint != nil)
            }
        }
    }

    @Test("literals are inline in the text and bind parameters in the parameterized text")
    func parameters() throws {
        let engine = try RewriteTests.engine(seed: 7)
        let sql = try Self.compile(
            engine, "from orders | where channel == \"it's\" and amount > 2.5 and order_date < 2024-06-01", .postgres)
        #expect(sql.text.contains("'it''s'"))
        #expect(sql.parameters == [.text("it's"), .decimal(2.5), .date(Dates.dayNumber(year: 2024, month: 6, day: 1))])
        #expect(sql.parameterizedText.contains("$1") && sql.parameterizedText.contains("CAST($3 AS DATE)"))
        #expect(!sql.parameterizedText.contains("it's"))
    }
}

/// Random statements from the grammar (GrammarFuzzTests' generator) over the shop's orders: compiling never
/// traps, a refusal is a `not-in-sql` error inside the statement, and what compiles for SQLite answers as churnql
/// does.
struct SQLCompilerFuzzTests {
    @Test("random statements compile or are refused, and SQLite agrees", arguments: [21, 22] as [UInt64])
    func statements(seed: UInt64) throws {
        // The orders alone: with the shop's customers table loaded, the customers table stays in memory.
        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/orders.csv").path)
        _ = try MetricsTests.run(engine, "param n = 4")
        var compared = 0
        let database = try SQLiteDialectTests.Database(engine)
        var generator = GrammarFuzzTests.Generator(random: FuzzTests.Random(state: seed))
        for _ in 0..<FuzzTests.iterations / 4 {
            let text = generator.goodStatement()
            let source = SourceText(name: nil, text: text)
            guard case .query(let query)? = Parser.parse(source).statements.first?.statement,
                (try? engine.plan(query, source: source)) != nil
            else { continue }
            for dialect in SQLDialect.allCases {
                do {
                    let sql = try engine.compile(query, dialect: dialect, source: source)
                    #expect(!sql.text.isEmpty)
                    guard dialect == .sqlite, let expected = SQLiteDialectTests.engineRows(engine, text) else {
                        continue
                    }
                    let actual = try database.rows(sql)
                    #expect(
                        SQLiteDialectTests.sameRows(expected, actual, ordered: true), "\(text)\n\(sql.text)")
                    compared += 1
                } catch let error as Diagnostic {
                    #expect(error.code == "not-in-sql", "\(text): \(error)")
                    #expect(error.line == 1 && error.column >= 1 && error.column <= text.utf8.count + 1, "\(text)")
                }
            }
        }
        #expect(compared > 0)
        print("SQLCompilerFuzzTests seed \(seed): \(compared) statements compared with SQLite")
    }

    /// A chain of more operators than SQL engines nest is refused at once, not written in quadratic time.
    @Test func longChainsAreNotInSQL() throws {
        let engine = try RewriteTests.engine(seed: 8)
        let chain = (0..<20_000).map { "amount > \($0)" }.joined(separator: " or ")
        let error = #expect(throws: Diagnostic.self) {
            try SQLCompilerTests.compile(engine, "from orders | where \(chain) | count", .sqlite)
        }
        #expect(error?.code == "not-in-sql")
        let short = (0..<50).map { "amount > \($0)" }.joined(separator: " or ")
        #expect(
            try SQLCompilerTests.compile(engine, "from orders | where \(short) | count", .sqlite).text.contains(" OR "))
    }
}
