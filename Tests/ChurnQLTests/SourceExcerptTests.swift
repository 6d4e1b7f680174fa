import Testing

@testable import ChurnQLDiagnostics

/// A long source line is shown as a window around the span (at most 160 columns, `…` where cut), with the caret still
/// under the span's characters, through wide characters and escapes; a short line is shown whole.
struct SourceExcerptTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var before: String
        var target: String
        var after: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "short line", before: "from t | where ", target: "nope", after: " > 1"),
        Case(
            name: "caret in the middle", before: String(repeating: "a, ", count: 3000), target: "nope",
            after: String(repeating: ", b", count: 3000)),
        Case(name: "caret at the start", before: "", target: "nope", after: String(repeating: " x", count: 5000)),
        Case(name: "caret at the end", before: String(repeating: "x ", count: 5000), target: "nope", after: ""),
        Case(
            name: "wide characters", before: String(repeating: "中文 ", count: 1000), target: "名前",
            after: String(repeating: " 😀", count: 1000)),
        Case(
            name: "control characters", before: String(repeating: "\u{1B}[2J\\ ", count: 600), target: "nope",
            after: String(repeating: "\u{0}\t", count: 600)),
        Case(
            name: "a span longer than the window", before: "where ", target: String(repeating: "y", count: 5000),
            after: " > 1"),
        Case(
            name: "a span of wide characters", before: String(repeating: "é", count: 900),
            target: String(repeating: "中", count: 900), after: String(repeating: "é", count: 900)),
    ]

    @Test(arguments: cases)
    func caretStaysUnderTheSpan(_ c: Case) throws {
        let line = c.before + c.target + c.after
        let d = Diagnostic(
            code: "x", message: "m", line: 1, column: c.before.utf8.count + 1, length: c.target.utf8.count,
            sourceLine: line)
        let lines = DiagnosticRenderer.text(d).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let shown = String(lines[1].dropFirst(2))
        let caret = String(lines[2].dropFirst(2))
        #expect(TerminalText.width(shown) <= SourceExcerpt.maxColumns)
        #expect(!shown.unicodeScalars.contains { TerminalText.escape($0) != nil })
        let wholeWidth = TerminalText.width(TerminalText.escaped(line.replacingOccurrences(of: "\t", with: " ")))
        if wholeWidth <= SourceExcerpt.maxColumns {
            #expect(shown == TerminalText.escaped(line))
        } else {
            // Cut on at least one side; a side not cut is shown whole.
            #expect(shown.hasPrefix("…") || shown.hasSuffix("…"))
            let escaped = TerminalText.escaped(parts: [line, c.before, c.after])
            #expect(shown.hasPrefix("…") || shown.hasPrefix(escaped[1]))
            #expect(shown.hasSuffix("…") || shown.hasSuffix(escaped[2]))
        }
        let pad = caret.prefix { $0 == " " }.count
        let marks = caret.dropFirst(pad)
        #expect(!marks.isEmpty && marks.allSatisfy { $0 == "^" })
        // The characters before the caret fill exactly `pad` columns, and the span's text starts there.
        var width = 0
        var index = shown.startIndex
        while width < pad, index < shown.endIndex {
            width += TerminalText.width(String(shown[index]))
            index = shown.index(after: index)
        }
        #expect(width == pad)
        let target = TerminalText.escaped(parts: [line, c.target])[1]
        let underCaret = String(shown[index...])
        let targetWidth = TerminalText.width(target)
        if targetWidth <= SourceExcerpt.maxColumns / 2 {
            #expect(underCaret.hasPrefix(target))
            #expect(marks.count == targetWidth)
        } else {
            // A span too long for the window shows its start under the caret.
            #expect(marks.count > 0 && marks.count < targetWidth)
            #expect(target.hasPrefix(underCaret.prefix(marks.count / 2)))
        }
    }
}
