import ChurnQLEngine
import ChurnQLStore
import Foundation
import Testing

/// Values compared as they are: keys differing only in Unicode normalization stay apart in every lookup (attribute
/// match, join, `in`), and integers beyond 2^53 sort and aggregate exactly instead of as doubles.
struct ExactValueTests {
    static let precomposed = "caf\u{E9}"
    static let decomposed = "cafe\u{301}"

    static func engine(_ files: [(String, String)]) throws -> Engine {
        let folder = try ShellCommand.temporaryFolder("exact")
        let engine = Engine()
        for (name, text) in files {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            _ = try engine.loadFile(path: url.path)
        }
        return engine
    }

    static func column(_ engine: Engine, _ query: String, _ name: String) throws -> [String] {
        let table = try #require(try MetricsTests.run(engine, query))
        let column = try #require(table.column(name))
        return (0..<table.rowCount).map { column.value(at: $0).plainText }
    }

    @Test func keysDifferingOnlyInNormalizationStayApart() throws {
        let keys = [Self.precomposed, Self.decomposed]
        let orders = "customer_id,order_date,amount\n" + keys.map { "\($0),2024-01-01,1\n" }.joined()
        let customers = "customer_id,region\n" + keys.enumerated().map { "\($1),r\($0)\n" }.joined()
        let engine = try Self.engine([("orders.csv", orders), ("people.csv", customers)])
        let regions = try Self.column(engine, "from customers | select customer_id, region", "region")
        let ids = try Self.column(engine, "from customers | select customer_id, region", "customer_id")
        #expect(regions == ids.map { id in keys.firstIndex { $0.utf8.elementsEqual(id.utf8) }.map { "r\($0)" } ?? "" })
        #expect(try Self.column(engine, "from orders | join people on customer_id | count", "n") == ["2"])
        let inList = "from orders | where customer_id in (\"\(Self.precomposed)\", \"x\") | count"
        #expect(try Self.column(engine, inList, "n") == ["1"])
        let maxKey = try Self.column(engine, "from orders | agg k = max(customer_id)", "k")
        #expect(maxKey.map { Array($0.unicodeScalars) } == [Array(Self.precomposed.unicodeScalars)])
    }

    static let bigIntegers: [[Int64]] = [
        [9_007_199_254_740_993, 9_007_199_254_740_992, 9_007_199_254_740_994],
        [-9_223_372_036_854_775_800, -9_223_372_036_854_775_807, Int64.min, Int64.max, Int64.max - 1],
    ]

    @Test(arguments: bigIntegers)
    func bigIntegersSortAndAggregateExactly(_ values: [Int64]) throws {
        let rows = values.enumerated().map { "c\($0),2024-01-01,1,\($1)\n" }
        let text = "customer_id,order_date,amount,q\n" + rows.joined()
        let engine = try Self.engine([("orders.csv", text)])
        #expect(try Self.column(engine, "from orders | sort q | select q", "q") == values.sorted().map(String.init))
        #expect(
            try Self.column(engine, "from orders | sort -q | select q", "q") == values.sorted(by: >).map(String.init))
        let extremes = try #require(try MetricsTests.run(engine, "from orders | agg lo = min(q), hi = max(q)"))
        #expect(extremes.column("lo")?.value(at: 0).plainText == values.min().map(String.init))
        #expect(extremes.column("hi")?.value(at: 0).plainText == values.max().map(String.init))
    }
}
