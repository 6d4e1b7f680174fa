import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// A bad date or number deep in a large file, loaded in parallel chunks after multi-line quoted rows, is named at
/// its line and column with its text and the `skip_bad_rows` hint, as in a small file.
struct BadValuePlaceTests {
    enum Kind: String, CaseIterable { case date, amount, quantity }

    /// The file, and the line and column where the bad value is (counted while writing it).
    static func file(rows: Int, badRow: Int, kind: Kind) -> (text: String, line: Int, column: Int, bad: String) {
        let bad = ["date": "2021-13-45", "amount": "1.2.3", "quantity": "x7"][kind.rawValue] ?? "?"
        var text = "order_id,customer_id,order_date,amount,quantity,note\n"
        text.reserveCapacity(rows * 48)
        var line = 2
        var place = (0, 0)
        for i in 1...rows {
            let note = i % 50_000 == 7 ? "\"multi\nline\n\nnote\"" : "n"
            var date = "2021-0\(1 + i % 9)-1\(i % 10)"
            var amount = "\(i % 1000).\(i % 90 + 10)"
            var quantity = "\(i % 7 + 1)"
            if i == badRow {
                switch kind {
                case .date: date = bad
                case .amount: amount = bad
                case .quantity: quantity = bad
                }
                let before = "\(i),C\(i % 50_000),"
                let column: Int
                switch kind {
                case .date: column = before.utf8.count + 1
                case .amount: column = before.utf8.count + date.utf8.count + 2
                case .quantity: column = before.utf8.count + date.utf8.count + amount.utf8.count + 3
                }
                place = (line, column)
            }
            text += "\(i),C\(i % 50_000),\(date),\(amount),\(quantity),\(note)\n"
            line += 1 + (note.count > 1 ? 3 : 0)
        }
        return (text, place.0, place.1, bad)
    }

    static let cases: [(rows: Int, badRow: Int)] = [(1_000_000, 900_000), (60_000, 3), (60_000, 59_999)]

    @Test(arguments: Kind.allCases, cases.indices)
    func badValueIsLocated(kind: Kind, size: Int) throws {
        let (rows, badRow) = Self.cases[size]
        let file = Self.file(rows: rows, badRow: badRow, kind: kind)
        let plan = ChunkPlan(parts: 8, minimumBytes: 0)
        var diagnostic: Diagnostic?
        do throws(Diagnostic) {
            let loaded = try CSVLoader.parse(
                text: file.text, path: "big.csv", name: "orders", options: LoadOptions(), inPlace: true,
                chunking: plan)
            // A bad date leaves the column text with a located note (the shell makes it the load's error).
            diagnostic = loaded.notes.first { $0.code == "not-a-date" }
        } catch {
            diagnostic = error
        }
        let found = try #require(diagnostic)
        #expect(found.code == (kind == .date ? "not-a-date" : "not-a-number"))
        #expect(found.line == file.line)
        #expect(found.column == file.column)
        #expect(found.message.contains("'\(file.bad)'"))
        #expect(found.hint?.contains("skip_bad_rows") == true)
        #expect(found.sourceLine?.contains(file.bad) == true)
    }

    @Test(arguments: Kind.allCases)
    func skipBadRowsSkipsTheRow(kind: Kind) throws {
        let file = Self.file(rows: 60_000, badRow: 30_000, kind: kind)
        var options = LoadOptions()
        options.skipBadRows = true
        let loaded = try CSVLoader.parse(
            text: file.text, path: "big.csv", name: "orders", options: options, inPlace: true,
            chunking: ChunkPlan(parts: 8, minimumBytes: 0))
        #expect(loaded.table.rowCount == 59_999)
        #expect(loaded.table.column("order_date")?.type == .date)
        #expect(loaded.notes.contains { $0.code == "skipped-rows" && $0.message.contains(file.bad) })
    }
}
