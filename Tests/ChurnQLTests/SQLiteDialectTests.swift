import CSQLite
import ChurnQLDiagnostics
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The `sqlite` dialect's SQL, executed in process over the same orders loaded into an in-memory SQLite database,
/// answers as churnql does: the same rows (as a multiset; numbers to 1e-9 relative) for random pipelines over
/// seeded random data. A query the compiler refuses must be refused with `not-in-sql`, never answered wrongly.
struct SQLiteDialectTests {
    /// An in-memory SQLite database holding the engine's tables, value for value.
    final class Database {
        let handle: OpaquePointer

        init(_ engine: Engine) throws {
            var db: OpaquePointer?
            guard sqlite3_open(":memory:", &db) == SQLITE_OK, let db else { throw Failure("cannot open sqlite") }
            handle = db
            for name in engine.catalog.names {
                guard let table = engine.catalog[name] else { continue }
                try copy(table, as: name)
            }
        }

        deinit { sqlite3_close(handle) }

        struct Failure: Error, CustomStringConvertible {
            var description: String
            init(_ description: String) { self.description = description }
        }

        private func copy(_ table: Table, as name: String) throws {
            let columns = table.columns.map { SQLDialect.sqlite.quote($0.name) }.joined(separator: ", ")
            try execute("CREATE TABLE \(SQLDialect.sqlite.quote(name)) (\(columns))")
            let marks = Array(repeating: "?", count: table.columns.count).joined(separator: ", ")
            var statement: OpaquePointer?
            let insert = "INSERT INTO \(SQLDialect.sqlite.quote(name)) VALUES (\(marks))"
            guard sqlite3_prepare_v2(handle, insert, -1, &statement, nil) == SQLITE_OK, let statement else {
                throw Failure("prepare insert")
            }
            defer { sqlite3_finalize(statement) }
            for row in 0..<table.rowCount {
                sqlite3_reset(statement)
                for (i, column) in table.columns.enumerated() {
                    let index = Int32(i + 1)
                    switch column.value(at: row) {
                    case .null, .duration: sqlite3_bind_null(statement, index)
                    case .integer(let n): sqlite3_bind_int64(statement, index, n)
                    case .decimal(let x): sqlite3_bind_double(statement, index, x)
                    case .boolean(let b): sqlite3_bind_int64(statement, index, b ? 1 : 0)
                    case .date(let day): bindText(statement, index, Dates.format(day))
                    case .timestamp(let s): bindText(statement, index, Dates.formatTimestamp(s))
                    case .text(let s): bindText(statement, index, s)
                    }
                }
                guard sqlite3_step(statement) == SQLITE_DONE else { throw Failure("insert row \(row)") }
            }
        }

        private func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
            // SQLITE_TRANSIENT: SQLite copies the text.
            sqlite3_bind_text(statement, index, text, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        }

        func execute(_ sql: String) throws {
            var message: UnsafeMutablePointer<CChar>?
            guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
                let text = message.map { String(cString: $0) } ?? "?"
                sqlite3_free(message)
                throw Failure(text)
            }
        }

        /// The rows of a query with its bind parameters, each cell normalised for comparison.
        func rows(_ sql: SQLText) throws -> [[Cell]] {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(handle, sql.parameterizedText, -1, &statement, nil) == SQLITE_OK, let statement
            else { throw Failure(String(cString: sqlite3_errmsg(handle)) + "\n" + sql.text) }
            defer { sqlite3_finalize(statement) }
            for (i, value) in sql.parameters.enumerated() {
                let index = Int32(i + 1)
                switch value {
                case .integer(let n): sqlite3_bind_int64(statement, index, n)
                case .decimal(let x): sqlite3_bind_double(statement, index, x)
                case .boolean(let b): sqlite3_bind_int64(statement, index, b ? 1 : 0)
                case .date(let day): bindText(statement, index, Dates.format(day))
                case .text(let s): bindText(statement, index, s)
                default: sqlite3_bind_null(statement, index)
                }
            }
            var rows: [[Cell]] = []
            while true {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE { break }
                guard step == SQLITE_ROW else {
                    throw Failure(String(cString: sqlite3_errmsg(handle)) + "\n" + sql.text)
                }
                var row: [Cell] = []
                for i in 0..<sqlite3_column_count(statement) {
                    switch sqlite3_column_type(statement, i) {
                    case SQLITE_NULL: row.append(.null)
                    case SQLITE_INTEGER: row.append(.number(Double(sqlite3_column_int64(statement, i))))
                    case SQLITE_FLOAT: row.append(.number(sqlite3_column_double(statement, i)))
                    default:
                        let text = sqlite3_column_text(statement, i).map { String(cString: $0) } ?? ""
                        row.append(.text(text))
                    }
                }
                rows.append(row)
            }
            return rows
        }
    }

    /// A value as both engines can show it: numbers (booleans as 0/1), text (dates as ISO text), null.
    enum Cell: Equatable, Comparable {
        case null
        case number(Double)
        case text(String)

        init(_ value: Value) {
            switch value {
            case .null, .duration: self = .null
            case .integer(let n): self = .number(Double(n))
            case .decimal(let x): self = .number(x)
            case .boolean(let b): self = .number(b ? 1 : 0)
            case .date(let day): self = .text(Dates.format(day))
            case .timestamp(let s): self = .text(Dates.formatTimestamp(s))
            case .text(let s): self = .text(s)
            }
        }

        /// Close enough: numbers to 1e-9 relative.
        func matches(_ other: Cell) -> Bool {
            switch (self, other) {
            case (.number(let a), .number(let b)):
                return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) || (a.isNaN && b.isNaN)
            default: return self == other
            }
        }

        /// A sort key insensitive to the last digits of a decimal.
        var key: String {
            switch self {
            case .null: return "0"
            case .number(let x): return "1" + String(format: "%.6e", x)
            case .text(let s): return "2" + s
            }
        }
    }

    /// Whether a query's rows come in one order only: sorted on keys that end with a unique column.
    /// Customers come in key order and keep it through every step; a table's rows have no order in SQL.
    static func isTotallyOrdered(_ query: String) -> Bool {
        query.hasPrefix("from customers") || query.hasPrefix("from big")
            || [", order_id | take"].contains { query.contains($0) }
    }

    /// Views over customers and orders for the random queries to read.
    static func defineViews(_ engine: Engine) throws {
        _ = try MetricsTests.run(engine, "let big = from customers | where revenue > 20 | derive r2 = revenue * 2")
        _ = try MetricsTests.run(
            engine, "let counts = from orders | group customer_id | agg k = count(), a = sum(amount)")
        _ = try MetricsTests.run(
            engine, "let recent = from big | where last_order > 2024-06-01 | select customer_id, r2")
    }

    static func sameRows(_ a: [[Cell]], _ b: [[Cell]], ordered: Bool = false) -> Bool {
        guard a.count == b.count else { return false }
        if ordered {
            return zip(a, b).allSatisfy { x, y in x.count == y.count && zip(x, y).allSatisfy { $0.matches($1) } }
        }
        func sorted(_ rows: [[Cell]]) -> [[Cell]] {
            rows.sorted { $0.map(\.key).joined(separator: "\u{1}") < $1.map(\.key).joined(separator: "\u{1}") }
        }
        return zip(sorted(a), sorted(b)).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { $0.matches($1) }
        }
    }

    /// Random pipelines over the random orders (RewriteTests' data) and their customers table.
    static func queries(_ random: inout FuzzTests.Random, count: Int) -> [String] {
        func n() -> Int { random.below(9) - 2 }
        func d() -> String { random.pick(["1", "2.5", "0.5", "3", "-1", "100"]) }
        let customerFilters = [
            "revenue > \(n() * 50)", "frequency >= \(n())", "status == \"active\" or is_new",
            "days_since_last between \(n() * 20) and \(n() * 60 + 200)", "purchase_cycle_days is null",
            "customer_id in (\"c1\", \"c2\", \"c7\", 42, 7)", "not (status != \"lost\")",
            "last_order > 2024-06-01 and first_order < \"2024-03-01\"", "overdue_days > \(n())",
            "next_purchase - last_order > \(n() * 5)", "avg_order_value / \(n()) > \(d())",
            "lifecycle == \"at_risk\" or reactivated", "tenure_days % 7 == \(n())",
            "year(first_order) == 2024 and month(last_order) > \(n() + 3)", "weekday(last_order) <= \(n() + 2)",
            "coalesce(purchase_cycle_days, 0) > \(n() * 10)", "if(is_new, 1, 0) == 0",
        ]
        let customerDerives = [
            "x = revenue / orders", "x = days_since_last * 2 + frequency", "x = last_order + 30d",
            "x = first_order - 1mo - 3d", "x = last_order - first_order", "x = status + \"!\"",
            "x = abs(revenue - \(d()))", "x = floor(avg_order_value)", "x = quarter(next_purchase)",
            "x = days_between(first_order, asof_day)", "x = -frequency % \(n())", "x = revenue > \(d()) and is_new",
        ]
        let customerAggs = [
            "n = count()", "s = sum(revenue)", "a = avg(frequency)", "m = max(last_order), l = min(status)",
            "c = churn_rate()", "c = churn_rate(period: 30d), r = retention_rate()", "k = count_distinct(orders)",
            "f = sum(frequency), z = count(purchase_cycle_days)", "ratio = sum(revenue) / count()",
            "c = churn_rate(method: \"average\"), r = retention_rate(period: 30d, method: \"exposure\")",
            "e = churn_rate(period: 45d, method: \"exposure\"), a = retention_rate(method: \"average\")",
            "p = repeat_rate(), y = avg_purchase_cycle()", "m = median_purchase_cycle()",
            "nr = net_revenue_retention(period: 60d), gr = gross_revenue_retention()",
        ]
        let histograms = ["revenue", "days_since_last", "purchase_cycle_days", "frequency * 2.5", "avg_order_value"]
        let groups = ["status", "is_new", "lifecycle", "orders", "year(first_order)", "frequency > 1"]
        let orderFilters = [
            "amount > \(d())", "qty == \(n()) or qty is null", "channel == \"web\"", "channel in (\"shop\", \"Web\")",
            "order_date >= 2024-07-01", "customer_id == 42", "amount * qty between \(n()) and \(n() + 20)",
            "not (channel != \"phone\") or amount < 0",
        ]
        let orderDerives = [
            "y = amount * qty", "y = qty / \(n())", "y = qty % \(n())", "y = order_date + \(n())",
            "y = channel + customer_id", "y = day(order_date) - month(order_date)",
        ]
        var out: [String] = []
        for _ in 0..<count {
            if random.below(3) > 0 {
                // Views (defined by `defineViews`) and joins read the customers table too.
                var q = random.pick([
                    "from customers", "from customers", "from big", "from customers | join counts on customer_id",
                    "from customers | join left recent on customer_id",
                ])
                if random.below(2) == 0 { q += " | where \(random.pick(customerFilters))" }
                if random.below(2) == 0 {
                    q +=
                        " | derive \(random.pick(customerDerives).replacingOccurrences(of: "asof_day", with: "last_order"))"
                }
                if random.below(3) == 0 { q += " | where \(random.pick(customerFilters))" }
                switch random.below(9) {
                case 0: q += " | group \(random.pick(groups)) | agg \(random.pick(customerAggs))"
                case 1: q += " | agg \(random.pick(customerAggs))"
                case 2: q += " | sort -revenue, customer_id | take \(random.below(12))"
                case 3: q += " | top \(random.below(8) + 1) by revenue | select customer_id, revenue"
                case 4: q += " | select status, frequency | distinct"
                case 5: q += " | rfm | select customer_id, r_score, f_score, m_score, rfm, segment"
                case 6: q += " | rfm | group segment | agg \(random.pick(customerAggs))"
                case 7: q += " | histogram \(random.pick(histograms)) bins \(random.below(12) + 1)"
                default: q += " | count"
                }
                out.append(q)
            } else {
                var q = "from orders"
                if random.below(2) == 0 { q += " | where \(random.pick(orderFilters))" }
                if random.below(2) == 0 { q += " | derive \(random.pick(orderDerives))" }
                if random.below(4) == 0 { q += " | join \(random.pick(["", "left "]))channels on channel" }
                if random.below(6) == 0 { q += " | join \(random.pick(["", "left "]))customers on customer_id" }
                switch random.below(4) {
                case 0: q += " | group channel | agg n = count(), s = sum(amount), q = sum(qty)"
                case 1: q += " | sort amount, order_id | take \(random.below(20))"
                case 2: q += " | distinct channel"
                default: q += " | select order_id, customer_id, amount"
                }
                out.append(q)
            }
        }
        return out
    }

    /// A second table to join on the orders' channel: a key the orders lack, one they have in another case,
    /// and a column both tables have (amount, which the join renames).
    static func loadChannels(_ engine: Engine) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("channels-\(UUID().uuidString).csv")
        let text = "channel,label,amount\nweb,Online,1\nshop,Store,2.5\nWeb,online (old),\nfax,Fax,5\n"
        try text.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        _ = try engine.loadFile(path: path.path, alias: "channels")
    }

    static func engineRows(_ engine: Engine, _ text: String) -> [[Cell]]? {
        let source = SourceText(name: nil, text: text)
        guard case .query(let query)? = Parser.parse(source).statements.first?.statement,
            let table = try? engine.run(query, source: source)
        else { return nil }
        return (0..<table.rowCount).map { row in table.columns.map { Cell($0.value(at: row)) } }
    }

    static func compiled(_ engine: Engine, _ text: String) throws(Diagnostic) -> SQLText? {
        let source = SourceText(name: nil, text: text)
        guard case .query(let query)? = Parser.parse(source).statements.first?.statement else { return nil }
        return try engine.compile(query, dialect: .sqlite, source: source)
    }

    /// Queries that read only the customers' first and last days: one GROUP BY over the orders, no join with the
    /// keys (SQLCustomers.datesOnly); same rows, in the same order, as in memory, with and without orders after asof.
    @Test("sqlite SQL of first and last days answers as churnql", arguments: [1, 3] as [UInt64])
    func datesOnly(seed: UInt64) throws {
        let engine = try RewriteTests.engine(seed: seed)
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        let database = try Database(engine)
        let queries = [
            "from customers | group status | agg n = count() | sort status",
            "from customers | group status | agg n = count()",
            "from customers | select customer_id, first_order, last_order, days_since_last, tenure_days, "
                + "active_span_days, status, is_new",
            "from customers | group is_new | agg c = churn_rate(), r = retention_rate(period: 30d)",
            "from customers | where status == \"lost\" | agg n = count(), c = churn_rate()",
        ]
        for text in queries {
            let expected = try #require(Self.engineRows(engine, text), "\(text)")
            let sql = try #require(try Self.compiled(engine, text))
            #expect(!sql.text.contains("purchase_days"), "\(text): not the one-aggregation SQL\n\(sql.text)")
            let actual = try database.rows(sql)
            #expect(!expected.isEmpty)
            #expect(Self.sameRows(expected, actual, ordered: true), "\(text)\n\(sql.text)\n\(expected)\n\(actual)")
        }
    }

    @Test("sqlite SQL answers as churnql", arguments: [1, 2, 3, 4] as [UInt64])
    func differential(seed: UInt64) throws {
        let engine = try RewriteTests.engine(seed: seed)
        if seed % 2 == 0 { _ = try MetricsTests.run(engine, "set churn_window = 60") }
        // Orders after asof: customers whose every order is later have none.
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        try Self.loadChannels(engine)
        try Self.defineViews(engine)
        let database = try Database(engine)
        var random = FuzzTests.Random(state: seed &* 7_919)
        var compared = 0
        for text in Self.queries(&random, count: 60) {
            guard let expected = Self.engineRows(engine, text) else { continue }
            let sql: SQLText
            do {
                guard let compiledSQL = try Self.compiled(engine, text) else { continue }
                sql = compiledSQL
            } catch {
                #expect(error.code == "not-in-sql", "\(text): \(error.message)")
                continue
            }
            let actual = try database.rows(sql)
            #expect(
                Self.sameRows(expected, actual, ordered: Self.isTotallyOrdered(text)),
                "\(text)\n\(sql.text)\nchurnql: \(expected.prefix(5))\nsqlite: \(actual.prefix(5))")
            compared += 1
        }
        // Most of the random queries are within the compiled subset.
        #expect(compared >= 40, "only \(compared) queries compared")
    }

    /// Fixed queries for the retention aggregates, `rfm` and `histogram`: each compiles for SQLite and answers as
    /// churnql does (ties in the scores, one-value and empty histograms, bins past one digit, every churn method).
    static let fixed = [
        "from customers | rfm",
        "from customers | where frequency >= 1 | rfm | select customer_id, r_score, f_score, m_score, rfm, segment",
        "from customers | derive frequency = frequency % 3, revenue = tenure_days % 5 * 2.5 | rfm | group rfm | agg n = count()",
        "from customers | rfm | group segment | agg n = count(), c = churn_rate(), r = repeat_rate()",
        "from customers | histogram revenue bins 7", "from customers | histogram days_since_last",
        "from customers | where revenue > 1000000000 | histogram revenue",
        "from customers | where customer_id == \"c1\" | histogram revenue bins 3",
        "from orders | histogram amount * qty bins 250", "from customers | histogram purchase_cycle_days bins 1",
        "from customers | group status | agg a = churn_rate(method: \"average\"), e = churn_rate(period: 45d, method: \"exposure\"), r = retention_rate(method: \"exposure\")",
        "from customers | group is_new | agg p = repeat_rate(), c = avg_purchase_cycle(), n = net_revenue_retention(period: 60d), g = gross_revenue_retention(period: 60d)",
        "from customers | agg m = median_purchase_cycle()",
        "from customers | group status, frequency > 2 | agg m = median_purchase_cycle(), c = avg_purchase_cycle()",
        "from customers | where revenue > 20 | agg n = net_revenue_retention(), g = gross_revenue_retention(), a = churn_rate(period: 1mo, method: \"average\")",
    ]

    @Test(
        "sqlite SQL of rfm, histogram and the retention aggregates answers as churnql",
        arguments: [1, 2, 3, 4] as [UInt64])
    func fixedCases(seed: UInt64) throws {
        let engine = try RewriteTests.engine(seed: seed)
        if seed % 2 == 0 { _ = try MetricsTests.run(engine, "set churn_window = 60") }
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        let database = try Database(engine)
        for text in Self.fixed {
            let expected = try #require(Self.engineRows(engine, text), "\(text) fails in memory")
            let sql = try #require(try Self.compiled(engine, text))
            let actual = try database.rows(sql)
            #expect(
                Self.sameRows(expected, actual, ordered: true),
                "\(text)\n\(sql.text)\nchurnql: \(expected.prefix(8))\nsqlite: \(actual.prefix(8))")
        }
    }
}
