import ChurnQLDiagnostics
import ChurnQLStore

/// A small terminal line chart: one or two series over the same x positions, drawn with characters.
public enum LineChart {
    /// `series` are (name, values, mark); every series has one value per x position.
    public static func render(
        title: String, series: [(name: String, values: [Double], mark: Character)], xLabel: String, height: Int = 10,
        width: Int = 60
    ) -> String {
        let count = series.map(\.values.count).max() ?? 0
        let all = series.flatMap(\.values).filter(\.isFinite)
        guard count > 1, let high = all.max(), let low = all.min() else { return "" }
        let top = high == low ? high + 1 : high
        let bottom = Swift.min(0, low)
        guard (top - bottom).isFinite else { return "" }
        let columns = Swift.min(width, count)
        var grid = [[Character]](repeating: [Character](repeating: " ", count: columns), count: height)
        for s in series {
            for c in 0..<columns {
                let index = c * (count - 1) / Swift.max(1, columns - 1)
                let value = s.values[Swift.min(index, s.values.count - 1)]
                guard value.isFinite else { continue }
                let row = Int(((top - value) / (top - bottom) * Double(height - 1)).rounded())
                let r = Swift.max(0, Swift.min(height - 1, row))
                grid[r][c] = grid[r][c] == " " || grid[r][c] == s.mark ? s.mark : "◆"
            }
        }
        func label(_ v: Double) -> String {
            let text = NumberFormat.grouped(NumberFormat.plain((v * 100).rounded() / 100))
            return String(repeating: " ", count: Swift.max(0, 10 - text.count)) + text
        }
        var out = TerminalText.escaped(title) + "\n"
        for (r, line) in grid.enumerated() {
            let value = top - (top - bottom) * Double(r) / Double(height - 1)
            let axis = r == 0 || r == height - 1 || r == height / 2 ? label(value) : String(repeating: " ", count: 10)
            out += axis + " ┤" + String(line) + "\n"
        }
        out += String(repeating: " ", count: 11) + "└" + String(repeating: "─", count: columns) + "\n"
        out +=
            String(repeating: " ", count: 12) + TerminalText.escaped(xLabel) + "   "
            + series.map { TerminalText.escaped("\($0.mark) \($0.name)") }.joined(separator: "   ") + "\n"
        return out
    }
}
