import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// A bad value in a number column is a located error, a skipped row or a null with a warning; it never turns the
/// column into text (which would drop the amount role and make every customer's revenue 0).
struct NumericColumnTests {
    static let badValues = ["NaN", "nan", "inf", "-inf", "Infinity", "abc", "1.2.3", "1e400", "12 5", "1_000", "--3"]

    static func orders(amounts: [String], column: String = "amount") -> String {
        "customer_id,order_date,\(column)\n"
            + amounts.enumerated().map { "C\($0 % 3),2024-01-0\($0 + 1),\($1)" }.joined(separator: "\n") + "\n"
    }

    @Test(arguments: badValues)
    func badAmountIsALocatedError(_ bad: String) throws {
        let text = Self.orders(amounts: ["10.5", bad, "3"])
        do {
            _ = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders")
            Issue.record("'\(bad)' loaded without an error")
        } catch {
            #expect(error.code == "not-a-number")
            #expect(error.file == "orders.csv")
            #expect(error.line == 3)
            // The value's column: after "C1,2024-01-02,".
            #expect(error.column == "C1,2024-01-02,".utf8.count + 1)
            #expect(error.message.contains("'\(bad)'"))
            #expect(error.hint?.contains("skip_bad_rows") == true)
            #expect(error.hint?.contains("null: \"\(bad)\"") == true)
        }
    }

    @Test(arguments: badValues)
    func skipBadRowsDropsTheRowWithAWarning(_ bad: String) throws {
        var options = LoadOptions()
        options.skipBadRows = true
        let amounts = ["10.5", bad, "3", bad]
        let loaded = try CSVLoader.parse(
            text: Self.orders(amounts: amounts), path: "orders.csv", name: "orders", options: options)
        let good = amounts.filter { $0 != bad }
        #expect(loaded.table.rowCount == good.count)
        let column = try #require(loaded.table.column("amount"))
        #expect(column.type == .decimal)
        #expect((0..<good.count).map { column.value(at: $0) } == good.map { .decimal(Double($0) ?? .nan) })
        let warning = try #require(loaded.notes.first { $0.code == "skipped-rows" })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("skipped 2 rows"))
    }

    @Test(arguments: badValues)
    func nullTokenMakesANullWithAWarning(_ bad: String) throws {
        var options = LoadOptions()
        options.nullTokens = [bad]
        let amounts = ["10", bad, "3", "4"]
        let loaded = try CSVLoader.parse(
            text: Self.orders(amounts: amounts), path: "orders.csv", name: "orders", options: options)
        let column = try #require(loaded.table.column("amount"))
        #expect(column.type.isNumeric)
        #expect((0..<amounts.count).map { column.isNull($0) } == amounts.map { $0 == bad })
        let warning = try #require(loaded.notes.first { $0.code == "null-numbers" })
        #expect(warning.severity == .warning)
        #expect(warning.message.contains("1 of 4"))
    }

    /// One bad value no longer zeroes everyone's revenue: with the row skipped, revenue is the sum of the rest.
    @Test func revenueOfTheOtherCustomersIsKept() throws {
        let amounts = ["10", "NaN", "3", "4.5", "7", "1"]
        let text = Self.orders(amounts: amounts)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-nan-\(UUID().uuidString).csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        let engine = Engine()
        _ = try MetricsTests.run(engine, "load \"\(url.path)\" as orders with (skip_bad_rows: true)")
        let total = try MetricsTests.cell(engine, "from customers | agg total = sum(revenue)")
        let expected = amounts.compactMap { Double($0) }.filter(\.isFinite).reduce(0, +)
        #expect(total == .decimal(expected))
        #expect(engine.roles?.amount == "amount")
    }

    @Test func explicitAmountColumnMustBeNumeric() throws {
        var options = LoadOptions()
        options.numericColumns = ["Net"]
        let text = Self.orders(amounts: ["1", "x", "y"], column: "Net")
        #expect(throws: Diagnostic.self) {
            _ = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders", options: options)
        }
        // Without the option a column of that name is an attribute, and mostly text stays text.
        let table = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders").table
        #expect(table.column("Net")?.type == .text)
    }

    /// Number columns that are not roles follow inference: one bad value makes the column text (documented).
    @Test func attributeColumnWithABadValueIsText() throws {
        let text = "customer_id,score\nA,1\nB,NaN\nC,3\n"
        let table = try CSVLoader.parse(text: text, path: "customers.csv", name: "customers").table
        #expect(table.column("score")?.type == .text)
    }

    /// A money column with one bad value is still money, in its own style.
    @Test func moneyWithABadValueKeepsItsStyle() throws {
        var options = LoadOptions()
        options.skipBadRows = true
        let text = "customer_id,order_date,amount\nA,2024-01-01,\"$1,234.50\"\nB,2024-01-02,oops\nC,2024-01-03,$3.00\n"
        let table = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders", options: options).table
        let column = try #require(table.column("amount"))
        #expect((0..<table.rowCount).map { column.value(at: $0) } == [.decimal(1234.5), .decimal(3)])
    }
}
