import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Loads a delimited text file into a table: sniff the dialect, infer each column's type from every value
/// (pass one), then convert into typed columns (pass two).
public enum CSVLoader {
    /// The most columns a loaded table may have (SQLite's largest SQLITE_MAX_COLUMN).
    public static let maxColumns = 32_767

    /// Loads `path` as table `name`.
    public static func load(
        path: String, name: String, options: LoadOptions = LoadOptions(), progress: LoadProgress? = nil
    ) throws(Diagnostic) -> LoadedTable {
        // UTF-8 files are scanned straight from a mapping whose pages are released as the chunks move on; anything
        // else (a directory, a pipe, an unreadable or UTF-16 file) goes through FileInput, which names the problem.
        if let mapped = MappedFile(path: path),
            let offset = TextEncoding.utf8Offset(Array(mapped.buffer.prefix(4)))
        {
            try MemoryBudget.check(bytes: mapped.count, path: path)
            let reader: InPlaceColumns.FileRead = { mapped.read(into: $0, count: $1, at: $2) }
            let outcome = Result { () throws(Diagnostic) in
                try parse(
                    mapped.buffer, offset: offset, path: path, name: name, options: options, progress: progress,
                    release: mapped.release, read: reader)
            }
            // Checked whatever the outcome: an error may come from the change itself (zeros read as NUL bytes).
            if let change = mapped.change() {
                throw Diagnostic(
                    code: "file-changed", message: "\(path) changed while it was loading (\(change))", file: path,
                    hint: "load it again once the program writing it has finished, or load a copy of it")
            }
            return try outcome.get()
        }
        let raw = try FileInput.read(path)
        try MemoryBudget.check(bytes: raw.count, path: path)
        let (data, offset, encodingNote) = try TextEncoding.normalize(raw, path: path)
        let result: Result<LoadedTable, Diagnostic> = data.withUnsafeBytes { rawBuffer in
            let buffer = rawBuffer.bindMemory(to: UInt8.self)
            do throws(Diagnostic) {
                return .success(
                    try parse(buffer, offset: offset, path: path, name: name, options: options, progress: progress))
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
        try parse(text: text, path: path, name: name, options: options, inPlace: true)
    }

    /// `inPlace: false` takes the path of tables too wide to load in place (for tests that compare the two).
    /// `fastRecords: false` reads every record with the scanner (for tests that compare the two).
    static func parse(
        text: String, path: String, name: String, options: LoadOptions, inPlace: Bool,
        chunking: ChunkPlan = .standard, fastRecords: Bool = true
    ) throws(Diagnostic) -> LoadedTable {
        var bytes = Array(text.utf8)
        let offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let result: Result<LoadedTable, Diagnostic> = bytes.withUnsafeMutableBufferPointer { buffer in
            do throws(Diagnostic) {
                return .success(
                    try parse(
                        UnsafeBufferPointer(buffer), offset: offset, path: path, name: name, options: options,
                        inPlace: inPlace, chunking: chunking, fastRecords: fastRecords))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, offset: Int, path: String, name: String, options: LoadOptions,
        progress: LoadProgress? = nil, release: (@Sendable (Range<Int>) -> Void)? = nil,
        read: InPlaceColumns.FileRead? = nil, inPlace: Bool = true,
        chunking: ChunkPlan = .standard, fastRecords: Bool = true
    ) throws(Diagnostic) -> LoadedTable {
        guard let base = bytes.baseAddress, bytes.count > offset,
            bytes[offset...].contains(where: { $0 != 10 && $0 != 13 && $0 != 32 })
        else {
            throw Diagnostic(
                code: "empty-file", message: "the file is empty", file: path,
                hint: "a CSV file needs a header line and at least one row")
        }
        // The head is checked for NUL bytes before sniffing; each chunk checks its own bytes as it starts (on all
        // cores, and while the bytes come into memory anyway).
        let headCheck = offset..<Swift.min(bytes.count, offset + (1 << 20))
        if let binary = binaryFile(bytes, offset: offset, in: headCheck, path: path) { throw binary }
        let delimiter = options.delimiter ?? DialectSniffer.delimiter(bytes, base: base, offset: offset)
        let pattern = options.dateFormat.flatMap(DatePattern.init)
        let nullTokens = options.nullTokens.map { Array($0.utf8) }
        var notes: [Diagnostic] = []

        // The first record decides the width and may be a header.
        var scanner = CSVScanner(bytes: bytes, base: base, delimiter: delimiter, start: offset)
        guard try advance(&scanner, bytes: bytes, path: path) else {
            throw Diagnostic(code: "empty-file", message: "the file is empty", file: path)
        }
        // A header of hundreds of thousands of fields is a wrong delimiter or not a table: SQLite's own limit.
        guard scanner.fieldCount <= maxColumns else {
            throw Diagnostic(
                code: "too-many-columns",
                message:
                    "the first row has \(NumberFormat.grouped(String(scanner.fieldCount))) fields; a table has at most "
                    + "\(NumberFormat.grouped(String(maxColumns))) columns",
                file: path, line: 1, column: 1,
                hint: "check the delimiter: load \"FILE\" with (delimiter: \";\")")
        }
        let firstRow: [[UInt8]] = (0..<scanner.fieldCount).map { i in
            scanner.withField(i) { Array(UnsafeBufferPointer(start: $0.base, count: $0.count)) }
        }
        let width = firstRow.count
        let bodyStart = scanner.position
        let bodyLine = scanner.line

        // Types are guessed from a sample, then every value is converted in one parallel pass; a column whose
        // guess fails on some value (or that the sample could not decide) is sniffed and converted again in full.
        var sampleSniffers = [TypeSniffer](repeating: TypeSniffer(pattern: pattern), count: width)
        var sampleRows = 0
        var sampler = CSVScanner(bytes: bytes, base: base, delimiter: delimiter, start: bodyStart, line: bodyLine)
        while sampleRows < 2000, try advance(&sampler, bytes: bytes, path: path) {
            guard sampler.fieldCount == width else { continue }
            sampleRows += 1
            for i in 0..<width {
                sampler.withField(i) { f in
                    if !FieldParsers.isNullToken(f, extra: nullTokens) { sampleSniffers[i].observe(f) }
                }
            }
        }
        let hasHeader =
            options.header
            ?? detectHeader(
                firstRow, sniffers: sampleSniffers, pattern: pattern, nullTokens: nullTokens, otherRows: sampleRows)
        if !hasHeader {
            for (i, field) in firstRow.enumerated() {
                field.withUnsafeBufferPointer { buffer in
                    let f = Field(base: buffer.baseAddress ?? base, count: buffer.count)
                    if !FieldParsers.isNullToken(f, extra: nullTokens) { sampleSniffers[i].observe(f) }
                }
            }
        }
        let names = columnNames(hasHeader ? firstRow : nil, width: width, path: path, notes: &notes)
        let keys = KeyColumns.indices(names: names, explicit: options.keyColumns)
        let explicitKeys = Set(options.keyColumns.map { $0.lowercased() })
        let guesses = (0..<width).map { i in
            guard keys.contains(i) else { return sampleSniffers[i].decide() }
            let explicit = explicitKeys.contains(names[i].lowercased())
            return TypeSniffer.Decision(
                kind: KeyColumns.kind(name: names[i], explicit: explicit, sniffer: sampleSniffers[i]))
        }
        // Undecided (all null in the sample) and ambiguous columns are always checked in full; keys are text (or
        // plain-integer order ids, which their conversion checks).
        let alwaysRecheck = (0..<width).map {
            !keys.contains($0) && (sampleSniffers[$0].nonNull == 0 || guesses[$0].ambiguity != nil)
        }

        func splitBody(assumingNoQuotes: Bool) -> [Range<Int>] {
            var chunks = ChunkSplitter.split(
                bytes, from: bodyStart, delimiter: delimiter, plan: chunking, assumingNoQuotes: assumingNoQuotes)
            if !hasHeader, !chunks.isEmpty { chunks[0] = offset..<chunks[0].upperBound }
            return chunks
        }
        // The in-place load's first pass finds out whether the file has a quote at all, so its chunks are cut as if
        // it had none (saving a read of the whole file), and cut again when it has.
        let loadsInPlace = inPlace && width <= InPlaceColumns.maxWidth
        var chunks = splitBody(assumingNoQuotes: loadsInPlace)
        let totalBytes = Double(Swift.max(1, bytes.count - offset))
        let estimatedRows = Double(sampleRows) / Double(Swift.max(1, sampler.position - bodyStart)) * totalBytes
        let traceStart = Date()
        let tracing = ProcessInfo.processInfo.environment["CHURNQL_TRACE"] != nil
        // Chunk k's accumulators; `region` gives each column's memory for the chunk when loading in place.
        // `mayHoldNul` is false when the chunk is known to have no NUL byte (the in-place bounds pass looked).
        // `columnRows`: at least the rows of the whole file (numbered text keys spread wider are interned at once).
        func convert(
            _ k: Int, region: ((Int, Int) -> UnsafeMutableRawPointer)?, bound: Int?, columnRows: Int,
            mayHoldNul: Bool = true
        ) throws(Diagnostic) -> ([ColumnAccumulator], Int, Int) {
            let chunk = chunks[k]
            let chunkStart = Date()
            defer {
                if tracing {
                    StandardError.write(
                        String(
                            format: "trace: chunk %d converted from %.3f to %.3f s\n", k,
                            chunkStart.timeIntervalSince(traceStart), Date().timeIntervalSince(traceStart)))
                }
            }
            if mayHoldNul, let binary = binaryFile(bytes, offset: offset, in: chunk, path: path) { throw binary }
            // A buffer rather than an array of accumulators: appending through an array checks its uniqueness on
            // every field.
            let accumulators = UnsafeMutableBufferPointer<ColumnAccumulator>.allocate(capacity: width)
            let capacity = bound ?? Int(estimatedRows * Double(chunk.count) / totalBytes) + 16
            _ = accumulators.initialize(
                from: guesses.indices.map {
                    ColumnAccumulator(
                        kind: guesses[$0].kind, pattern: pattern, capacity: capacity, region: region?(k, $0),
                        narrow: region != nil, columnRows: columnRows)
                })
            defer {
                accumulators.deinitialize()
                accumulators.deallocate()
            }
            var scanner = CSVScanner(
                bytes: bytes, base: base, delimiter: delimiter, start: chunk.lowerBound, end: chunk.upperBound)
            var skipped = 0
            var firstSkippedLine = 0
            let lineBase = { lineNumber(bytes, offset: offset, at: chunk.lowerBound) }
            var records = 0
            var reported = chunk.lowerBound
            func checkpoint() throws(Diagnostic) {
                // Fields are copied into the columns as they are read: the bytes behind us are done with.
                release?(reported..<scanner.position)
                progress?.add(scanner.position - reported)
                reported = scanner.position
                try progress?.check()
            }
            // Plain records go the fast way; any other record (and the one after every 65,536) the scanner's.
            var fast = FastRecords(
                kinds: guesses.map(\.kind), bytes: bytes, base: base, delimiter: delimiter, end: chunk.upperBound)
            let useFast = fastRecords && nullTokens.isEmpty
            while true {
                if useFast {
                    let converted = fast.convert(&scanner, into: accumulators, limit: 0x10000 - records & 0xFFFF)
                    records += converted
                    if converted > 0 && records & 0xFFFF == 0 { try checkpoint() }
                }
                guard try advance(&scanner, bytes: bytes, path: path, lineBase: lineBase) else { break }
                records += 1
                if records & 0xFFFF == 0 { try checkpoint() }
                if scanner.fieldCount != width {
                    // lineBase() counts the lines before the chunk: once per chunk, not per skipped row.
                    if options.skipBadRows {
                        skipped += 1
                        if firstSkippedLine == 0 { firstSkippedLine = scanner.recordLine + lineBase() - 1 }
                        continue
                    }
                    let line = scanner.recordLine + lineBase() - 1
                    throw raggedRow(scanner.fieldCount, width, line: line, bytes: bytes, offset: offset, path: path)
                }
                if scanner.unescaped.isEmpty {
                    for i in 0..<width {
                        accumulators[i].add(scanner.rawField(i), nullTokens: nullTokens, stable: true)
                    }
                } else {
                    for i in 0..<width { scanner.withField(i) { accumulators[i].add($0, nullTokens: nullTokens) } }
                }
            }
            for i in 0..<width { accumulators[i].finish() }
            return (Array(accumulators), skipped, firstSkippedLine)
        }
        // A NUL byte anywhere outranks any other error (a later chunk's NUL behind an earlier chunk's ragged row);
        // an interrupted load just stops.
        func prioritized<T>(_ work: () throws(Diagnostic) -> T) throws(Diagnostic) -> T {
            let outcome = Result { () throws(Diagnostic) in try work() }
            if case .failure(let error) = outcome, error.code != "interrupted",
                let binary = binaryFile(bytes, offset: offset, in: offset..<bytes.count, path: path)
            {
                throw binary
            }
            return try outcome.get()
        }
        var skipped = 0
        var firstSkippedLine = 0
        func tally(_ converted: [([ColumnAccumulator], Int, Int)]) -> [[ColumnAccumulator]] {
            skipped = converted.reduce(0) { $0 + $1.1 }
            firstSkippedLine = converted.map { $0.2 }.first { $0 > 0 } ?? 0
            return converted.map { $0.0 }
        }
        var traceConverted = Date()
        var loaded: ([Column], [Int])?
        if loadsInPlace {
            var (bounds, nul, quoted) = InPlaceColumns.bounds(bytes, chunks: chunks, release: release, read: read)
            if tracing {
                StandardError.write(
                    String(format: "trace: record bounds at %.3f s\n", Date().timeIntervalSince(traceStart)))
            }
            if quoted && chunks.count > 1 {
                chunks = splitBody(assumingNoQuotes: false)
                (bounds, nul, _) = InPlaceColumns.bounds(bytes, chunks: chunks, release: release, read: read)
            }
            loaded = try prioritized { () throws(Diagnostic) in
                try InPlaceColumns.load(kinds: guesses.map(\.kind), names: names, bounds: bounds) {
                    region throws(Diagnostic) in
                    let converted = try ParallelChunks.map(Array(chunks.indices)) { k throws(Diagnostic) in
                        try convert(
                            k, region: region, bound: bounds[k], columnRows: bounds.reduce(0, +), mayHoldNul: nul[k])
                    }
                    traceConverted = Date()
                    return tally(converted)
                }
            }
        }
        if loaded == nil {
            var parts = tally(
                try prioritized { () throws(Diagnostic) in
                    try ParallelChunks.map(Array(chunks.indices)) { k throws(Diagnostic) in
                        try convert(k, region: nil, bound: nil, columnRows: bytes.count / 2 + 1)
                    }
                })
            traceConverted = Date()
            // Each column's chunks, moved out so that columns can be merged independently.
            var byColumn = (0..<width).map { i in parts.map { $0[i] } }
            parts.removeAll()
            loaded = ParallelChunks.mergeColumns(&byColumn, names: names)
        }
        var (columns, unconverted) = loaded ?? ([], [])
        if tracing {
            StandardError.write(
                String(
                    format: "trace: %d chunks converted in %.3f s, finished in %.3f s\n", chunks.count,
                    traceConverted.timeIntervalSince(traceStart), Date().timeIntervalSince(traceConverted)))
        }
        let recheck = (0..<width).filter { i in alwaysRecheck[i] || unconverted[i] > 0 }
        var decisions = guesses
        if !recheck.isEmpty && tracing {
            StandardError.write("trace: rechecking columns \(recheck.map { names[$0] })\n")
        }
        if !recheck.isEmpty {
            let redone = try convertInFull(
                columns: recheck, names: names, chunks: chunks, bytes: bytes, base: base, delimiter: delimiter,
                width: width, pattern: pattern, nullTokens: nullTokens, firstRow: hasHeader ? nil : firstRow, keys: keys
            )
            for (k, i) in recheck.enumerated() {
                columns[i] = redone.columns[k]
                decisions[i] = redone.decisions[k]
            }
        }
        for (i, decision) in decisions.enumerated() {
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
        if skipped > 0 {
            notes.append(
                Diagnostic(
                    code: "skipped-rows",
                    message:
                        "skipped \(skipped) row\(skipped == 1 ? "" : "s") with the wrong number of fields (first at line \(firstSkippedLine))",
                    severity: .warning, file: path))
        }
        let rowCount = columns.first?.count ?? 0
        if rowCount == 0 {
            notes.append(
                Diagnostic(
                    code: "no-rows", message: "the file has a header but no rows", severity: .warning, file: path,
                    hint: "check that the export finished"))
        }
        // A text column whose values are nearly all dates is usually one bad or differently written date: find it.
        // A bad date in the sample is found by rescanning the sample; one further in is found by a full scan,
        // done only for columns the sample took for dates.
        let guessedDates = guesses.map { $0.kind.dataType == .date || $0.kind.dataType == .timestamp }
        var table = Table(name: name, columns: columns, rowCount: rowCount)
        if options.skipBadRows {
            var candidates: [Int: ColumnKind] = [:]
            for (i, column) in columns.enumerated()
            where column.type == .text && guessedDates[i] && !keys.contains(i) {
                candidates[i] = guesses[i].kind
            }
            let (repaired, warnings) = DateColumns.skippingBadDates(
                table, candidates: candidates, pattern: pattern, path: path)
            table = repaired
            notes += warnings
        }
        for (i, column) in table.columns.enumerated()
        where column.type == .text && rowCount > 0 && !keys.contains(i) {
            func find(_ limit: Int) -> Diagnostic? {
                NonDateFinder.firstNonDate(
                    column: i, name: names[i], bytes: bytes, base: base, delimiter: delimiter, width: width,
                    start: hasHeader ? bodyStart : offset, startLine: hasHeader ? bodyLine : 1, path: path,
                    offset: offset, maxValues: limit)
            }
            if let note = find(2000) ?? (guessedDates[i] ? find(.max) : nil) { notes.append(note) }
        }
        let (enforced, numberWarnings) = try NumericColumns.enforce(table, options: options, path: path) {
            column, text in
            ValueFinder.first(
                text, column: column, bytes: bytes, base: base, delimiter: delimiter, width: width,
                start: hasHeader ? bodyStart : offset, startLine: hasHeader ? bodyLine : 1, offset: offset)
        }
        return LoadedTable(table: KeyColumns.markingIdentifiers(enforced), notes: notes + numberWarnings)
    }

    static func raggedRow(
        _ fields: Int, _ width: Int, line: Int, bytes: UnsafeBufferPointer<UInt8>, offset: Int, path: String
    ) -> Diagnostic {
        Diagnostic(
            code: "ragged-row", message: "row has \(fields) field\(fields == 1 ? "" : "s"), expected \(width)",
            file: path,
            line: line, column: 1, sourceLine: lineText(bytes, offset: offset, line: line),
            hint: "quote fields that contain the delimiter, or load with (skip_bad_rows: true)")
    }

    /// Sniffs the given columns over every value, then converts them: the exact two-pass path for columns whose
    /// sampled guess did not hold.
    static func convertInFull(
        columns: [Int], names: [String], chunks: [Range<Int>], bytes: UnsafeBufferPointer<UInt8>,
        base: UnsafePointer<UInt8>, delimiter: UInt8, width: Int, pattern: DatePattern?, nullTokens: [[UInt8]],
        firstRow: [[UInt8]]?, keys: Set<Int> = []
    ) throws(Diagnostic) -> (columns: [Column], decisions: [TypeSniffer.Decision]) {
        // The chunks already include the first row when it is data (no header).
        func eachField(_ chunk: Range<Int>, _ body: (Int, Field) -> Void) throws(Diagnostic) {
            var scanner = CSVScanner(
                bytes: bytes, base: base, delimiter: delimiter, start: chunk.lowerBound, end: chunk.upperBound)
            while try advance(&scanner, bytes: bytes, path: "") {
                guard scanner.fieldCount == width else { continue }
                for (k, i) in columns.enumerated() { scanner.withField(i) { body(k, $0) } }
            }
        }
        let sniffed = try ParallelChunks.map(chunks) { chunk throws(Diagnostic) in
            var sniffers = [TypeSniffer](repeating: TypeSniffer(pattern: pattern), count: columns.count)
            try eachField(chunk) { k, f in
                if !FieldParsers.isNullToken(f, extra: nullTokens) { sniffers[k].observe(f) }
            }
            return sniffers
        }
        var sniffers = sniffed[0]
        for part in sniffed.dropFirst() {
            for k in 0..<columns.count { sniffers[k].merge(part[k]) }
        }
        // A key column here is an order id that was not plain integers after all: text.
        let decisions = columns.indices.map { k in
            keys.contains(columns[k]) ? TypeSniffer.Decision(kind: .text) : sniffers[k].decide()
        }
        let parts = try ParallelChunks.map(chunks) { chunk throws(Diagnostic) in
            var accumulators = decisions.map { ColumnAccumulator(kind: $0.kind, pattern: pattern, capacity: 16) }
            try eachField(chunk) { k, f in accumulators[k].add(f, nullTokens: nullTokens) }
            return accumulators
        }
        _ = firstRow
        let result = columns.indices.map { k in
            ColumnAccumulator.merged(parts.map { $0[k] }, name: names[columns[k]]).0
        }
        return (result, decisions)
    }

    /// The error for a NUL byte in `range`, if there is one (text files have none).
    static func binaryFile(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int, in range: Range<Int>, path: String)
        -> Diagnostic?
    {
        guard let base = bytes.baseAddress, !range.isEmpty, let nul = memchr(base + range.lowerBound, 0, range.count)
        else { return nil }
        let position = UnsafePointer<UInt8>(nul.assumingMemoryBound(to: UInt8.self)) - base
        return Diagnostic(
            code: "binary-file", message: "the file contains a NUL byte; it is binary or not UTF-8 text",
            file: path, line: lineNumber(bytes, offset: offset, at: position), column: 1,
            hint: "export it as UTF-8 CSV; a SQLite database should end in .sqlite or .db")
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
