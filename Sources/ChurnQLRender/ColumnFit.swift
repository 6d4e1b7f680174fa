import ChurnQLDiagnostics

/// Which columns a box table shows within a width, as DuckDB's shell decides: every value stays whole, and when
/// the table is too wide the first and last columns are kept around one `…` column that stands for the middle ones.
struct ColumnFit: Equatable {
    /// Indices of the columns shown, in table order.
    var shown: [Int]
    /// The left-out middle columns (contiguous); the `…` column goes where they were.
    var hidden: [Int]
    /// Where the `…` column goes among the shown ones (nil when nothing is hidden).
    var gap: Int?
    /// The widths to draw the shown columns with: their natural widths, except a single column wider than the
    /// whole width, which is cut (the only case where a value is cut).
    var widths: [Int]

    /// Width of a box table row: each column is drawn as " value │", plus the left border.
    static func lineWidth(_ widths: [Int]) -> Int { widths.reduce(1) { $0 + $1 + 3 } }

    /// The `…` column: one character and its frame.
    static let gapWidth = 4

    static func choose(widths: [Int], maxWidth: Int?) -> ColumnFit {
        let all = Array(widths.indices)
        guard let maxWidth, lineWidth(widths) > maxWidth, !widths.isEmpty else {
            return ColumnFit(shown: all, hidden: [], gap: nil, widths: widths)
        }
        // The first column (usually the key) is always shown; when it alone is wider than the width it is cut.
        let room = maxWidth - lineWidth([]) - 3 - (widths.count > 1 ? gapWidth : 0)
        guard widths[0] <= room else {
            let hidden = Array(all.dropFirst())
            return ColumnFit(
                shown: [0], hidden: hidden, gap: hidden.isEmpty ? nil : 1, widths: [Swift.max(1, room)])
        }
        // Then take columns from both ends, right first, while they fit beside the `…` column.
        var left = [0]
        var right: [Int] = []
        var used = lineWidth([widths[0]]) + gapWidth
        var next = (left: 1, right: widths.count - 1)
        var preferLeft = false
        while next.left <= next.right {
            let order = preferLeft ? [next.left, next.right] : [next.right, next.left]
            guard let column = order.first(where: { used + widths[$0] + 3 <= maxWidth }) else { break }
            used += widths[column] + 3
            if column == next.left {
                left.append(column)
                next.left += 1
            } else {
                right.insert(column, at: 0)
                next.right -= 1
            }
            preferLeft.toggle()
        }
        let shown = left + right
        let hidden = next.left <= next.right ? Array(next.left...next.right) : []
        return ColumnFit(
            shown: shown, hidden: hidden, gap: hidden.isEmpty ? nil : left.count, widths: shown.map { widths[$0] })
    }
}

/// Words laid out in lines no wider than a width (a word wider than the width is cut with `…`).
enum WrappedText {
    static func lines(_ text: String, width: Int?) -> [String] {
        guard let width, TerminalText.width(text) > width else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ").map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if TerminalText.width(candidate) <= width {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = cut(word, width)
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The text cut to a display width, ending in `…` when anything was left out.
    static func cut(_ text: String, _ width: Int) -> String {
        guard TerminalText.width(text) > width else { return text }
        var out = ""
        var used = 0
        for character in text {
            let characterWidth = TerminalText.width(String(character))
            if used + characterWidth > width - 1 { break }
            out.append(character)
            used += characterWidth
        }
        return out + "…"
    }
}
