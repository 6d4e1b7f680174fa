import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLRender
import ChurnQLStore
import Foundation
import Testing

/// `CSVLoader.parse(text:)` (tests, the fuzz target) and loading the same bytes from a file must give the same
/// table: random small texts whose quoted fields hold CR, LF and CRLF, records ended by LF or CRLF.
struct CSVTextPathTests {
    static let fields = [
        "a", "b c", "", "7", "\"\"", "\"\r\n\"", "\"\n\"", "\"\r\"", "\"x\r\ny\"", "\"\r\n\r\n\"", "\"q\"\"\"", "\" \"",
        "\"\n\r\"",
    ]

    static func randomCSV(_ generator: inout FuzzTests.Random) -> String {
        let width = 1 + generator.below(3)
        var text = (0..<width).map { "h\($0)" }.joined(separator: ",")
        for _ in 0..<(1 + generator.below(6)) {
            text += generator.pick(["\n", "\r\n"])
            text += (0..<width).map { _ in generator.pick(fields) }.joined(separator: ",")
        }
        if generator.below(2) == 0 { text += generator.pick(["\n", "\r\n"]) }
        return text
    }

    static func cells(_ table: Table) -> [[String]] {
        table.columns.map { column in (0..<table.rowCount).map { CellFormatter.text(column, $0, grouped: false) ?? "∅" }
        }
    }

    @Test(arguments: [1, 2, 3, 4])
    func textAndFileGiveTheSameTable(seed: UInt64) throws {
        var generator = FuzzTests.Random(state: seed)
        var options = LoadOptions()
        options.delimiter = UInt8(ascii: ",")
        options.header = true
        for _ in 0..<60 {
            let csv = Self.randomCSV(&generator)
            let url = try KeyColumnTests.temporaryFile("t.csv", csv)
            defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
            let fromFile = try CSVLoader.load(path: url.path, name: "t", options: options).table
            let fromText = try CSVLoader.parse(text: csv, path: url.path, name: "t", options: options).table
            #expect(fromText.rowCount == fromFile.rowCount, "\(csv.debugDescription)")
            #expect(Self.cells(fromText) == Self.cells(fromFile), "\(csv.debugDescription)")
        }
    }

    /// The case seen: a record whose only field is a quoted CRLF.
    @Test func aRecordOfOneQuotedCRLFIsKept() throws {
        var options = LoadOptions()
        options.header = true
        let loaded = try CSVLoader.parse(text: "v\n\"\r\n\"\nx\n", path: "t.csv", name: "t", options: options).table
        #expect(Self.cells(loaded) == [["\r\n", "x"]])
    }
}
