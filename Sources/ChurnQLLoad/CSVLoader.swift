import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Loads a delimited text file into a table: sniff the dialect, infer each column's type from every value
/// (pass one), then convert into typed columns (pass two).
public enum CSVLoader {
    /// Loads `path` as table `name`.
    public static func load(path: String, name: String, options: LoadOptions = LoadOptions()) throws(Diagnostic)
        -> LoadedTable
    {
        let raw = try FileInput.read(path)
        try MemoryBudget.check(bytes: raw.count, path: path)
        let (data, offset, encodingNote) = try TextEncoding.normalize(raw, path: path)
        let result: Result<LoadedTable, Diagnostic> = data.withUnsafeBytes { rawBuffer in
            let buffer = rawBuffer.bindMemory(to: UInt8.self)
            do throws(Diagnostic) {
                return .success(try parse(buffer, offset: offset, path: path, name: name, options: options))
            } catch {
                return .failure(error)
            }
        }
        var loaded = try result.get()
        if let encodingNote { loaded.notes.insert(encodingNote, at: 0) }
        return loaded
    }

    /// Parses CSV text held in memory (used by tests and by `load` of in-memory data).
    public static func parse(text: String, path: String, name: String, options: LoadOptions = LoadOptions())
        throws(Diagnostic) -> LoadedTable
    {
        var bytes = Array(text.utf8)
        let offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let result: Result<LoadedTable, Diagnostic> = bytes.withUnsafeMutableBufferPointer { buffer in
            do throws(Diagnostic) {
                return .success(
                    try parse(UnsafeBufferPointer(buffer), offset: offset, path: path, name: name, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, offset: Int, path: String, name: String, options: LoadOptions
    ) throws(Diagnostic) -> LoadedTable {
        guard let base = bytes.baseAddress, bytes.count > offset,
            bytes[offset...].contains(where: { $0 != 10 && $0 != 13 && $0 != 32 })
        else {
            throw Diagnostic(
                code: "empty-file", message: "the file is empty", file: path,
                hint: "a CSV file needs a header line and at least one row")
        }
        if let nul = memchr(base + offset, 0, bytes.count - offset) {
            let position = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - base
            let line = bytes[offset..<position].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
            throw Diagnostic(
                code: "binary-file", message: "the file contains a NUL byte; it is binary or not UTF-8 text",
                file: path, line: line, column: 1,
                hint: "export it as UTF-8 CSV; a SQLite database should end in .sqlite or .db")
        }
        let delimiter = options.delimiter ?? DialectSniffer.delimiter(bytes, base: base, offset: offset)
        let pattern = options.dateFormat.flatMap(DatePattern.init)
        let nullTokens = options.nullTokens.map { Array($0.utf8) }
        var notes: [Diagnostic] = []

        // The first record decides the width and may be a header.
        var scanner = CSVScanner(bytes: bytes, base: base, delimiter: delimiter, start: offset)
        guard try advance(&scanner, bytes: bytes, path: path) else {
            throw Diagnostic(code: "empty-file", message: "the file is empty", file: path)
        }
        let firstRow: [[UInt8]] = (0..<scanner.fieldCount).map { i in
            scanner.withField(i) { Array(UnsafeBufferPointer(start: $0.base, count: $0.count)) }
        }
        let width = firstRow.count
        let bodyStart = scanner.position
        let bodyLine = scanner.line
        let chunks = ChunkSplitter.split(bytes, from: bodyStart, parts: ProcessInfo.processInfo.activeProcessorCount)

        // Pass one, in parallel: shape and types of every value after the first record.
        let sniffed = try ParallelChunks.map(chunks) { chunk throws(Diagnostic) in
            var sniffers = [TypeSniffer](repeating: TypeSniffer(pattern: pattern), count: width)
            var scanner = CSVScanner(
                bytes: bytes, base: base, delimiter: delimiter, start: chunk.lowerBound, end: chunk.upperBound)
            var rows = 0
            var skipped = 0
            var firstSkippedLine = 0
            while try advance(
                &scanner, bytes: bytes, path: path,
                lineBase: { lineNumber(bytes, offset: offset, at: chunk.lowerBound) })
            {
                if scanner.fieldCount != width {
                    if options.skipBadRows {
                        skipped += 1
                        if firstSkippedLine == 0 {
                            firstSkippedLine =
                                scanner.recordLine + lineNumber(bytes, offset: offset, at: chunk.lowerBound) - 1
                        }
                        continue
                    }
                    let line = scanner.recordLine + lineNumber(bytes, offset: offset, at: chunk.lowerBound) - 1
                    throw Diagnostic(
                        code: "ragged-row",
                        message:
                            "row has \(scanner.fieldCount) field\(scanner.fieldCount == 1 ? "" : "s"), expected \(width)",
                        file: path, line: line, column: 1, sourceLine: lineText(bytes, offset: offset, line: line),
                        hint: "quote fields that contain the delimiter, or load with (skip_bad_rows: true)")
                }
                rows += 1
                for i in 0..<width {
                    scanner.withField(i) { f in
                        if !FieldParsers.isNullToken(f, extra: nullTokens) { sniffers[i].observe(f) }
                    }
                }
            }
            return (sniffers, rows, skipped, firstSkippedLine)
        }
        _ = bodyLine
        var sniffers = sniffed[0].0
        for part in sniffed.dropFirst() {
            for i in 0..<width { sniffers[i].merge(part.0[i]) }
        }
        let dataRows = sniffed.reduce(0) { $0 + $1.1 }
        let skipped = sniffed.reduce(0) { $0 + $1.2 }
        let firstSkippedLine = sniffed.map(\.3).first { $0 > 0 } ?? 0

        // Header: explicit, or the first row does not fit the types of the rest.
        let hasHeader =
            options.header
            ?? detectHeader(firstRow, sniffers: sniffers, pattern: pattern, nullTokens: nullTokens, otherRows: dataRows)
        if !hasHeader {
            for (i, field) in firstRow.enumerated() {
                field.withUnsafeBufferPointer { buffer in
                    let f = Field(base: buffer.baseAddress ?? base, count: buffer.count)
                    if !FieldParsers.isNullToken(f, extra: nullTokens) { sniffers[i].observe(f) }
                }
            }
        }
        let names = columnNames(hasHeader ? firstRow : nil, width: width, path: path, notes: &notes)
        var kinds: [ColumnKind] = []
        for (i, sniffer) in sniffers.enumerated() {
            let decision = sniffer.decide()
            kinds.append(decision.kind)
            if let money = decision.money {
                notes.append(
                    Diagnostic(
                        code: "money-column", message: "column '\(names[i])': \(money)", severity: .note, file: path))
            }
            if let ambiguity = decision.ambiguity {
                notes.append(
                    Diagnostic(
                        code: "ambiguous-date", message: "column '\(names[i])': \(ambiguity)", severity: .warning,
                        file: path,
                        hint: "say which with (date_format: \"%m/%d/%Y\") or (date_format: \"%d/%m/%Y\")"))
            }
        }

        // Pass two, in parallel: typed columns per chunk, then concatenated.
        var passTwoChunks = chunks
        if !hasHeader, !passTwoChunks.isEmpty { passTwoChunks[0] = offset..<passTwoChunks[0].upperBound }
        let parts = try ParallelChunks.map(passTwoChunks) { chunk throws(Diagnostic) in
            var accumulators = kinds.map {
                ColumnAccumulator(
                    kind: $0, pattern: pattern,
                    capacity: Int(Double(chunk.count) / Double(Swift.max(1, bytes.count - offset)) * Double(dataRows))
                        + 16)
            }
            var scanner = CSVScanner(
                bytes: bytes, base: base, delimiter: delimiter, start: chunk.lowerBound, end: chunk.upperBound)
            while try advance(&scanner, bytes: bytes, path: path) {
                if scanner.fieldCount != width { continue }
                for i in 0..<width {
                    scanner.withField(i) { f in
                        if FieldParsers.isNullToken(f, extra: nullTokens) {
                            accumulators[i].appendNull()
                        } else {
                            accumulators[i].append(f)
                        }
                    }
                }
            }
            return accumulators.enumerated().map { $1.build(name: names[$0]) }
        }
        if skipped > 0 {
            notes.append(
                Diagnostic(
                    code: "skipped-rows",
                    message:
                        "skipped \(skipped) row\(skipped == 1 ? "" : "s") with the wrong number of fields (first at line \(firstSkippedLine))",
                    severity: .warning, file: path))
        }
        let columns = (0..<width).map { i in ColumnConcatenation.concatenate(parts.map { $0[i] }) }
        let rowCount = columns.first?.count ?? 0
        return LoadedTable(table: Table(name: name, columns: columns, rowCount: rowCount), notes: notes)
    }

    /// The 1-based line number at a byte position (only computed when an error needs it).
    static func lineNumber(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, at position: Int) -> Int {
        guard position > offset else { return 1 }
        return bytes[offset..<position].reduce(1) { $0 + ($1 == 10 ? 1 : 0) }
    }

    private static func advance(
        _ scanner: inout CSVScanner, bytes: UnsafeBufferPointer<UInt8>, path: String, lineBase: () -> Int = { 1 }
    ) throws(Diagnostic) -> Bool {
        do throws(CSVScanner.ScanError) {
            return try scanner.next()
        } catch {
            switch error {
            case .unterminatedQuote(let chunkLine, let column):
                let line = chunkLine + lineBase() - 1
                throw Diagnostic(
                    code: "unterminated-quote", message: "unterminated quoted field (the quote opens at line \(line))",
                    file: path, line: line, column: column, sourceLine: lineText(bytes, offset: 0, line: line),
                    hint: "close the quote, and write a quote inside a quoted field as \"\"")
            case .textAfterQuote(let chunkLine, let column):
                let line = chunkLine + lineBase() - 1
                throw Diagnostic(
                    code: "text-after-quote", message: "unexpected text after a closing quote", file: path, line: line,
                    column: column, sourceLine: lineText(bytes, offset: 0, line: line),
                    hint: "a quote inside a quoted field is written as \"\"")
            }
        }
    }

    static func detectHeader(
        _ firstRow: [[UInt8]], sniffers: [TypeSniffer], pattern: DatePattern?, nullTokens: [[UInt8]], otherRows: Int
    ) -> Bool {
        var allPlainText = true
        var mismatch = false
        for (i, bytes) in firstRow.enumerated() {
            let kind = sniffers[i].decide().kind
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else {
                    allPlainText = false
                    return
                }
                let f = Field(base: base, count: buffer.count)
                if FieldParsers.isNullToken(f, extra: nullTokens) {
                    allPlainText = false
                    return
                }
                var single = TypeSniffer(pattern: pattern)
                single.observe(f)
                if single.decide().kind != .text { allPlainText = false }
                // A header cell is text that fits no other type, under a column whose values are not text.
                if otherRows > 0 && sniffers[i].nonNull > 0 && kind != .text && single.decide().kind == .text
                    && !kind.fits(f, pattern: pattern)
                {
                    mismatch = true
                }
            }
        }
        return mismatch || allPlainText
    }

    private static func columnNames(_ header: [[UInt8]]?, width: Int, path: String, notes: inout [Diagnostic])
        -> [String]
    {
        var names: [String] = []
        var seen: Set<String> = []
        var nextSuffix: [String: Int] = [:]
        var unnamed = 0
        var renamed: [String] = []
        for i in 0..<width {
            var name = header.map { String(decoding: $0[i], as: UTF8.self).trimmingCharacters(in: .whitespaces) } ?? ""
            if name.isEmpty {
                name = "column\(i + 1)"
                if header != nil { unnamed += 1 }
            }
            if seen.contains(name.lowercased()) {
                let base = name
                var n = nextSuffix[base.lowercased()] ?? 2
                while seen.contains("\(base)_\(n)".lowercased()) { n += 1 }
                nextSuffix[base.lowercased()] = n + 1
                name = "\(base)_\(n)"
                renamed.append("'\(base)' → '\(name)'")
            }
            seen.insert(name.lowercased())
            names.append(name)
        }
        if unnamed > 0 {
            notes.append(
                Diagnostic(
                    code: "empty-column-name",
                    message: "\(unnamed) column\(unnamed == 1 ? " has" : "s have") no name; called columnN by position",
                    severity: .warning, file: path))
        }
        if !renamed.isEmpty {
            let shown = renamed.prefix(5).joined(separator: ", ") + (renamed.count > 5 ? ", …" : "")
            notes.append(
                Diagnostic(
                    code: "duplicate-column-name",
                    message: "\(renamed.count) repeated column name\(renamed.count == 1 ? "" : "s") renamed: \(shown)",
                    severity: .warning, file: path))
        }
        return names
    }

    /// The text of one line for a diagnostic's source excerpt (bounded, so a huge field stays readable).
    static func lineText(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, line: Int) -> String? {
        var current = 1
        var i = offset
        while i < bytes.count && current < line {
            if bytes[i] == 10 { current += 1 }
            i += 1
        }
        guard current == line else { return nil }
        var end = i
        while end < bytes.count && bytes[end] != 10 && bytes[end] != 13 && end - i < 200 { end += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<end]), as: UTF8.self)
    }
}
