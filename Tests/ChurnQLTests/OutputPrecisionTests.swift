import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLRender

/// CSV and JSON print decimals in full (the shortest text that reads back to the same Double); tables round.
struct OutputPrecisionTests {
    /// Edge values, then random bit patterns (every exponent: subnormals, huge, tiny, both signs), then random
    /// values of ordinary magnitudes.
    static func samples(seed: UInt64) -> [Double] {
        var generator = FuzzTests.Random(state: seed)
        let edges: [Double] = [
            0, -0.0, 1, -1, 0.1, 1 / 3, 3.2e-8, 1e-4, 1e-5, 1e15, 1e16, 9_007_199_254_740_992, 123_456_789_012.5,
            .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, .ulpOfOne, 1 + .ulpOfOne,
        ]
        let bitPatterns = (0..<2000).map { _ in Double(bitPattern: generator.next()) }.filter {
            !$0.isNaN && $0.isFinite
        }
        let ordinary = (0..<500).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
        return edges + bitPatterns + ordinary
    }

    static func table(_ values: [Double]) -> Table {
        Table(name: "t", columns: [Column(name: "x", storage: .decimal(values))])
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func csvReadsBackBitIdentical(seed: UInt64) {
        let values = Self.samples(seed: seed)
        let lines = TableRenderer.csv(Self.table(values)).split(separator: "\n").map(String.init)
        #expect(lines.first == "x")
        #expect(lines.count == values.count + 1)
        for (value, text) in zip(values, lines.dropFirst()) {
            #expect(Double(text)?.bitPattern == value.bitPattern, "\(value) printed as \(text)")
        }
    }

    @Test(arguments: [4, 5, 6] as [UInt64])
    func jsonReadsBackBitIdentical(seed: UInt64) throws {
        let values = Self.samples(seed: seed)
        let text = TableRenderer.json(Self.table(values))
        // The document is valid JSON, and each number's text reads back to the same Double.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]]
        #expect(parsed?.count == values.count)
        let numbers = text.split(separator: "\n").dropFirst().dropLast().map { line in
            line.drop { $0 != ":" }.dropFirst().prefix { $0 != "}" }
        }
        #expect(numbers.count == values.count)
        for (value, number) in zip(values, numbers) {
            #expect(Double(String(number))?.bitPattern == value.bitPattern, "\(value) printed as \(number)")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var value: Double
        var csv: String
        var json: String
        var table: String
        var testDescription: String { csv }
    }

    /// Non-finite values: CSV writes what pandas and DuckDB read back; JSON has no NaN or infinity, so null.
    @Test(arguments: [
        Case(value: 3.2e-8, csv: "3.2e-08", json: "3.2e-08", table: "0"),
        Case(value: 1 / 3, csv: "0.3333333333333333", json: "0.3333333333333333", table: "0.333333"),
        Case(value: 2_500_000, csv: "2500000", json: "2500000", table: "2,500,000"),
        Case(value: -0.0, csv: "-0.0", json: "-0.0", table: "0"),
        Case(value: 1e300, csv: "1e+300", json: "1e+300", table: "1e+300"),
        Case(value: .nan, csv: "NaN", json: "null", table: "NaN"),
        Case(value: .infinity, csv: "inf", json: "null", table: "inf"),
        Case(value: -.infinity, csv: "-inf", json: "null", table: "-inf"),
    ])
    func eachFormatPrintsItsForm(_ c: Case) {
        let table = Self.table([c.value])
        #expect(TableRenderer.csv(table) == "x\n\(c.csv)\n")
        #expect(TableRenderer.json(table) == "[\n{\"x\":\(c.json)}\n]\n")
        let box = TableRenderer.box(table, maxRows: 10)
        #expect(box.split(separator: "\n").contains { $0.contains("│ \(c.table) │") }, "\(box)")
    }
}
