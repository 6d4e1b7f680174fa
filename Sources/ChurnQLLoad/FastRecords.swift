import CByteScan

/// The loader's fast path for plain records: a structural index (every delimiter, LF, CR and quote of a block)
/// splits the records, and each column's fields go through a converter chosen once from its kind. A record is
/// parsed and checked in full before anything is appended; one that fails any check (a quote, a blank line, a
/// lone CR, a wrong field count, a null or a value the parsers refuse) is left to the scanner and `add`, so errors,
/// nulls, skipped rows and rechecks come out exactly as without this path. Only for loads without null tokens of
/// the user's (their check comes before parsing).
struct FastRecords: ~Copyable {
    /// How one column's fields are converted.
    enum Converter: UInt8 {
        case integer, identifier, decimal, isoDate, text, other

        init(_ kind: ColumnKind) {
            switch kind {
            case .integer: self = .integer
            case .integerID: self = .identifier
            case .decimal: self = .decimal
            case .date(.iso): self = .isoDate
            case .text: self = .text
            default: self = .other
            }
        }
    }

    /// Bytes indexed at a time: a record longer than this goes to the scanner.
    static let blockSize = 1 << 16

    private let base: UnsafePointer<UInt8>
    private let end: Int
    private let delimiter: UInt8
    private let width: Int
    private let converters: [Converter]
    private let parsers: FastFieldParsers
    /// Eight bytes may be loaded from any field that starts at least eight bytes before this.
    private let readableEnd: UnsafePointer<UInt8>
    /// Offsets from `indexStart` of the special bytes in indexStart..<indexEnd; `cursor` is the first unread one.
    private let index: UnsafeMutablePointer<UInt32>
    private var indexStart = 0
    private var indexEnd = 0
    private var indexCount = 0
    private var cursor = 0
    /// A batch of records: where each starts, the index entry of its first field end, and the parsed values
    /// (bit patterns) by column then record.
    private let maxBatch: Int
    private var batch = 1
    private let recordStarts: UnsafeMutablePointer<Int>
    private let recordEntries: UnsafeMutablePointer<Int>
    private let values: UnsafeMutablePointer<UInt64>
    private let noTokens: [[UInt8]] = []
    /// After a few calls in a row that took only a few records each (a null every other row, say), the fast path
    /// lets `pause` records go to the scanner before it tries again: parsing records twice costs more than it saves.
    private var shortCalls = 0
    private var pause = 0

    /// Reads records of `bytes` up to `end` (a chunk's end, after a line end or at the end of the bytes).
    init(kinds: [ColumnKind], bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, delimiter: UInt8, end: Int)
    {
        self.base = base
        self.end = end
        self.delimiter = delimiter
        width = kinds.count
        converters = kinds.map(Converter.init)
        readableEnd = base + bytes.count
        parsers = FastFieldParsers(readableEnd: readableEnd)
        index = .allocate(capacity: Self.blockSize + 64)
        maxBatch = Swift.max(1, Swift.min(1024, (1 << 14) / Swift.max(1, width)))
        recordStarts = .allocate(capacity: maxBatch)
        recordEntries = .allocate(capacity: maxBatch)
        values = .allocate(capacity: maxBatch * Swift.max(1, width))
    }

    deinit {
        index.deallocate()
        recordStarts.deallocate()
        recordEntries.deallocate()
        values.deallocate()
    }

    private mutating func reindex(from position: Int) {
        indexStart = position
        indexEnd = Swift.min(end, position + Self.blockSize)
        indexCount = churnql_structural_index(base + position, indexEnd - position, delimiter, index)
        cursor = 0
    }

    /// Converts records from the scanner's position on, up to `limit` of them, appending each to `accumulators`;
    /// stops before the first record it does not take (or at the end), leaving the scanner there. Returns how many
    /// records it converted.
    mutating func convert(
        _ scanner: inout CSVScanner, into accumulators: UnsafeMutableBufferPointer<ColumnAccumulator>, limit: Int
    ) -> Int {
        if pause > 0 {
            pause -= 1
            return 0
        }
        var position = scanner.position
        var records = 0
        defer {
            shortCalls = records < 16 && records < limit ? shortCalls + 1 : 0
            if shortCalls == 4 {
                (shortCalls, pause) = (0, 256)
            }
        }
        while records < limit {
            let (count, next, whole) = split(from: position, upTo: Swift.min(batch, limit - records))
            var good = count
            for column in 0..<width { good = parse(column, records: good) }
            for column in 0..<width { append(column, records: good, to: accumulators) }
            records += good
            if good < count {
                position = recordStarts[good]
                cursor = recordEntries[good]
            } else {
                position = next
            }
            // A record the fast path does not take: the scanner reads it, and the next batches start at one record
            // (a null every few rows would otherwise have records parsed again and again).
            guard good == count && whole else {
                batch = 1
                break
            }
            if count == batch { batch = Swift.min(maxBatch, batch * 2) }
        }
        scanner.resume(at: position, line: scanner.line + records)
        return records
    }

    /// Finds up to `limit` records with the right number of fields and no quote from `position` on, all within
    /// one index block. Returns how many, where the one after them starts, and whether it stopped only at the
    /// limit or the block's end (not at a record it cannot take).
    private mutating func split(from start: Int, upTo limit: Int) -> (Int, Int, Bool) {
        var position = start
        var n = 0
        var reindexed = false
        while n < limit {
            guard position < end else { return (n, position, false) }
            let first = base[position]
            if first == 10 || first == 13 { return (n, position, false) }  // a blank line: the scanner skips it
            while cursor < indexCount && indexStart + Int(index[cursor]) < position { cursor += 1 }
            if cursor + width > indexCount {
                // The index ends inside this record: index again from its start, once per batch.
                guard n == 0 else { return (n, position, true) }
                guard !reindexed && indexEnd < end else { return (n, position, false) }
                reindex(from: position)
                reindexed = true
                continue
            }
            let p = cursor
            for column in 0..<(width - 1) where base[indexStart + Int(index[p + column])] != delimiter {
                return (n, position, false)
            }
            let stop = indexStart + Int(index[p + width - 1])
            let next: Int
            if base[stop] == 10 {
                next = stop + 1
            } else if base[stop] == 13 && stop + 1 < end && base[stop + 1] == 10 {
                next = stop + 2
            } else {
                return (n, position, false)
            }
            recordStarts[n] = position
            recordEntries[n] = p
            n += 1
            cursor = p + width
            position = next
        }
        return (n, position, true)
    }

    /// Where field `column` of batch record `record` starts and ends.
    @inline(__always)
    private func field(_ record: Int, _ column: Int) -> Field {
        let p = recordEntries[record] &+ column
        let stop = indexStart &+ Int(index[p])
        let start = column == 0 ? recordStarts[record] : indexStart &+ Int(index[p &- 1]) &+ 1
        return Field(base: base + start, count: stop &- start)
    }

    /// Parses column `column` of the first `count` records of the batch; returns how many parsed (the rest go the
    /// scanner's way).
    private func parse(_ column: Int, records count: Int) -> Int {
        let out = values + column * maxBatch
        switch converters[column] {
        case .integer:
            for r in 0..<count {
                guard let v = parsers.integer(field(r, column)) else { return r }
                out[r] = UInt64(bitPattern: v)
            }
        case .identifier:
            for r in 0..<count {
                guard let v = parsers.identifier(field(r, column)) else { return r }
                out[r] = UInt64(bitPattern: v)
            }
        case .decimal:
            for r in 0..<count {
                guard let v = parsers.decimal(field(r, column)) else { return r }
                out[r] = v.bitPattern
            }
        case .isoDate:
            for r in 0..<count {
                guard let day = parsers.isoDate(field(r, column)) else { return r }
                out[r] = UInt64(UInt32(bitPattern: day))
            }
        case .text:
            // Empty, NA, N/A, null: a null goes the scanner's way.
            for r in 0..<count {
                let f = field(r, column)
                if f.count <= 4 && FieldParsers.isNullToken(f, extra: noTokens) { return r }
            }
        case .other:
            break
        }
        return count
    }

    private func append(
        _ column: Int, records count: Int, to accumulators: UnsafeMutableBufferPointer<ColumnAccumulator>
    ) {
        let values = values + column * maxBatch
        let accumulator = accumulators.baseAddress.map { $0 + column }
        guard let accumulator else { return }
        switch converters[column] {
        case .integer, .identifier:
            accumulator.pointee.appendIntegers(values, count)
        case .decimal:
            accumulator.pointee.appendDecimals(values, count)
        case .isoDate:
            accumulator.pointee.appendDays(values, count)
        case .text:
            accumulator.pointee.appendStableTexts(count, readableEnd: readableEnd) { r in field(r, column) }
        case .other:
            for r in 0..<count { accumulator.pointee.add(field(r, column), nullTokens: noTokens, stable: true) }
        }
    }
}
