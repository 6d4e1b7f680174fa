import ChurnQLDiagnostics

/// Explains why a column that looks like dates was read as text: the first value that is not a date, or the
/// first value written in another date format, with its line.
enum NonDateFinder {
    static func firstNonDate(
        column: Int, name: String, bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, delimiter: UInt8,
        width: Int, start: Int, startLine: Int, path: String, offset: Int, maxValues: Int = .max
    ) -> Diagnostic? {
        var scanner = CSVScanner(bytes: bytes, base: base, delimiter: delimiter, start: start, line: startLine)
        var iso = 0
        var slash = 0
        var values = 0
        var firstBad: (place: (line: Int, column: Int), text: String)?
        var firstISOLine = 0
        var firstSlash: (place: (line: Int, column: Int), text: String)?
        while let more = try? scanner.next(), more {
            guard scanner.fieldCount == width else { continue }
            scanner.withField(column) { f in
                guard f.count > 0 else { return }
                values += 1
                if FieldParsers.isoDate(f) != nil || FieldParsers.isoTimestamp(f) != nil {
                    iso += 1
                    if firstISOLine == 0 { firstISOLine = scanner.recordLine }
                } else if FieldParsers.slashParts(f) != nil {
                    slash += 1
                    if firstSlash == nil { firstSlash = (scanner.place(ofField: column, offset: offset), f.string) }
                } else if firstBad == nil {
                    firstBad = (scanner.place(ofField: column, offset: offset), f.string)
                }
            }
            if values >= maxValues { break }
        }
        let dates = iso + slash
        // Only columns that are at least half dates are worth explaining.
        guard values > 0, dates * 2 >= values, dates < values || (iso > 0 && slash > 0) else { return nil }
        if let bad = firstBad {
            return Diagnostic(
                code: "not-a-date",
                message: "column '\(name)' holds dates, but '\(bad.text)' is not one, so it was read as text",
                severity: .warning, file: path, line: bad.place.line, column: bad.place.column,
                length: Swift.max(1, bad.text.count),
                sourceLine: CSVLoader.lineText(bytes, offset: offset, line: bad.place.line),
                hint: "fix or blank that value, or load with (null: \"\(bad.text)\") to read it as null, or with "
                    + "(skip_bad_rows: true) to skip such rows")
        }
        if let other = firstSlash, iso > 0 {
            return Diagnostic(
                code: "mixed-date-formats",
                message:
                    "column '\(name)' mixes date formats: '\(other.text)' where line \(firstISOLine) is yyyy-MM-dd",
                severity: .warning, file: path, line: other.place.line, column: other.place.column,
                length: Swift.max(1, other.text.count),
                sourceLine: CSVLoader.lineText(bytes, offset: offset, line: other.place.line),
                hint: "export the dates in one format")
        }
        return nil
    }
}
