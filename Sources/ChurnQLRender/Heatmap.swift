import ChurnQLDiagnostics
import ChurnQLStore

/// A cohort matrix drawn as a table whose cells are shaded by value (ANSI colours on a terminal only).
public enum Heatmap {
    /// Rows are cohorts with their sizes; `values[i][p]` is period p of cohort i. The last row is the average.
    public static func render(
        labels: [String], sizes: [Int], values: [[Double?]], asPercent: Bool, color: Bool, title: String,
        maxWidth: Int? = nil
    ) -> String {
        let allPeriods = values.map(\.count).max() ?? 0
        // On a narrow terminal show the first periods that fit (cohort, size and each period take about 8 columns).
        let fitting = maxWidth.map { Swift.max(3, ($0 - 22) / 9) } ?? allPeriods
        let periods = Swift.min(allPeriods, fitting)
        var average: [Double?] = []
        for p in 0..<periods {
            let present = values.compactMap { $0.count > p ? $0[p] : nil }
            average.append(present.isEmpty ? nil : present.reduce(0, +) / Double(present.count))
        }
        func text(_ v: Double?) -> String {
            guard let v else { return "" }
            if asPercent { return NumberFormat.plain((v * 1000).rounded() / 10) + "%" }
            return NumberFormat.grouped(NumberFormat.plain((v * 100).rounded() / 100))
        }
        let header = ["cohort", "size"] + (0..<periods).map { String($0) }
        var rows: [[String]] = []
        for (i, label) in labels.enumerated() {
            rows.append(
                [TerminalText.escaped(label), NumberFormat.grouped(String(sizes[i]))]
                    + (0..<periods).map { p in text(values[i].count > p ? values[i][p] : nil) })
        }
        rows.append(["average", NumberFormat.grouped(String(sizes.reduce(0, +)))] + average.map(text))
        let widths = header.indices.map { c in ([header[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        let maxValue = values.flatMap { $0.compactMap { $0 } }.filter { $0.isFinite }.max() ?? 1
        func cell(_ s: String, _ width: Int, _ value: Double?, right: Bool) -> String {
            let padded =
                right
                ? String(repeating: " ", count: width - s.count) + s
                : s + String(repeating: " ", count: width - s.count)
            guard color, let value, maxValue > 0 else { return " " + padded + " " }
            // 256-colour ramp from pale to deep blue.
            let ramp = [231, 189, 153, 117, 75, 33, 27]
            let level = Swift.max(0, Swift.min(ramp.count - 1, Int((value / maxValue) * Double(ramp.count - 1))))
            let foreground = level >= 4 ? 231 : 16
            return "\u{1B}[48;5;\(ramp[level])m\u{1B}[38;5;\(foreground)m " + padded + " \u{1B}[0m"
        }
        var out = TerminalText.escaped(title) + "\n"
        let hidden = allPeriods - periods
        out +=
            header.indices.map { c in
                " "
                    + (c < 2
                        ? header[c] + String(repeating: " ", count: widths[c] - header[c].count)
                        : String(repeating: " ", count: widths[c] - header[c].count) + header[c]) + " "
            }.joined(separator: "│") + "\n"
        out += widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼") + "\n"
        for (r, row) in rows.enumerated() {
            let isAverage = r == rows.count - 1
            if isAverage { out += widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: "┼") + "\n" }
            let source: [Double?] = isAverage ? average : values[r]
            out +=
                row.indices.map { c in
                    if c < 2 { return cell(row[c], widths[c], nil, right: c == 1) }
                    let p = c - 2
                    return cell(row[c], widths[c], isAverage ? nil : (source.count > p ? source[p] : nil), right: true)
                }.joined(separator: "│") + "\n"
        }
        if hidden > 0 {
            let note =
                "(\(hidden) later period\(hidden == 1 ? "" : "s") not shown for the terminal's width; .mode csv shows all)"
            for line in WrappedText.lines(note, width: maxWidth) { out += line + "\n" }
        }
        return out
    }
}
