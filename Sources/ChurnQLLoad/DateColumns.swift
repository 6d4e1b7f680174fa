import ChurnQLDiagnostics
import ChurnQLStore

/// With `skip_bad_rows`, a column the sample read as dates that turned to text over a few values that are not
/// dates (`2024-13-45`, `N/A`…) becomes a date column again, and the rows of those values are skipped and counted,
/// as rows with a bad number are (NumericColumns). Without the option the loader's `not-a-date` note names the
/// first such value at its line and column.
enum DateColumns {
    /// The column as dates (bad values null), which rows were bad, how many and the first bad text; nil unless at
    /// least half its values are dates of the sampled kind.
    static func repaired(_ column: Column, kind: ColumnKind, pattern: DatePattern?) -> (
        column: Column, bad: [Bool], badCount: Int, firstBad: String
    )? {
        guard case .text(let codes, let dictionary) = column.storage else { return nil }
        let parsed: [Int64?]
        switch kind {
        case .date(let dateKind), .timestamp(let dateKind):
            parsed = dictionary.map { entry in
                NumericColumns.withField(entry) { ColumnAccumulator.seconds($0, dateKind, pattern) }
            }
        default:
            return nil
        }
        var bad = [Bool](repeating: false, count: column.count)
        var badCount = 0
        var firstBad: String?
        for row in 0..<column.count where !column.isNull(row) && parsed[Int(codes[row])] == nil {
            bad[row] = true
            badCount += 1
            if firstBad == nil { firstBad = dictionary[Int(codes[row])] }
        }
        let good = column.count - badCount - (column.nulls?.reduce(0) { $0 + ($1 ? 1 : 0) } ?? 0)
        guard let firstBad, good >= badCount else { return nil }
        var nulls = column.nulls ?? [Bool](repeating: false, count: column.count)
        for row in 0..<column.count where bad[row] { nulls[row] = true }
        let seconds = codes.map { parsed[Int($0)] ?? 0 }
        let storage: ColumnStorage
        if case .timestamp = kind {
            storage = .timestamp(seconds)
        } else {
            storage = .date(seconds.map { Dates.day(ofTimestamp: $0) })
        }
        return (Column(name: column.name, storage: storage, nulls: nulls), bad, badCount, firstBad)
    }

    /// The table with such columns repaired and their bad rows left out, and a warning per column.
    static func skippingBadDates(
        _ table: Table, candidates: [Int: ColumnKind], pattern: DatePattern?, path: String
    ) -> (Table, [Diagnostic]) {
        var table = table
        var badRows: [Bool]?
        var warnings: [Diagnostic] = []
        for (i, kind) in candidates.sorted(by: { $0.key < $1.key }) {
            guard let repair = repaired(table.columns[i], kind: kind, pattern: pattern) else { continue }
            table.columns[i] = repair.column
            var mask = badRows ?? [Bool](repeating: false, count: table.rowCount)
            for (row, bad) in repair.bad.enumerated() where bad { mask[row] = true }
            badRows = mask
            let count = repair.badCount
            warnings.append(
                Diagnostic(
                    code: "skipped-rows",
                    message:
                        "skipped \(NumberFormat.grouped(String(count))) row\(count == 1 ? "" : "s") whose "
                        + "'\(table.columns[i].name)' is not a date (the first: '\(repair.firstBad)')",
                    severity: .warning, file: path))
        }
        guard let badRows else { return (table, warnings) }
        let kept = badRows.indices.filter { !badRows[$0] }
        return (Table(name: table.name, columns: table.columns.map { $0.gather(kept) }, rowCount: kept.count), warnings)
    }
}
