import ChurnQLDiagnostics
import ChurnQLStore
import Testing

@testable import ChurnQLRender
@testable import ChurnQLShell

/// Tables wider than the terminal leave out middle columns behind one `…` column and name them; values stay whole
/// and no line is wider than the width.
struct WideTableTests {
    static func textColumn(_ name: String, _ values: [String]) -> Column {
        Column(name: name, storage: .text(codes: values.indices.map { Int32($0) }, dictionary: values))
    }

    /// A customers-like table: ids, dates, numbers, text of several widths (wide characters too), nulls.
    static let wide: Table = {
        let rows = 6
        var columns: [Column] = [textColumn("customer_id", (0..<rows).map { "C\(1000 + $0)" })]
        for i in 0..<8 {
            columns.append(Column(name: "date_\(i)", storage: .date((0..<rows).map { Int32(9000 + $0 * 31 + i) })))
            columns.append(
                Column(name: "amount_\(i)", storage: .decimal((0..<rows).map { Double($0) * 1234.5678 + Double(i) })))
        }
        columns.append(textColumn("region", (0..<rows).map { ["東京", "North", "Île-de-France"][$0 % 3] }))
        columns.append(
            Column(
                name: "a_rather_long_column_name", storage: .integer((0..<rows).map { Int64($0) }),
                nulls: (0..<rows).map { $0 == 2 }))
        columns.append(textColumn("status", (0..<rows).map { ["active", "lapsed", "lost"][$0 % 3] }))
        return Table(name: "wide", columns: columns)
    }()

    /// The cells a box table shows for a column, computed the way tables print them.
    static func cellTexts(_ column: Column, rows: Int) -> [String] {
        (0..<rows).map { CellFormatter.text(column, $0, grouped: true) ?? "null" }
    }

    @Test(arguments: [60, 120, 200])
    func fitsTheWidthAndNamesWhatIsLeftOut(width: Int) {
        let table = Self.wide
        let unlimited = TableRenderer.box(table, maxRows: 100)
        let natural = unlimited.split(separator: "\n").map { TerminalText.width(String($0)) }.max() ?? 0
        #expect(natural > 200, "the table must be wider than every width tested")
        let out = TableRenderer.box(table, maxRows: 100, maxWidth: width)
        let lines = out.split(separator: "\n").map(String.init)
        for line in lines {
            #expect(TerminalText.width(line) <= width, "\(line)")
        }
        let header = lines.dropFirst().first ?? ""
        let headerNames = header.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty
        }
        #expect(headerNames.contains("…"))
        let shown = table.columns.filter { headerNames.contains($0.name) }
        let hidden = table.columns.filter { !headerNames.contains($0.name) }
        #expect(!shown.isEmpty && !hidden.isEmpty)
        // First and last columns are kept; the left-out ones are the middle, each named after the table.
        #expect(shown.first?.name == table.columns.first?.name)
        #expect(shown.last?.name == table.columns.last?.name)
        let footer = lines.drop { !$0.contains("not shown") }.joined(separator: " ")
        #expect(footer.hasPrefix("\(hidden.count) columns not shown:"))
        for column in hidden {
            #expect(footer.contains(" \(column.name),") || footer.contains(" \(column.name);"), "\(column.name)")
        }
        #expect(footer.hasSuffix(".maxwidth 0 shows all"))
        // Every shown value is printed whole, in its own row.
        let bodyLines = Array(lines.dropFirst(3).prefix(table.rowCount))
        for column in shown {
            for (row, text) in Self.cellTexts(column, rows: table.rowCount).enumerated() {
                #expect(bodyLines[row].contains(" \(text) "), "\(column.name) row \(row): \(text)")
            }
        }
    }

    @Test func aTableThatFitsIsUnchanged() {
        let narrow = Table(name: "t", columns: Array(Self.wide.columns.prefix(3)))
        #expect(TableRenderer.box(narrow, maxRows: 100, maxWidth: 80) == TableRenderer.box(narrow, maxRows: 100))
        #expect(!TableRenderer.box(narrow, maxRows: 100, maxWidth: 80).contains("not shown"))
    }

    /// A single value wider than the terminal is the one case that is cut: the line still fits.
    @Test(arguments: [20, 45, 80])
    func aValueWiderThanTheTerminalIsCut(width: Int) {
        let long = String(repeating: "x", count: 300)
        let table = Table(name: "t", columns: [Self.textColumn("note", [long]), Self.textColumn("other", ["y"])])
        let out = TableRenderer.box(table, maxRows: 10, maxWidth: width)
        for line in out.split(separator: "\n") {
            #expect(TerminalText.width(String(line)) <= width, "\(line)")
        }
        #expect(out.contains("x…"))
        let footer = out.split(separator: "\n").drop { !$0.contains("not shown") }.joined(separator: " ")
        #expect(footer == "1 column not shown: other; .maxwidth 0 shows all")
        #expect(out.split(separator: "\n").dropFirst(3).first?.contains(" … │") == true)
    }

    /// The columns chosen are always the first k and the last m around one contiguous left-out range, and the
    /// drawn width never exceeds the limit when any column fits.
    @Test(arguments: [30, 50, 77, 101, 160])
    func columnChoiceKeepsBothEnds(width: Int) {
        let widths = [11, 10, 10, 6, 13, 9, 7, 15, 15, 11, 16, 19, 13, 12, 6, 6, 9, 11]
        let fit = ColumnFit.choose(widths: widths, maxWidth: width)
        #expect((fit.shown + fit.hidden).sorted() == Array(widths.indices))
        if let firstHidden = fit.hidden.first, let lastHidden = fit.hidden.last {
            #expect(fit.hidden == Array(firstHidden...lastHidden))
            #expect(fit.gap == fit.shown.filter { $0 < firstHidden }.count)
            #expect(ColumnFit.lineWidth(fit.widths) + ColumnFit.gapWidth <= width)
        } else {
            #expect(ColumnFit.lineWidth(widths) <= width)
        }
    }
}

/// Off a window size, the terminal width comes from $COLUMNS when it is a sensible number, else 80.
struct TerminalWidthFallbackTests {
    @Test(arguments: [
        ("132", 132), (" 90 ", 90), ("0", 80), ("-5", 80), ("wide", 80), ("", 80), ("99999999999999999999", 80),
    ])
    func columnsVariable(text: String, width: Int) {
        #expect(Terminal.fallbackColumns(text) == width)
    }

    @Test func noVariable() { #expect(Terminal.fallbackColumns(nil) == 80) }
}
