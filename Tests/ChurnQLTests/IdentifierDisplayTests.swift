import ChurnQLEngine
import ChurnQLLoad
import ChurnQLRender
import ChurnQLStore
import Foundation
import Testing

/// Order ids kept as integers are identifiers, not quantities: box tables print them as written (no digit
/// grouping) wherever the column passes unchanged, while quantities and computed numbers keep their grouping.
struct IdentifierDisplayTests {
    static let ids = ["20230115", "105354", "-7", "1234567890123"]

    static func orders(idColumn: String) -> String {
        "\(idColumn),customer_id,order_date,amount,qty\n"
            + ids.enumerated().map { "\($1),C\($0),2024-01-0\($0 + 1),1,\(1000 * ($0 + 1))" }.joined(separator: "\n")
    }

    /// The cells of a column in a box table, read back from the rendered text.
    static func boxCells(_ table: Table, _ column: String) throws -> [String] {
        let index = try #require(table.columnIndex(column))
        let text = TableRenderer.box(table, maxRows: 100)
        return text.split(separator: "\n").filter { $0.hasPrefix("│") }.dropFirst().map { line in
            let cells = line.split(separator: "│", omittingEmptySubsequences: false).dropFirst()
            return cells[cells.startIndex + index].trimmingCharacters(in: .whitespaces)
        }
    }

    @Test(arguments: ["order_id", "invoice_no", "TransactionID"])
    func loadedIdsPrintAsWritten(_ idColumn: String) throws {
        let table = try CSVLoader.parse(text: Self.orders(idColumn: idColumn), path: "o.csv", name: "orders").table
        #expect(table.column(idColumn)?.type == .integer)
        #expect(try Self.boxCells(table, idColumn) == Self.ids)
        // A quantity is a number: grouped as before.
        let quantities = (1...Self.ids.count).map { NumberFormat.grouped(String(1000 * $0)) }
        #expect(try Self.boxCells(table, "qty") == quantities)
    }

    /// Through select, sort, take, join and group the id passes unchanged; arithmetic makes a number.
    @Test(arguments: [
        ("from orders | select order_id | sort order_id", "order_id", true),
        ("from orders | join customers on customer_id | select order_id", "order_id", true),
        ("from orders | group order_id | count | sort order_id", "order_id", true),
        ("from orders | sort -amount | take 10 | select id = order_id", "id", true),
        ("from orders | select x = order_id + 0 | sort x", "x", false),
    ])
    func idsKeepTheirFormThroughSteps(_ query: String, _ column: String, _ plain: Bool) throws {
        let url = try KeyColumnTests.temporaryFile("orders.csv", Self.orders(idColumn: "order_id"))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let engine = Engine()
        _ = try engine.loadFile(path: url.path)
        let table = try #require(try MetricsTests.run(engine, query))
        let values = try #require(table.column(column))
        let written = (0..<table.rowCount).map { String(values.value(at: $0).plainText) }
        let expected = plain ? written : written.map(NumberFormat.grouped)
        #expect(try Self.boxCells(table, column) == expected)
        #expect(Set(written) == Set(Self.ids))
    }
}
