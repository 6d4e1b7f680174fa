/// Finds where a value first occurs in one column of a CSV file, for an error that points at it (the columns hold
/// no line numbers: finding one costs a scan, paid only when there is an error).
enum ValueFinder {
    static func first(
        _ text: String, column: Int, bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, delimiter: UInt8,
        width: Int, start: Int, startLine: Int, offset: Int
    ) -> (line: Int, column: Int, sourceLine: String?)? {
        let wanted = Array(text.utf8)
        var scanner = CSVScanner(bytes: bytes, base: base, delimiter: delimiter, start: start, line: startLine)
        while let more = try? scanner.next(), more {
            guard scanner.fieldCount == width, column < width else { continue }
            let found = scanner.withField(column) { f in
                f.count == wanted.count
                    && wanted.withUnsafeBufferPointer { w in (0..<f.count).allSatisfy { f[$0] == w[$0] } }
            }
            guard found else { continue }
            // The field's column on its line, counted in bytes from the line's start.
            let place = scanner.place(ofField: column, offset: offset)
            return (place.line, place.column, CSVLoader.lineText(bytes, offset: offset, line: place.line))
        }
        return nil
    }
}
