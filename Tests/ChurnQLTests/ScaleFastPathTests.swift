import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// The shortcuts of the 9-million-customer latency work (date parts from a per-day table, sum and avg folded from
/// a stored column, a filtered top-n read through its selection) against the plain definitions on random rows:
/// the same query with the argument wrapped in `coalesce(x, x)` (which no shortcut recognises) and an answer
/// worked out here.
struct ScaleFastPathTests {
    struct Row {
        let group: String
        let key: String
        let n: Int64?
        let x: Double?
        let day: Int32?
    }

    static let rows: [Row] = {
        var random = FuzzTests.Random(state: 7)
        let base = Dates.dayNumber(year: 2019, month: 11, day: 20)
        return (0..<1_500).map { i in
            Row(
                group: random.pick(["north", "south", "east", "west"]), key: "K\(random.below(400))",
                n: random.below(6) == 0 ? nil : Int64(random.below(50)) - 10,
                x: random.below(6) == 0 ? nil : Double(random.below(40)) / 4,
                day: random.below(6) == 0 ? nil : base + Int32(random.below(2_600)))
        }
    }()

    static func engine() throws -> Engine {
        var csv = "g,key,n,x,d\n"
        for row in rows {
            let day = row.day.map { d -> String in
                let c = Dates.civil(d)
                return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
            }
            let cells = [row.group, row.key, row.n.map { "\($0)" } ?? "", row.x.map { "\($0)" } ?? "", day ?? ""]
            csv += cells.joined(separator: ",") + "\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scale-\(UUID().uuidString).csv")
            .path
        try csv.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let engine = Engine()
        _ = try engine.loadFile(path: path, alias: "t")
        return engine
    }

    static func values(_ engine: Engine, _ query: String, column: Int = 0) throws -> [Value] {
        let table = try #require(try MetricsTests.run(engine, query))
        return (0..<table.rowCount).map { table.columns[column].value(at: $0) }
    }

    /// A day's civil fields from Foundation's calendar, independent of `Dates`.
    static func civil(_ day: Int32) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        return calendar.dateComponents(
            [.year, .month, .day], from: Date(timeIntervalSince1970: Double(day) * 86_400))
    }

    @Test(arguments: ["year", "month", "day", "quarter"])
    func datePartsOfAStoredColumn(part: String) throws {
        let engine = try Self.engine()
        let fast = try Self.values(engine, "from t | select p = \(part)(d)")
        let plain = try Self.values(engine, "from t | select p = \(part)(coalesce(d, d))")
        let expected: [Value] = Self.rows.map { row in
            guard let day = row.day else { return .null }
            let c = Self.civil(day)
            let value: Int?
            switch part {
            case "year": value = c.year
            case "month": value = c.month
            case "day": value = c.day
            default: value = c.month.map { ($0 - 1) / 3 + 1 }
            }
            return value.map { .integer(Int64($0)) } ?? .null
        }
        #expect(fast == expected)
        #expect(plain == expected)
        // As a grouping key, after a filter (the table is read through the selection).
        let grouped = "from t | where n > 3 | group p = \(part)(d) | agg c = count() | sort p"
        let groupedPlain = "from t | where n > 3 | group p = \(part)(coalesce(d, d)) | agg c = count() | sort p"
        #expect(try Self.values(engine, grouped, column: 1) == Self.values(engine, groupedPlain, column: 1))
        #expect(try Self.values(engine, grouped) == Self.values(engine, groupedPlain))
    }

    @Test(arguments: ["x", "n"])
    func sumAndAvgOfAStoredColumn(column: String) throws {
        let engine = try Self.engine()
        for filter in ["", "| where key > \"K2\" "] {
            let fast = "from t \(filter)| group g | agg s = sum(\(column)), a = avg(\(column)) | sort g"
            let plain =
                "from t \(filter)| group g | agg s = sum(coalesce(\(column), \(column)) * 1.0),"
                + " a = avg(coalesce(\(column), \(column))) | sort g"
            #expect(try Self.values(engine, fast, column: 2) == Self.values(engine, plain, column: 2))
            let fastSums = try Self.values(engine, fast, column: 1)
            let plainSums = try Self.values(engine, plain, column: 1)
            if column == "x" {
                #expect(fastSums == plainSums)
            } else {
                // An integer sum stays an integer on the fast path; the plain one here is a decimal.
                #expect(fastSums.map(\.promotedToDecimal) == plainSums)
            }
        }
        // Independently: the decimal column's totals per group, added in row order.
        guard column == "x" else { return }
        let groups = Array(Set(Self.rows.map(\.group))).sorted()
        let totals: [Value] = groups.map { g in
            let xs = Self.rows.filter { $0.group == g }.compactMap(\.x)
            return xs.isEmpty ? .null : .decimal(xs.reduce(0, +))
        }
        let averages: [Value] = groups.map { g in
            let xs = Self.rows.filter { $0.group == g }.compactMap(\.x)
            return xs.isEmpty ? .null : .decimal(xs.reduce(0, +) / Double(xs.count))
        }
        let query = "from t | group g | agg s = sum(x), a = avg(x) | sort g"
        #expect(try Self.values(engine, query, column: 1) == totals)
        #expect(try Self.values(engine, query, column: 2) == averages)
    }

    @Test(arguments: [1, 3, 20])
    func filteredTopRowsReadThroughTheSelection(limit: Int) throws {
        let engine = try Self.engine()
        for (sort, plainSort) in [
            ("-x, key", "-coalesce(x, x), key"), ("x, -n", "coalesce(x, x), -n"), ("key, -d", "key, -coalesce(d, d)"),
            ("d", "coalesce(d, d)"),
        ] {
            // The row numbers ride along in n's place: take the keys and n back and compare whole rows.
            let fast = "from t | where g != \"east\" | sort \(sort) | take \(limit) | select key, n, x, d"
            let plain = "from t | where g != \"east\" | sort \(plainSort) | take \(limit) | select key, n, x, d"
            for column in 0..<4 {
                #expect(
                    try Self.values(engine, fast, column: column) == Self.values(engine, plain, column: column),
                    "sort \(sort) take \(limit)")
            }
        }
        // Independently for one order: x descending (nulls last), then key, stable in row order.
        let kept = Self.rows.enumerated().filter { $0.element.group != "east" }
        let ordered = kept.sorted { a, b in
            switch (a.element.x, b.element.x) {
            case (let p?, let q?) where p != q: return p > q
            case (nil, _?): return false
            case (_?, nil): return true
            default: break
            }
            if a.element.key != b.element.key { return a.element.key < b.element.key }
            return a.offset < b.offset
        }
        let expected = ordered.prefix(limit).map { Value.text($0.element.key) }
        #expect(
            try Self.values(engine, "from t | where g != \"east\" | sort -x, key | take \(limit) | select key")
                == expected)
    }
}
