import ChurnQLDiagnostics
import ChurnQLStore

/// Columns that must hold numbers: those named like amounts, quantities, prices and profits, and those given with
/// `amount:`. Inference reads a column with one `NaN` or `abc` as text, and the amount role then drops out, so
/// every customer's revenue would be 0 in silence. Here such a column becomes numeric again and each value that is
/// not a number is a located error, or with `skip_bad_rows` a skipped row (counted in a warning).
public enum NumericColumns {
    /// Where a bad value was: line, column and the line's text; nil where the source has no lines (SQLite).
    public typealias Locator = (_ column: Int, _ text: String) -> (line: Int, column: Int, sourceLine: String?)?

    static let names = Set(
        RoleDetector.amountNames + RoleDetector.quantityNames + RoleDetector.unitPriceNames + RoleDetector.profitNames)

    /// Whether a column of this name must hold numbers.
    static func isNumericName(_ name: String) -> Bool { names.contains(RoleDetector.normalize(name)) }

    /// The table with its number columns made numeric, and the warnings about values dropped or made null.
    public static func enforce(_ table: Table, options: LoadOptions, path: String, locate: Locator)
        throws(Diagnostic) -> (Table, [Diagnostic])
    {
        let explicit = Set(options.numericColumns.map { $0.lowercased() })
        var table = table
        var warnings: [Diagnostic] = []
        var badRows: [Bool]?
        var skippedCounts: [(name: String, count: Int, text: String)] = []
        for (i, column) in table.columns.enumerated() {
            let isExplicit = explicit.contains(column.name.lowercased())
            guard isExplicit || isNumericName(column.name) else { continue }
            var skippedHere = 0
            if !column.type.isNumeric {
                guard let repair = repaired(column, mustBeNumeric: isExplicit) else { continue }
                if let first = repair.firstBad {
                    guard options.skipBadRows else {
                        throw notANumber(column.name, first, count: repair.badCount, index: i, path, locate)
                    }
                    var mask = badRows ?? [Bool](repeating: false, count: table.rowCount)
                    for (row, bad) in repair.bad.enumerated() where bad { mask[row] = true }
                    badRows = mask
                    skippedCounts.append((column.name, repair.badCount, first))
                    skippedHere = repair.badCount
                }
                table.columns[i] = repair.column
            }
            // Rows about to be skipped are not counted as nulls.
            let nulls = (table.columns[i].nulls?.reduce(0) { $0 + ($1 ? 1 : 0) } ?? 0) - skippedHere
            if nulls > 0 {
                warnings.append(
                    Diagnostic(
                        code: "null-numbers",
                        message:
                            "column '\(column.name)': \(NumberFormat.grouped(String(nulls))) of "
                            + "\(NumberFormat.grouped(String(table.rowCount - skippedHere))) values are null (empty or a null token); "
                            + "sums leave them out",
                        severity: .warning, file: path))
            }
        }
        if let badRows {
            let kept = badRows.indices.filter { !badRows[$0] }
            table = Table(name: table.name, columns: table.columns.map { $0.gather(kept) }, rowCount: kept.count)
            for skipped in skippedCounts {
                let count = skipped.count
                warnings.append(
                    Diagnostic(
                        code: "skipped-rows",
                        message:
                            "skipped \(NumberFormat.grouped(String(count))) row\(count == 1 ? "" : "s") whose "
                            + "'\(skipped.name)' is not a number (the first: '\(skipped.text)')",
                        severity: .warning, file: path))
            }
        }
        return (table, warnings)
    }

    /// A text column read as numbers: the column (bad values as null), which rows were bad and the first bad text.
    /// nil when fewer than half its values are numbers (and it was not named with `amount:`): it stays text.
    static func repaired(_ column: Column, mustBeNumeric: Bool) -> (
        column: Column, bad: [Bool], badCount: Int, firstBad: String?
    )? {
        guard case .text(let codes, let dictionary) = column.storage else { return nil }
        let kind = numberKind(dictionary)
        // Integers stay exact beyond 2^53; the other kinds are read as Double.
        let integers = kind == .integer ? dictionary.map { entry in withField(entry) { FieldParsers.integer($0) } } : []
        let numbers = kind == .integer ? integers.map { $0.map(Double.init) } : dictionary.map { number($0, kind) }
        var good = 0
        var badCount = 0
        var firstBad: String?
        var bad = [Bool](repeating: false, count: column.count)
        for row in 0..<column.count where !column.isNull(row) {
            if numbers[Int(codes[row])] == nil {
                badCount += 1
                bad[row] = true
                if firstBad == nil { firstBad = dictionary[Int(codes[row])] }
            } else {
                good += 1
            }
        }
        guard mustBeNumeric || (good > 0 && good >= badCount) else { return nil }
        var nulls = column.nulls ?? [Bool](repeating: false, count: column.count)
        for row in 0..<column.count where bad[row] { nulls[row] = true }
        let storage: ColumnStorage
        if kind == .integer {
            storage = .integer(codes.map { code in integers[Int(code)] ?? 0 })
        } else {
            storage = .decimal(codes.map { code in numbers[Int(code)] ?? 0 })
        }
        return (Column(name: column.name, storage: storage, nulls: nulls), bad, badCount, firstBad)
    }

    /// How the values that are numbers are written: integers, decimals, or money in one of its two styles.
    static func numberKind(_ dictionary: [String]) -> ColumnKind {
        var sniffer = TypeSniffer(pattern: nil)
        for entry in dictionary
        where number(entry, .money(commaThousands: true)) != nil
            || number(entry, .money(commaThousands: false)) != nil
        {
            withField(entry) { sniffer.observe($0) }
        }
        if sniffer.integer { return .integer }
        if sniffer.decimal { return .decimal }
        if sniffer.moneyComma { return .money(commaThousands: true) }
        if sniffer.moneyDot { return .money(commaThousands: false) }
        return .decimal
    }

    /// The entry's value when it is a finite number of this kind.
    static func number(_ entry: String, _ kind: ColumnKind) -> Double? {
        withField(entry) { f in
            switch kind {
            case .money(let comma):
                return FieldParsers.decimal(f) ?? FieldParsers.money(f, style: comma ? .commaThousands : .dotThousands)
            default: return FieldParsers.decimal(f)
            }
        }
    }

    static func withField<T>(_ entry: String, _ body: (Field) -> T?) -> T? {
        var entry = entry
        return entry.withUTF8 { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return nil }
            return body(Field(base: base, count: buffer.count))
        }
    }

    private static func notANumber(
        _ name: String, _ text: String, count: Int, index: Int, _ path: String, _ locate: Locator
    ) -> Diagnostic {
        let others = count - 1
        let more =
            others == 0
            ? ""
            : " (\(NumberFormat.grouped(String(others))) more value\(others == 1 ? " is" : "s are") not a number either)"
        let hint =
            "fix or blank the value; load with (null: \"\(text)\") to read it as null, or with "
            + "(skip_bad_rows: true) to skip such rows"
        let message = "column '\(name)' holds numbers, but '\(text)' is not one\(more)"
        guard let place = locate(index, text) else {
            return Diagnostic(code: "not-a-number", message: message, file: path, hint: hint)
        }
        return Diagnostic(
            code: "not-a-number", message: message, file: path, line: place.line, column: place.column,
            length: Swift.max(1, text.count), sourceLine: place.sourceLine, hint: hint)
    }
}
