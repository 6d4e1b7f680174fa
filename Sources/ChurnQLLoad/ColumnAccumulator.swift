import Foundation
import ChurnQLStore

/// Pass two of loading: converts each field of one column to its decided kind and stores it compactly.
struct ColumnAccumulator {
    let kind: ColumnKind
    let pattern: DatePattern?
    // One of these holds the values, by kind; each chunk's accumulator has its own buffers.
    private var ints: ValueBuffer<Int64>
    /// An integer column's values while they all fit in 32 bits, when the loader gave it a 32-bit region (see
    /// `narrowIntegers`); the first value that does not fit moves the chunk's values to `ints`.
    private let narrowInts: ValueBuffer<Int32>
    private(set) var isNarrow: Bool
    private let doubles: ValueBuffer<Double>
    private let bools: ValueBuffer<Bool>
    private let days: ValueBuffer<Int32>
    private let codes: ValueBuffer<Int32>
    private var interner = TextInterner()
    /// A text column's values while all of them so far have the shape its first one has (see NumberedText): then
    /// `codes` holds their numbers, the least and greatest in `lowestNumber` and `highestNumber`, and the interner
    /// is empty. The first value of another shape (or a null) turns the numbers into interner codes for good.
    private var numbered: NumberedText?
    private var textShapeDecided = false
    private var lowestNumber = Int32.max
    private var highestNumber: Int32 = -1
    /// Numbers spread wider than this cannot be merged by arrays (NumberedMerge): the chunk interns from then on.
    private let numberSpread: Int
    /// The null mask, created at the first null (most columns have none, and the mask costs a byte a row).
    private var nulls: [Bool] = []
    private var rows = 0
    private var nullCount = 0
    /// Values that did not convert although inference accepted the column (should not happen; kept as null).
    private(set) var unconverted = 0
    /// The kinds whose parser accepts no null token ("", NA, null, n/a), so that a value is tried first.
    private enum ParsedFirst { case integer, decimal, isoDate, none }
    private let parsedFirst: ParsedFirst
    /// The capacity asked for, which a narrow column's values get when they have to widen.
    private let capacity: Int

    /// With a `region`, the values go straight into that memory (room for `capacity` values of this kind's
    /// element type: Int64, Double, Bool or Int32; Int32 for an integer column when `narrow`), as long as they fit.
    init(
        kind: ColumnKind, pattern: DatePattern?, capacity: Int, region: UnsafeMutableRawPointer? = nil,
        narrow: Bool = false, columnRows: Int? = nil
    ) {
        self.kind = kind
        numberSpread = NumberedMerge.widestSpread(rows: columnRows ?? Int(Int32.max))
        self.pattern = pattern
        func buffer<T>(_ used: Bool) -> ValueBuffer<T> {
            guard used, let region else { return ValueBuffer(capacity: used ? capacity : 0) }
            return ValueBuffer(region: region.assumingMemoryBound(to: T.self), capacity: capacity)
        }
        var integer = false
        var decimal = false
        var boolean = false
        var date = false
        var text = false
        switch kind {
        case .integer, .integerID, .timestamp: integer = true
        case .decimal, .money: decimal = true
        case .boolean: boolean = true
        case .date: date = true
        case .text: text = true
        }
        switch kind {
        case .integer: parsedFirst = .integer
        case .decimal: parsedFirst = .decimal
        case .date(.iso): parsedFirst = .isoDate
        default: parsedFirst = .none
        }
        if case .timestamp = kind { isNarrow = false } else { isNarrow = narrow && integer }
        ints = buffer(integer && !isNarrow)
        narrowInts = buffer(isNarrow)
        self.capacity = capacity
        doubles = buffer(decimal)
        bools = buffer(boolean)
        days = buffer(date)
        codes = buffer(text)
    }

    /// The rows appended so far.
    var rowCount: Int { rows }

    /// Whether every value is still in the region given to `init` (false when there was none).
    var stayedInRegion: Bool {
        switch kind {
        case .integer, .integerID: return isNarrow ? narrowInts.inRegion : ints.inRegion || widened
        case .timestamp: return ints.inRegion
        case .decimal, .money: return doubles.inRegion
        case .boolean: return bools.inRegion
        case .date: return days.inRegion
        case .text: return codes.inRegion
        }
    }

    mutating func appendNull() {
        if nulls.isEmpty { nulls = [Bool](repeating: false, count: rows) }
        nulls.append(true)
        rows += 1
        nullCount += 1
        switch kind {
        case .integer, .integerID: pushInteger(0)
        case .timestamp: ints.append(0)
        case .decimal, .money: doubles.append(0)
        case .boolean: bools.append(false)
        case .date: days.append(0)
        case .text:
            leaveNumbered()
            finish()
            codes.append(internEmpty())
        }
    }

    /// Makes every value final (text lookups still waiting are done); due before the values are read.
    mutating func finish() {
        let codes = self.codes
        interner.finishWaiting { rows, code in for row in rows { codes[row] = code } }
    }

    /// Appends a field that may be a null token. Numbers and ISO dates are parsed before any null check (no null
    /// token parses as one, and most fields are values); the other kinds, and any field when the user named null
    /// tokens of their own, are checked for a null token first. A `stable` field's bytes stay readable until
    /// `finish`, so its text lookup may wait.
    @inline(__always)
    mutating func add(_ f: Field, nullTokens: [[UInt8]], stable: Bool = false) {
        if nullTokens.isEmpty {
            switch parsedFirst {
            case .integer:
                if let v = FieldParsers.integer(f) {
                    pushInteger(v)
                    return counted()
                }
            case .decimal:
                if let v = FieldParsers.decimal(f) {
                    doubles.append(v)
                    return counted()
                }
            case .isoDate:
                if let day = FieldParsers.isoDate(f) {
                    days.append(day)
                    return counted()
                }
            case .none:
                break
            }
        }
        if FieldParsers.isNullToken(f, extra: nullTokens) {
            appendNull()
        } else {
            append(f, stable: stable)
        }
    }

    /// Appends `n` values a fast path already parsed, as bit patterns (an integer of an integer or identifier
    /// column, a decimal, an ISO date's day number), in one step: the fast record path's batch of one column.
    mutating func appendIntegers(_ values: UnsafePointer<UInt64>, _ n: Int) {
        var fits = isNarrow
        if fits {
            for i in 0..<n where Int32(exactly: Int64(bitPattern: values[i])) == nil {
                fits = false
                break
            }
        }
        if fits {
            narrowInts.append(count: n) { out in
                for i in 0..<n { out[i] = Int32(truncatingIfNeeded: Int64(bitPattern: values[i])) }
            }
        } else if !isNarrow {
            ints.append(count: n) { out in for i in 0..<n { out[i] = Int64(bitPattern: values[i]) } }
        } else {
            for i in 0..<n { pushInteger(Int64(bitPattern: values[i])) }
        }
        counted(n)
    }

    mutating func appendDecimals(_ values: UnsafePointer<UInt64>, _ n: Int) {
        doubles.append(count: n) { out in for i in 0..<n { out[i] = Double(bitPattern: values[i]) } }
        counted(n)
    }

    mutating func appendDays(_ values: UnsafePointer<UInt64>, _ n: Int) {
        days.append(count: n) { out in for i in 0..<n { out[i] = Int32(truncatingIfNeeded: values[i]) } }
        counted(n)
    }

    /// Appends `n` text values of a text column whose bytes stay readable until `finish`.
    @inline(__always)
    mutating func appendStableTexts(_ n: Int, readableEnd: UnsafePointer<UInt8>, _ field: (Int) -> Field) {
        let codes = self.codes
        var r = 0
        if !textShapeDecided, n > 0 { decideShape(field(0)) }
        if let shape = numbered {
            var (low, high) = (lowestNumber, highestNumber)
            while r < n, let number = shape.number(field(r), readableEnd: readableEnd) {
                codes.append(number)
                low = Swift.min(low, number)
                high = Swift.max(high, number)
                r += 1
            }
            (lowestNumber, highestNumber) = (low, high)
            if r < n || Int(high) - Int(low) > numberSpread { leaveNumbered() }
        }
        for r in r..<n {
            codes.append(-1)
            if let done = interner.internLater(field(r), row: codes.count - 1) {
                for row in done.rows { codes[row] = done.code }
            }
        }
        counted(n)
    }

    /// Stores a value of an integer or identifier column, at half width while every value fits.
    @inline(__always)
    private mutating func pushInteger(_ value: Int64) {
        guard isNarrow else { return ints.append(value) }
        if let small = Int32(exactly: value) { return narrowInts.append(small) }
        widen()
        ints.append(value)
    }

    /// Whether this chunk's values left their 32-bit region for memory of their own (a value did not fit); they
    /// are then complete there, and the column is put together from its chunks.
    private(set) var widened = false

    /// Moves the values so far to full width, in memory of the chunk's own.
    private mutating func widen() {
        let wide = ValueBuffer<Int64>(capacity: Swift.max(capacity, narrowInts.count * 2))
        for i in 0..<narrowInts.count { wide.append(Int64(narrowInts[i])) }
        widened = true
        narrowInts.release()
        ints = wide
        isNarrow = false
    }

    /// The values of a narrow column (`isNarrow`), copied into `target`.
    func copyNarrow(to target: UnsafeMutablePointer<Int32>) { narrowInts.copy(to: target) }

    /// The values of an integer column at full width, copied into `target` (which has room for `rowCount`).
    func copyIntegers(to target: UnsafeMutablePointer<Int64>) {
        if isNarrow {
            for i in 0..<narrowInts.count { target[i] = Int64(narrowInts[i]) }
        } else {
            ints.copy(to: target)
        }
    }

    /// Counts a value just appended.
    @inline(__always)
    private mutating func counted() {
        if !nulls.isEmpty { nulls.append(false) }
        rows += 1
    }

    /// Counts `n` values just appended.
    @inline(__always)
    private mutating func counted(_ n: Int) {
        if !nulls.isEmpty { nulls.append(contentsOf: repeatElement(false, count: n)) }
        rows += n
    }

    mutating func append(_ f: Field, stable: Bool = false) {
        switch kind {
        case .integer:
            guard let v = FieldParsers.integer(f) else { return fail() }
            pushInteger(v)
        case .integerID:
            guard let v = FieldParsers.canonicalInteger(f) else { return fail() }
            pushInteger(v)
        case .decimal:
            guard let v = FieldParsers.decimal(f) else { return fail() }
            doubles.append(v)
        case .money(let comma):
            guard
                let v = FieldParsers.decimal(f) ?? FieldParsers.money(f, style: comma ? .commaThousands : .dotThousands)
            else { return fail() }
            doubles.append(v)
        case .boolean:
            guard let v = FieldParsers.boolean(f) else { return fail() }
            bools.append(v)
        case .date(.iso) where f.count == 10:
            guard let day = FieldParsers.isoDate(f) else { return fail() }
            days.append(day)
        case .date(let dateKind):
            guard let seconds = Self.seconds(f, dateKind, pattern) else { return fail() }
            days.append(Dates.day(ofTimestamp: seconds))
        case .timestamp(let dateKind):
            guard let seconds = Self.seconds(f, dateKind, pattern) else { return fail() }
            ints.append(seconds)
        case .text:
            if !textShapeDecided { decideShape(f) }
            if let shape = numbered {
                if let number = shape.number(f) {
                    codes.append(number)
                    (lowestNumber, highestNumber) = (Swift.min(lowestNumber, number), Swift.max(highestNumber, number))
                    if Int(highestNumber) - Int(lowestNumber) > numberSpread { leaveNumbered() }
                    break
                }
                leaveNumbered()
            }
            if stable {
                codes.append(-1)
                if let done = interner.internLater(f, row: codes.count - 1) {
                    for row in done.rows { codes[row] = done.code }
                }
            } else {
                finish()
                codes.append(interner.intern(f))
            }
        }
        counted()
    }

    /// Keeps numbers while the values have the shape of the first one, if it has one.
    private mutating func decideShape(_ first: Field) {
        textShapeDecided = true
        numbered = NumberedText(of: first)
    }

    /// Turns the numbers kept so far into interner codes; every value from now on is interned.
    private mutating func leaveNumbered() {
        textShapeDecided = true
        guard let shape = numbered else { return }
        numbered = nil
        // Through the interner's prefetching lookups, as the values would have gone: each text is written to a
        // ring of slots that outlives the interner's sixteen waiting values.
        let length = shape.length
        let slots = 32
        let ring = UnsafeMutablePointer<UInt8>.allocate(capacity: length * slots)
        defer { ring.deallocate() }
        let codes = self.codes
        var previous: Int32 = -1
        var slot = 0
        var text = Field(base: ring, count: 0)
        for row in 0..<codes.count {
            let number = codes[row]
            if number != previous {
                slot = (slot + 1) % slots
                shape.write(Int64(number), to: ring + slot * length)
                text = Field(base: ring + slot * length, count: shape.length)
                previous = number
            }
            if let done = interner.internLater(text, row: row) {
                for waited in done.rows { codes[waited] = done.code }
            }
        }
        interner.finishWaiting { rows, code in for row in rows { codes[row] = code } }
    }

    private mutating func fail() {
        unconverted += 1
        appendNull()
    }

    private mutating func internEmpty() -> Int32 {
        var byte: UInt8 = 0
        return withUnsafePointer(to: &byte) { interner.intern(Field(base: $0, count: 0)) }
    }

    /// Seconds since the epoch for any supported date or timestamp layout.
    static func seconds(_ f: Field, _ kind: DateKind, _ pattern: DatePattern?) -> Int64? {
        switch kind {
        case .iso:
            if let day = FieldParsers.isoDate(f) { return Int64(day) * 86400 }
            return FieldParsers.isoTimestamp(f)
        case .compact:
            return FieldParsers.compactDate(f).map { Int64($0) * 86400 }
        case .pattern:
            return pattern?.parse(f)
        case .dayFirst, .monthFirst:
            guard let parts = FieldParsers.slashParts(f) else { return nil }
            let (day, month) = kind == .dayFirst ? (parts.a, parts.b) : (parts.b, parts.a)
            guard Dates.isValid(year: parts.year, month: month, day: day) else { return nil }
            return Int64(Dates.dayNumber(year: parts.year, month: month, day: day)) * 86400
                + Int64(parts.seconds ?? 0)
        }
    }

    var isText: Bool {
        if case .text = kind { return true }
        return false
    }

    /// One column from the accumulators of its chunks, in order: values copied once into the column's arrays,
    /// text dictionaries merged into the first (codes rewritten). Returns the column and how many values did not
    /// convert.
    static func merged(_ parts: consuming [ColumnAccumulator], name: String) -> (Column, Int) {
        guard let kind = parts.first?.kind else {
            return (Column(name: name, storage: .text(codes: [], dictionary: [])), 0)
        }
        let storage: ColumnStorage
        switch kind {
        case .integer, .integerID: storage = .integer(concatenatedIntegers(parts))
        case .timestamp: storage = .timestamp(ValueBuffer.concatenate(parts.map(\.ints)))
        case .decimal, .money: storage = .decimal(ValueBuffer.concatenate(parts.map(\.doubles)))
        case .boolean: storage = .boolean(ValueBuffer.concatenate(parts.map(\.bools)))
        case .date: storage = .date(ValueBuffer.concatenate(parts.map(\.days)))
        case .text:
            let (dictionary, remaps) = mergeDictionaries(&parts)
            let total = parts.reduce(0) { $0 + $1.codes.count }
            nonisolated(unsafe) let chunkCodes = parts.map(\.codes)
            var starts = [0]
            for codes in chunkCodes { starts.append(starts[starts.count - 1] + codes.count) }
            let codes = [Int32](unsafeUninitializedCapacity: total) { buffer, initialized in
                nonisolated(unsafe) let buffer = buffer
                let (remaps, starts) = (remaps, starts)
                // Chunk by chunk in parallel; each chunk's codes are released once rewritten.
                DispatchQueue.concurrentPerform(iterations: chunkCodes.count) { k in
                    let codes = chunkCodes[k]
                    if let remap = remaps[k] {
                        for i in 0..<codes.count { buffer[starts[k] + i] = remap(codes[i]) }
                    } else if let target = buffer.baseAddress {
                        codes.copy(to: target + starts[k])
                    }
                    codes.release()
                }
                initialized = total
            }
            storage = .text(codes: codes, dictionary: dictionary)
        }
        return (
            Column(name: name, storage: storage, nulls: nullMask(of: parts)), parts.reduce(0) { $0 + $1.unconverted }
        )
    }

    /// An integer column's chunks at full width, whichever width each chunk kept.
    static func concatenatedIntegers(_ parts: [ColumnAccumulator]) -> [Int64] {
        let total = parts.reduce(0) { $0 + $1.rowCount }
        return [Int64](unsafeUninitializedCapacity: total) { array, initialized in
            var position = 0
            for part in parts {
                if let target = array.baseAddress { part.copyIntegers(to: target + position) }
                position += part.rowCount
                part.ints.release()
                part.narrowInts.release()
            }
            initialized = total
        }
    }

    /// The null mask of a column made of these chunks, or nil when none is null.
    static func nullMask(of parts: [ColumnAccumulator]) -> [Bool]? {
        guard parts.contains(where: { $0.nullCount > 0 }) else { return nil }
        return parts.flatMap { $0.nulls.isEmpty ? [Bool](repeating: false, count: $0.rows) : $0.nulls }
    }

    /// The chunks' text dictionaries merged into one, and for each chunk how its codes become merged codes (nil
    /// when they stay as they are). The chunks' dictionaries are dropped.
    static func mergeDictionaries(_ parts: inout [ColumnAccumulator]) -> ([String], [CodeRemap?]) {
        if let merged = mergeNumbered(parts) { return merged }
        // Chunks that kept numbers are interned now, each on its own core (one after another, a file of sparse
        // ids would intern all its rows on one core).
        parts.withUnsafeMutableBufferPointer { parts in
            nonisolated(unsafe) let parts = parts
            DispatchQueue.concurrentPerform(iterations: parts.count) { k in
                parts[k].leaveNumbered()
                parts[k].finish()
                parts[k].interner.dropLookupTable()
            }
        }
        let (dictionary, remaps) = DictionaryMerge.merge(parts.map(\.interner))
        for k in parts.indices { parts[k].interner = TextInterner() }
        return (dictionary, remaps.map { $0.map { CodeRemap(table: $0, offset: 0) } })
    }

    /// The merge of chunks that all kept numbers of one shape (chunks without rows aside), if they did.
    private static func mergeNumbered(_ parts: [ColumnAccumulator]) -> ([String], [CodeRemap?])? {
        let holding = parts.filter { $0.rows > 0 }
        guard let shape = holding.first?.numbered, holding.allSatisfy({ $0.numbered == shape }),
            let lowest = holding.map(\.lowestNumber).min(), let highest = holding.map(\.highestNumber).max(),
            let merged = NumberedMerge.merge(holding.map(\.codes), shape: shape, lowest: lowest, highest: highest)
        else { return nil }
        return (merged.dictionary, parts.map { _ in merged.remap })
    }
}
