import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLDiagnostics
@testable import ChurnQLLoad
@testable import ChurnQLRender

/// Control characters never reach the terminal raw: tables, messages and carets show them escaped; CSV and JSON
/// keep every byte.
struct TerminalTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var input: String
        var shown: String
        var width: Int
        var testDescription: String { shown }
    }

    /// Every C0 control, DEL and every C1 control, one at a time, with the escape spelled out independently.
    @Test func everyControlCharacterIsEscaped() {
        let controls = Array(0x00...0x1F) + [0x7F] + Array(0x80...0x9F)
        for value in controls {
            let scalar = Unicode.Scalar(UInt32(value)).map(Character.init) ?? " "
            let expected = value == 0 ? "\\0" : "\\x" + (value < 16 ? "0" : "") + String(value, radix: 16)
            let shown = TerminalText.escaped("a\(scalar)b")
            #expect(shown == "a" + expected + "b", "U+\(String(value, radix: 16))")
            #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        }
    }

    @Test(arguments: [
        Case(input: "\u{1B}[31mred\u{1B}[0m", shown: "\\x1b[31mred\\x1b[0m", width: 18),
        Case(input: "\u{1B}]52;c;cHduZWQ=\u{07}", shown: "\\x1b]52;c;cHduZWQ=\\x07", width: 22),
        Case(input: "\u{1B}]0;title\u{1B}\\", shown: "\\x1b]0;title\\x1b\\\\", width: 18),
        Case(input: "\u{1B}[2J\u{1B}[H", shown: "\\x1b[2J\\x1b[H", width: 13),
        Case(input: "nul\u{0}", shown: "nul\\0", width: 5),
        Case(input: "csi\u{9B}2J", shown: "csi\\x9b2J", width: 9),
        Case(input: "abc\u{202E}fed", shown: "abc\\u{202e}fed", width: 14),
        Case(input: "\u{2066}x\u{2069}\u{202A}", shown: "\\u{2066}x\\u{2069}\\u{202a}", width: 25),
        // Text that prints as itself stays unchanged, backslashes too; widths count wide characters twice.
        Case(input: "café naïve Ærø", shown: "café naïve Ærø", width: 14),
        Case(input: "中文 日本語 한국어", shown: "中文 日本語 한국어", width: 18),
        Case(input: "😀 ok", shown: "😀 ok", width: 5),
        Case(input: "C:\\data\\x1b", shown: "C:\\data\\x1b", width: 11),
        // With an escape in the text, a backslash doubles, so `\x1b` written as data is told from a real ESC.
        Case(input: "\\x1b\u{1B}", shown: "\\\\x1b\\x1b", width: 9),
    ])
    func escapesAndWidths(_ c: Case) {
        let shown = TerminalText.escaped(c.input)
        #expect(shown == c.shown)
        #expect(TerminalText.width(shown) == c.width)
    }

    @Test func notesKeepTheirNewlinesOnly() {
        #expect(TerminalText.escaped("a\nb\u{1B}", keepingNewlines: true) == "a\nb\\x1b")
        #expect(TerminalText.escaped("a\nb") == "a\\x0ab")
    }

    /// The caret sits under the span in the escaped line, however many columns the escapes before it add.
    @Test(arguments: [
        ("where x == \"\u{1B}[2J\" and nope > 1", "nope"),
        ("where x == \"\u{202E}\u{0}\" and nope > 1", "nope"),
        ("where x == \"中文😀\\\u{7}\" and nope > 1", "nope"),
        ("\tnope", "nope"),
    ])
    func caretLinesUpWithTheEscapedLine(_ line: String, _ target: String) throws {
        let bytes = Array(line.utf8)
        let offset = try #require(
            (0...(bytes.count - target.utf8.count)).first {
                Array(bytes[$0..<($0 + target.utf8.count)]) == Array(target.utf8)
            })
        let d = Diagnostic(
            code: "x", message: "unknown column '\(target)'", line: 1, column: offset + 1, length: target.utf8.count,
            sourceLine: line)
        let lines = DiagnosticRenderer.text(d).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = lines[1]
        let caret = lines[2]
        #expect(!shown.unicodeScalars.contains { TerminalText.escape($0) != nil })
        let pad = caret.prefix { $0 == " " }.count
        let marks = caret.filter { $0 == "^" }.count
        #expect(marks == target.count)
        // The columns before the caret hold exactly the text before the target.
        let before = try #require(shown.range(of: target)).lowerBound
        #expect(TerminalText.width(String(shown[..<before])) == pad)
    }

    @Test func messagesHintsAndFileNamesAreEscaped() {
        let d = Diagnostic(
            code: "x", message: "bad \u{1B}]0;x\u{7}", file: "f\u{1B}.cql", line: 2, column: 1, hint: "try \u{9B}")
        let text = DiagnosticRenderer.text(d)
        #expect(text == "f\\x1b.cql:2:1: error: bad \\x1b]0;x\\x07\nhint: try \\x9b")
    }

    static let hostile = [
        "plain", "a,b", "q\"uote", "line\nbreak", "\r\n", "\u{1B}]52;c;cHduZWQ=\u{7}", "nul\u{0}x", "del\u{7F}",
        "c1\u{85}\u{9B}", "bidi\u{202E}", "back\\slash", "中文😀", "\t", "a\r\nb", "\"\u{301}", ",\u{301}x",
    ]

    static func table() -> Table {
        Table(
            name: "t",
            columns: [
                Column(
                    name: "v", storage: .text(codes: (0..<Int32(hostile.count)).map { $0 }, dictionary: hostile))
            ])
    }

    /// JSON output parses back to the very same strings, and is itself free of raw controls.
    @Test func jsonRoundTripsEveryByte() throws {
        let json = TableRenderer.json(Self.table())
        #expect(!json.unicodeScalars.contains { $0 != "\n" && TerminalText.escape($0) != nil })
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: String]])
        #expect(rows.map { $0["v"] } == Self.hostile)
    }

    /// CSV output is RFC 4180 and loads back to the same strings.
    @Test func csvRoundTripsEveryByte() throws {
        // NUL marks a binary file for the loader, so the round trip leaves it out.
        let texts = Self.hostile.filter { !$0.contains("\u{0}") }
        let csv = TableRenderer.csv(
            Table(
                name: "t",
                columns: [
                    Column(name: "v", storage: .text(codes: (0..<Int32(texts.count)).map { $0 }, dictionary: texts))
                ]))
        var options = LoadOptions()
        options.delimiter = UInt8(ascii: ",")
        options.header = true
        let loaded = try CSVLoader.parse(text: csv, path: "t.csv", name: "t", options: options).table
        let column = try #require(loaded.column("v"))
        let values = (0..<loaded.rowCount).map { CellFormatter.text(column, $0, grouped: false) ?? "" }
        // The loader reads a lone "\t" or "plain" the same; everything else must come back byte for byte.
        #expect(values.count == texts.count, "\(values)")
        for (value, original) in zip(values, texts) where !original.allSatisfy(\.isWhitespace) {
            #expect(value == original)
        }
    }

    @Test func tablesShowEscapesAndAlignOnThem() {
        let box = TableRenderer.box(Self.table(), maxRows: 100)
        #expect(!box.unicodeScalars.contains { $0 != "\n" && TerminalText.escape($0) != nil })
        let widths = Set(box.split(separator: "\n").filter { $0.hasPrefix("│") }.map { TerminalText.width(String($0)) })
        #expect(widths.count == 1)
        for format in [OutputFormat.markdown, .line] {
            let text = TableRenderer.render(Self.table(), format: format)
            #expect(!text.unicodeScalars.contains { $0 != "\n" && TerminalText.escape($0) != nil }, "\(format)")
            #expect(text.contains("\\x1b]52;c;cHduZWQ=\\x07"))
        }
    }
}
