import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// The query shortcuts taken on large tables (a column compared with a constant in one closure, group folds that
/// make no member lists, kept churn states) against answers worked out here from the raw rows.
struct QueryFastPathTests {
    /// One generated row: a group label, an integer that is never null, and nullable integer, decimal and date
    /// cells.
    struct Row {
        let group: String
        let k: Int64
        let n: Int64?
        let x: Double?
        let day: Int32?
    }

    static let rows: [Row] = {
        var random = FuzzTests.Random(state: 42)
        let base = Dates.dayNumber(year: 2024, month: 1, day: 1)
        return (0..<400).map { _ in
            Row(
                group: random.pick(["north", "south", "east"]), k: Int64(random.below(5)),
                n: random.below(8) == 0 ? nil : Int64(random.below(7)) - 1,
                x: random.below(8) == 0 ? nil : Double(random.below(600)) / 100,
                day: random.below(8) == 0 ? nil : base + Int32(random.below(60)))
        }
    }()

    static func engine() throws -> Engine {
        var csv = "g,k,n,x,d\n"
        for row in rows {
            let day = row.day.map { d -> String in
                let c = Dates.civil(d)
                return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
            }
            csv += "\(row.group),\(row.k),\(row.n.map { "\($0)" } ?? ""),\(row.x.map { "\($0)" } ?? ""),\(day ?? "")\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fast-\(UUID().uuidString).csv").path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path, alias: "t")
        return engine
    }

    static func count(_ engine: Engine, _ condition: String) throws -> Int64 {
        let table = try #require(try MetricsTests.run(engine, "from t | where \(condition) | count"))
        guard case .integer(let n) = table.columns[0].value(at: 0) else { return -1 }
        return n
    }

    static func holds<T: Comparable>(_ a: T, _ op: String, _ b: T) -> Bool {
        switch op {
        case "==": return a == b
        case "!=": return a != b
        case "<": return a < b
        case "<=": return a <= b
        case ">": return a > b
        default: return a >= b
        }
    }

    static let operators = ["==", "!=", "<", "<=", ">", ">="]

    /// Every operator, with the column on either side; a null cell never matches.
    @Test(arguments: operators)
    func columnComparedWithAConstant(op: String) throws {
        let engine = try Self.engine()
        let flipped = ["<": ">", "<=": ">=", ">": "<", ">=": "<="][op] ?? op
        for c in [-1, 0, 2, 5] {
            let expected = Int64(Self.rows.filter { $0.n.map { Self.holds($0, op, Int64(c)) } ?? false }.count)
            #expect(try Self.count(engine, "n \(op) \(c)") == expected, "n \(op) \(c)")
            #expect(try Self.count(engine, "\(c) \(flipped) n") == expected, "\(c) \(flipped) n")
        }
        for c in [0, 2] {
            let expected = Int64(Self.rows.filter { Self.holds($0.k, op, Int64(c)) }.count)
            #expect(try Self.count(engine, "k \(op) \(c)") == expected, "k \(op) \(c)")
            #expect(try Self.count(engine, "\(c) \(flipped) k") == expected, "\(c) \(flipped) k")
        }
        for c in ["2.5", "3"] {
            let value = try #require(Double(c))
            let expected = Int64(Self.rows.filter { $0.x.map { Self.holds($0, op, value) } ?? false }.count)
            #expect(try Self.count(engine, "x \(op) \(c)") == expected, "x \(op) \(c)")
            #expect(try Self.count(engine, "\(c) \(flipped) x") == expected, "\(c) \(flipped) x")
        }
        let day = Dates.dayNumber(year: 2024, month: 2, day: 1)
        let expected = Int64(Self.rows.filter { $0.day.map { Self.holds($0, op, day) } ?? false }.count)
        #expect(try Self.count(engine, "d \(op) 2024-02-01") == expected)
        #expect(try Self.count(engine, "d \(op) \"2024-02-01\"") == expected)
    }

    /// Parameters compare like literals of their type, except that only a string literal reads as a date: a text
    /// parameter against a date column is a type error whichever side it is on, as against any date expression.
    @Test func parametersAgainstColumns() throws {
        let engine = try Self.engine()
        engine.parameters = [
            "k": .integer(2), "x": .decimal(2.5), "d": .date(Dates.dayNumber(year: 2024, month: 2, day: 1)),
        ]
        #expect(try Self.count(engine, "k >= $k") == Int64(Self.rows.filter { $0.k >= 2 }.count))
        #expect(try Self.count(engine, "x < $x") == Int64(Self.rows.filter { ($0.x ?? 99) < 2.5 }.count))
        let day = Dates.dayNumber(year: 2024, month: 2, day: 1)
        #expect(try Self.count(engine, "$d > d") == Int64(Self.rows.filter { ($0.day ?? .max) < day }.count))
        engine.parameters["t"] = .text("2024-02-01")
        for condition in ["d >= $t", "$t <= d", "d + 0 >= $t"] {
            #expect(throws: Diagnostic.self, "\(condition)") { try Self.count(engine, condition) }
        }
    }

    /// count(x), sum, avg and median per group after a `where`: the folds and the member lists must see the same
    /// rows of the unfiltered table.
    @Test func groupFoldsAfterAFilter() throws {
        let engine = try Self.engine()
        let table = try #require(
            try MetricsTests.run(
                engine,
                "from t | where n >= 1 | group g | agg c = count(x), s = sum(x), a = avg(x), si = sum(n), m = median(x)"
                    + " | sort g"))
        let kept = Self.rows.filter { ($0.n ?? -1) >= 1 }
        let groups = Set(kept.map(\.group)).sorted()
        #expect(table.rowCount == groups.count)
        for (i, group) in groups.enumerated() {
            let rows = kept.filter { $0.group == group }
            let xs = rows.compactMap(\.x)
            #expect(table.column("g")?.value(at: i) == .text(group))
            #expect(table.column("c")?.value(at: i) == .integer(Int64(xs.count)))
            let sum = xs.reduce(0, +)
            guard case .decimal(let s) = table.column("s")?.value(at: i),
                case .decimal(let a) = table.column("a")?.value(at: i),
                case .decimal(let m) = table.column("m")?.value(at: i)
            else {
                Issue.record("group \(group): missing sums")
                continue
            }
            #expect(abs(s - sum) < 1e-9)
            #expect(abs(a - sum / Double(xs.count)) < 1e-9)
            #expect(Aggregates.quantile(xs.sorted(), 0.5).map { abs(m - $0) < 1e-12 } == true)
            #expect(table.column("si")?.value(at: i) == .integer(rows.compactMap(\.n).reduce(0, +)))
        }
    }

    /// churn_rate() keeps the churn states of the latest period; asking for another period, or changing asof,
    /// must not read the kept ones. Each answer is checked against a new engine's.
    @Test func churnRateFollowsThePeriodAskedFor() throws {
        let engine = try MetricsTests.engine()
        let queries = [
            "from customers | agg c = churn_rate(period: 30d)",
            "from customers | agg c = churn_rate(period: 60d)",
            "from customers | group status | agg c = churn_rate(period: 30d) | sort status",
            "set asof = 2024-02-29",
            "from customers | agg c = churn_rate(period: 30d)",
        ]
        var answers: [String] = []
        for (i, query) in queries.enumerated() {
            let table = try MetricsTests.run(engine, query)
            if query.hasPrefix("set") { continue }
            let reference = try MetricsTests.run(try Self.replay(queries.prefix(i)), query)
            let values = table.map { t in (0..<t.rowCount).map { t.columns.last?.value(at: $0) } }
            #expect(values == reference.map { t in (0..<t.rowCount).map { t.columns.last?.value(at: $0) } }, "\(query)")
            answers.append("\(values ?? [])")
        }
        #expect(Set(answers).count > 1, "the periods should give different rates: \(answers)")
    }

    /// A new engine with only the settings among `statements` applied.
    static func replay(_ statements: ArraySlice<String>) throws -> Engine {
        let engine = try MetricsTests.engine()
        for statement in statements where statement.hasPrefix("set") { try MetricsTests.run(engine, statement) }
        return engine
    }
}
