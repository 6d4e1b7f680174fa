import CByteScan
import ChurnQLDiagnostics

/// An RFC 4180 record scanner over raw bytes: quoted fields may hold delimiters, quotes ("") and newlines;
/// records end at LF, CRLF or CR. It allocates nothing per field unless a field holds escaped quotes.
struct CSVScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    let base: UnsafePointer<UInt8>
    let delimiter: UInt8
    private(set) var position: Int
    /// 1-based line of the next unread byte.
    private(set) var line = 1
    /// Line on which the record just returned started.
    private(set) var recordLine = 1
    let end: Int

    /// Field boundaries of the current record, in a buffer reused for every record (no per-record allocation).
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>
    private(set) var fieldCount = 0
    private var capacity = 64
    /// Owns the buffers so they are freed with the last copy of the scanner.
    private let storage: FieldStorage
    /// Bytes that end an unquoted field.
    private let stops: [Bool]
    /// Unescaped copies for quoted fields that contained `""`, keyed by field index.
    var unescaped: [Int: [UInt8]] = [:]
    /// Whether records without quotes are split sixteen bytes at a time (off only to test it against the plain path).
    var wordAtATime = true

    /// `base` must be the buffer's base address (callers never scan an empty buffer).
    init(
        bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, delimiter: UInt8, start: Int = 0,
        end: Int? = nil, line: Int = 1
    ) {
        self.bytes = bytes
        self.base = base
        self.delimiter = delimiter
        self.position = start
        self.end = end ?? bytes.count
        self.line = line
        self.storage = FieldStorage(capacity: 64)
        var stops = [Bool](repeating: false, count: 256)
        stops[Int(delimiter)] = true
        stops[10] = true
        stops[13] = true
        self.stops = stops
        self.starts = storage.starts
        self.ends = storage.ends
    }

    @inline(__always)
    private mutating func appendField(_ start: Int, _ end: Int) {
        if fieldCount == capacity { grow() }
        starts[fieldCount] = start
        ends[fieldCount] = end
        fieldCount += 1
    }

    private mutating func grow() {
        capacity *= 2
        storage.resize(capacity, keeping: fieldCount)
        starts = storage.starts
        ends = storage.ends
    }

    enum ScanError: Error {
        case unterminatedQuote(line: Int, column: Int)
        case textAfterQuote(line: Int, column: Int)
    }

    /// Moves past records read by another reader (the loader's fast path): `position` starts a record and `line` is
    /// its line. The current record is forgotten.
    mutating func resume(at position: Int, line: Int) {
        self.position = position
        self.line = line
        fieldCount = 0
    }

    /// Reads the next non-blank record; false at end of input.
    mutating func next() throws(ScanError) -> Bool {
        fieldCount = 0
        if !unescaped.isEmpty { unescaped.removeAll(keepingCapacity: true) }
        // Skip blank lines.
        while position < end {
            let c = bytes[position]
            if c == 10 {
                line += 1
                position += 1
            } else if c == 13 {
                line += 1
                position += 1
                if position < end && bytes[position] == 10 { position += 1 }
            } else {
                break
            }
        }
        guard position < end else { return false }
        recordLine = line
        if wordAtATime && plainRecord() { return true }
        var lineStart = position
        while true {
            if position < end && bytes[position] == 34 {
                let fieldLine = line
                let fieldColumn = position - lineStart + 1
                position += 1
                let contentStart = position
                var hasEscapes = false
                while true {
                    guard position < end else {
                        throw .unterminatedQuote(line: fieldLine, column: fieldColumn)
                    }
                    let c = bytes[position]
                    if c == 34 {
                        if position + 1 < end && bytes[position + 1] == 34 {
                            hasEscapes = true
                            position += 2
                            continue
                        }
                        break
                    }
                    if c == 10 {
                        line += 1
                        lineStart = position + 1
                    }
                    position += 1
                }
                let contentEnd = position
                position += 1  // closing quote
                if hasEscapes {
                    unescaped[fieldCount] = Self.unescape(bytes, contentStart, contentEnd)
                }
                appendField(contentStart, contentEnd)
                if position < end {
                    let c = bytes[position]
                    if c != delimiter && c != 10 && c != 13 {
                        throw .textAfterQuote(line: line, column: position - lineStart + 1)
                    }
                }
            } else {
                let fieldStart = position
                position = nextStop(from: position)
                appendField(fieldStart, position)
            }
            guard position < end else { return true }
            let c = bytes[position]
            if c == delimiter {
                position += 1
                if position == end {
                    // A trailing delimiter at end of input ends with an empty field.
                    appendField(position, position)
                    return true
                }
                continue
            }
            // End of record.
            line += 1
            position += 1
            if c == 13 && position < end && bytes[position] == 10 { position += 1 }
            return true
        }
    }

    /// Reads a record that has no quote and ends inside a whole sixteen-byte block before `end`, sixteen bytes at a
    /// time: one mask marks the delimiters, LFs, CRs and quotes, and every field ends at one of its bits. Returns false,
    /// having changed nothing, for any other record (the byte-by-byte path then reads it).
    @inline(__always)
    private mutating func plainRecord() -> Bool {
        var block = position
        var fieldStart = position
        while block + 16 <= end {
            var marks = churnql_special_bytes16(base + block, delimiter)
            while marks != 0 {
                let stop = block + marks.trailingZeroBitCount
                marks &= marks &- 1
                let byte = base[stop]
                if byte == delimiter {
                    appendField(fieldStart, stop)
                    fieldStart = stop + 1
                } else if byte == 34 {
                    fieldCount = 0
                    return false
                } else {
                    appendField(fieldStart, stop)
                    line += 1
                    position = stop + 1
                    if byte == 13 && position < end && base[position] == 10 { position += 1 }
                    return true
                }
            }
            block += 16
        }
        fieldCount = 0
        return false
    }

    /// The position of the first delimiter, LF or CR at or after `start` (or `end`). Eight bytes at a time: a
    /// byte equal to one of the three becomes zero after an XOR, and the lowest zero byte of a word is found
    /// exactly by the borrow trick; the last few bytes go through the lookup table.
    @inline(__always)
    private func nextStop(from start: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let delimiters = UInt64(delimiter) &* ones
        let newlines: UInt64 = 0x0A &* ones
        let returns: UInt64 = 0x0D &* ones
        let raw = UnsafeRawPointer(base)
        var position = start
        while position + 8 <= end {
            let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
            let a = word ^ delimiters
            let b = word ^ newlines
            let c = word ^ returns
            let zeros =
                ((a &- ones) & ~a & highs) | ((b &- ones) & ~b & highs) | ((c &- ones) & ~c & highs)
            if zeros != 0 { return position + zeros.trailingZeroBitCount / 8 }
            position += 8
        }
        while position < end && !stops[Int(base[position])] { position += 1 }
        return position
    }

    /// The field's bytes as they are in the input: the field itself when `unescaped` is empty (no field of the
    /// record held an escaped quote).
    @inline(__always)
    func rawField(_ index: Int) -> Field { Field(base: base + starts[index], count: ends[index] - starts[index]) }

    /// The field's bytes, unescaped; the closure must not keep the pointer.
    @inline(__always)
    func withField<R>(_ index: Int, _ body: (Field) -> R) -> R {
        if !unescaped.isEmpty, let copy = unescaped[index] {
            return copy.withUnsafeBufferPointer { buffer in
                body(Field(base: buffer.baseAddress ?? base, count: buffer.count))
            }
        }
        return body(Field(base: base + starts[index], count: ends[index] - starts[index]))
    }

    /// The 1-based line and byte column where field `index` of the record just read starts (a quoted field before
    /// it may have spanned lines); `offset` is where the text starts (after a BOM).
    func place(ofField index: Int, offset: Int) -> (line: Int, column: Int) {
        var line = recordLine
        var i = starts[0]
        while i < starts[index] {
            if base[i] == 10 { line += 1 }
            i += 1
        }
        var lineStart = starts[index]
        while lineStart > offset && base[lineStart - 1] != 10 && base[lineStart - 1] != 13 { lineStart -= 1 }
        return (line, starts[index] - lineStart + 1)
    }

    private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            out.append(bytes[i])
            i += bytes[i] == 34 && i + 1 < end && bytes[i + 1] == 34 ? 2 : 1
        }
        return out
    }
}

/// The field-boundary buffers of a scanner.
final class FieldStorage {
    private(set) var starts: UnsafeMutablePointer<Int>
    private(set) var ends: UnsafeMutablePointer<Int>

    init(capacity: Int) {
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
    }

    func resize(_ capacity: Int, keeping count: Int) {
        let newStarts = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        let newEnds = UnsafeMutablePointer<Int>.allocate(capacity: capacity)
        newStarts.update(from: starts, count: count)
        newEnds.update(from: ends, count: count)
        starts.deallocate()
        ends.deallocate()
        starts = newStarts
        ends = newEnds
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
    }
}
