/// The part of a source line shown under a diagnostic: at most `maxColumns` terminal columns around the span, with
/// `…` where the line is cut, so a statement on one 12 MB line (or a 100,000-item `in` list) prints one screen line.
/// Columns and lengths count UTF-8 bytes, as the lexer and loaders report them.
struct SourceExcerpt {
    static let maxColumns = 160
    /// Bytes kept on each side of the span before escaping: more than `maxColumns` columns of any text but zero-width
    /// marks, so a huge line is never escaped or measured whole.
    static let byteMargin = 1024

    /// The shown text (escaped, tabs as spaces) and the caret's padding and run, in terminal columns.
    var text: String
    var caretColumn: Int
    var caretWidth: Int

    init(line: String, column: Int, length: Int) {
        let utf8 = line.utf8
        let count = utf8.count
        func isContinuation(_ i: Int) -> Bool {
            i > 0 && i < count && utf8[utf8.index(utf8.startIndex, offsetBy: i)] & 0xC0 == 0x80
        }
        func scalarStart(_ i: Int) -> Int {
            var i = Swift.max(0, Swift.min(i, count))
            while isContinuation(i) { i -= 1 }
            return i
        }
        let start = scalarStart(column - 1)
        var end = Swift.min(count, start + Swift.max(1, length))
        while isContinuation(end) { end += 1 }
        let windowStart = scalarStart(start - Self.byteMargin)
        let spanEnd = scalarStart(Swift.min(end, start + Self.byteMargin))
        let windowEnd = scalarStart(Swift.min(count, spanEnd + Self.byteMargin))
        func piece(_ from: Int, _ to: Int) -> [String] {
            let bytes = utf8.dropFirst(from).prefix(to - from).map { $0 == 9 ? 32 : $0 }
            return String(decoding: bytes, as: UTF8.self).map(String.init)
        }
        let before = piece(windowStart, start)
        let span = piece(start, spanEnd)
        let after = piece(spanEnd, windowEnd)
        // Escaped character by character, alike (backslashes doubled everywhere when anything needs an escape), so a
        // cut never splits an escape and the widths add up.
        let shown = TerminalText.escaped(parts: before + span + after)
        let widths = shown.map(TerminalText.width)
        let b = before.count
        let s = span.count
        self.init(
            units: shown, widths: widths, spanRange: b..<(b + s), cutBefore: windowStart > 0,
            cutSpan: spanEnd < end, cutAfter: windowEnd < count)
    }

    private init(
        units: [String], widths: [Int], spanRange: Range<Int>, cutBefore: Bool, cutSpan: Bool, cutAfter: Bool
    ) {
        let total = widths.reduce(0, +)
        if total <= Self.maxColumns && !cutBefore && !cutSpan && !cutAfter {
            text = units.joined()
            caretColumn = widths[..<spanRange.lowerBound].reduce(0, +)
            caretWidth = Swift.max(1, widths[spanRange].reduce(0, +))
            return
        }
        let ellipsis = "…"
        // The span keeps at most two thirds of the room; a longer span shows its start and is cut after it.
        var spanEnd = spanRange.lowerBound
        var spanWidth = 0
        while spanEnd < spanRange.upperBound && spanWidth + widths[spanEnd] <= Self.maxColumns * 2 / 3 {
            spanWidth += widths[spanEnd]
            spanEnd += 1
        }
        let spanShortened = cutSpan || spanEnd < spanRange.upperBound
        let afterWidth = spanShortened ? 0 : widths[spanRange.upperBound...].reduce(0, +)
        let room = Self.maxColumns - spanWidth - 2
        // Context before the caret: half the room, or more when what follows is short.
        let beforeBudget = Swift.max(room / 2, room - afterWidth)
        var beforeStart = spanRange.lowerBound
        var beforeWidth = 0
        while beforeStart > 0 && beforeWidth + widths[beforeStart - 1] <= beforeBudget {
            beforeStart -= 1
            beforeWidth += widths[beforeStart]
        }
        var afterEnd = spanEnd
        var shownAfter = 0
        if !spanShortened {
            while afterEnd < units.count && shownAfter + widths[afterEnd] <= room - beforeWidth {
                shownAfter += widths[afterEnd]
                afterEnd += 1
            }
        }
        let leftMark = beforeStart > 0 || cutBefore ? ellipsis : ""
        let rightMark = afterEnd < units.count || cutAfter || spanShortened ? ellipsis : ""
        text = leftMark + units[beforeStart..<afterEnd].joined() + rightMark
        caretColumn = (leftMark.isEmpty ? 0 : 1) + beforeWidth
        caretWidth = Swift.max(1, spanWidth)
    }
}
