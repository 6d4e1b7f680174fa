import Foundation
import ChurnQLDiagnostics
import ChurnQLStore

/// Renders result tables in each output format.
public enum TableRenderer {
    /// The whole rendering, ending with a newline. `maxRows` bounds table output (the rest is summarised).
    public static func render(_ table: Table, format: OutputFormat, maxRows: Int = Int.max, maxWidth: Int? = nil)
        -> String
    {
        switch format {
        case .table: return box(table, maxRows: maxRows, maxWidth: maxWidth)
        case .csv: return csv(table)
        case .json: return json(table)
        case .markdown: return markdown(table)
        case .line: return lines(table)
        }
    }

    public static func csv(_ table: Table) -> String {
        var out = table.columns.map { csvField($0.name) }.joined(separator: ",") + "\n"
        for row in 0..<table.rowCount {
            out += table.columns.map { csvField(CellFormatter.text($0, row, grouped: false, exact: true) ?? "") }
                .joined(
                    separator: ",")
            out += "\n"
        }
        return out
    }

    /// Decided on bytes, not Characters: "\r\n" is one Character equal to neither "\r" nor "\n", and a quote or comma
    /// followed by a combining mark is another, so a Character test left such fields unquoted.
    static func csvField(_ s: String) -> String {
        let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), 10, 13]
        guard s.utf8.contains(where: { special.contains($0) }) else { return s }
        var bytes: [UInt8] = [UInt8(ascii: "\"")]
        bytes.reserveCapacity(s.utf8.count + 8)
        for byte in s.utf8 {
            bytes.append(byte)
            if byte == UInt8(ascii: "\"") { bytes.append(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func json(_ table: Table) -> String {
        var rows: [String] = []
        for row in 0..<table.rowCount {
            let fields = table.columns.map { column -> String in
                let key = jsonString(column.name)
                guard let text = CellFormatter.text(column, row, grouped: false, exact: true) else {
                    return key + ":null"
                }
                switch column.type {
                case .integer, .decimal, .boolean:
                    return key + ":" + (text == "NaN" || text.hasSuffix("inf") ? "null" : text)
                default: return key + ":" + jsonString(text)
                }
            }
            rows.append("{" + fields.joined(separator: ",") + "}")
        }
        return rows.isEmpty ? "[]\n" : "[\n" + rows.joined(separator: ",\n") + "\n]\n"
    }

    static func jsonString(_ s: String) -> String { DiagnosticRenderer.jsonString(s) }

    public static func markdown(_ table: Table) -> String {
        func escape(_ s: String) -> String {
            TerminalText.escaped(s).replacingOccurrences(of: "|", with: "\\|")
        }
        var out = "| " + table.columns.map { escape($0.name) }.joined(separator: " | ") + " |\n"
        out += "|" + table.columns.map { CellFormatter.isNumeric($0) ? " ---: |" : " --- |" }.joined() + "\n"
        for row in 0..<table.rowCount {
            out +=
                "| "
                + table.columns.map { escape(CellFormatter.text($0, row, grouped: false) ?? "") }.joined(
                    separator: " | ") + " |\n"
        }
        return out
    }

    public static func lines(_ table: Table) -> String {
        let names = table.columns.map { TerminalText.escaped($0.name) }
        let width = names.map(displayWidth).max() ?? 0
        var blocks: [String] = []
        for row in 0..<table.rowCount {
            blocks.append(
                zip(table.columns, names).map { column, name in
                    String(repeating: " ", count: width - displayWidth(name)) + name + " = "
                        + TerminalText.escaped(CellFormatter.text(column, row, grouped: false) ?? "null")
                }.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n") + "\n"
    }

    /// A box-drawn table: numbers right-aligned with thousands separators, nulls shown as `null`. Beyond
    /// `maxRows` the first and last rows are shown. Wider than `maxWidth`, middle columns are left out behind one
    /// `…` column and named after the table (values stay whole; no line is wider than `maxWidth`).
    public static func box(_ table: Table, maxRows: Int, maxWidth: Int? = nil) -> String {
        let limit = Swift.max(2, maxRows)
        let rows: [Int?] =
            table.rowCount <= limit
            ? Array(0..<table.rowCount)
            : Array(0..<(limit / 2)) + [nil] + Array((table.rowCount - (limit - limit / 2))..<table.rowCount)
        var cells: [[String]] = []
        for column in table.columns {
            cells.append(
                rows.map { row in
                    row.map { TerminalText.escaped(CellFormatter.text(column, $0, grouped: true) ?? "null") } ?? "…"
                })
        }
        var names = table.columns.map { TerminalText.escaped($0.name) }
        let naturalWidths = names.enumerated().map { i, name in
            Swift.max(displayWidth(name), cells[i].map(displayWidth).max() ?? 0)
        }
        let fit = ColumnFit.choose(widths: naturalWidths, maxWidth: maxWidth)
        let hiddenNames = fit.hidden.map { names[$0] }
        var numeric = fit.shown.map { CellFormatter.isNumeric(table.columns[$0]) }
        var widths = fit.widths
        cells = fit.shown.map { cells[$0] }
        names = fit.shown.map { names[$0] }
        if let gap = fit.gap {
            cells.insert(Array(repeating: "…", count: rows.count), at: gap)
            names.insert("…", at: gap)
            widths.insert(1, at: gap)
            numeric.insert(false, at: gap)
        }
        func line(_ left: String, _ mid: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: mid) + right + "\n"
        }
        func pad(_ text: String, _ width: Int, right: Bool) -> String {
            let s = WrappedText.cut(text, width)
            let fill = String(repeating: " ", count: Swift.max(0, width - displayWidth(s)))
            return right ? fill + s : s + fill
        }
        var out = line("┌", "┬", "┐")
        out +=
            "│"
            + names.enumerated().map { " " + pad($1, widths[$0], right: false) + " " }.joined(
                separator: "│") + "│\n"
        out += line("├", "┼", "┤")
        for r in rows.indices {
            out +=
                "│"
                + cells.indices.map { " " + pad(cells[$0][r], widths[$0], right: numeric[$0] && rows[r] != nil) + " " }
                .joined(separator: "│") + "│\n"
        }
        out += line("└", "┴", "┘")
        var footer: [String] = []
        let rowWord = table.rowCount == 1 ? "row" : "rows"
        let total = NumberFormat.grouped(String(table.rowCount))
        if rows.count < table.rowCount {
            footer.append("(\(total) \(rowWord), \(rows.count - 1) shown; .maxrows N shows more, .mode csv all)")
        } else if table.rowCount != 1 {
            footer.append("\(total) \(rowWord)")
        }
        if !hiddenNames.isEmpty {
            let columnWord = hiddenNames.count == 1 ? "column" : "columns"
            footer.append(
                "\(hiddenNames.count) \(columnWord) not shown: \(hiddenNames.joined(separator: ", ")); .maxwidth 0 shows all"
            )
        }
        for text in footer {
            for wrapped in WrappedText.lines(text, width: maxWidth) { out += wrapped + "\n" }
        }
        return out
    }

    /// Terminal columns a string occupies (East Asian wide characters count two).
    static func displayWidth(_ s: String) -> Int { TerminalText.width(s) }
}
