import ChurnQLStore

/// Pass two of loading: converts each field of one column to its decided kind and stores it compactly.
struct ColumnAccumulator {
    let kind: ColumnKind
    let pattern: DatePattern?
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private var days: [Int32] = []
    private var codes: [Int32] = []
    private var interner = TextInterner()
    private var dateCache = ISODateCache()
    /// The null mask, created at the first null (most columns have none, and the mask costs a byte a row).
    private var nulls: [Bool] = []
    private var rows = 0
    private var nullCount = 0
    /// Values that did not convert although inference accepted the column (should not happen; kept as null).
    private(set) var unconverted = 0

    init(kind: ColumnKind, pattern: DatePattern?, capacity: Int) {
        self.kind = kind
        self.pattern = pattern
        switch kind {
        case .integer, .timestamp: ints.reserveCapacity(capacity)
        case .decimal, .money: doubles.reserveCapacity(capacity)
        case .boolean: bools.reserveCapacity(capacity)
        case .date: days.reserveCapacity(capacity)
        case .text: codes.reserveCapacity(capacity)
        }
    }

    mutating func appendNull() {
        if nulls.isEmpty { nulls = [Bool](repeating: false, count: rows) }
        nulls.append(true)
        rows += 1
        nullCount += 1
        switch kind {
        case .integer, .timestamp: ints.append(0)
        case .decimal, .money: doubles.append(0)
        case .boolean: bools.append(false)
        case .date: days.append(0)
        case .text: codes.append(internEmpty())
        }
    }

    mutating func append(_ f: Field) {
        switch kind {
        case .integer:
            guard let v = FieldParsers.integer(f) else { return fail() }
            ints.append(v)
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
            guard let day = dateCache.day(f) else { return fail() }
            days.append(day)
        case .date(let dateKind):
            guard let seconds = Self.seconds(f, dateKind, pattern) else { return fail() }
            days.append(Dates.day(ofTimestamp: seconds))
        case .timestamp(let dateKind):
            guard let seconds = Self.seconds(f, dateKind, pattern) else { return fail() }
            ints.append(seconds)
        case .text:
            codes.append(internText(f))
        }
        if !nulls.isEmpty { nulls.append(false) }
        rows += 1
    }

    private mutating func fail() {
        unconverted += 1
        appendNull()
    }

    @inline(__always)
    private mutating func internText(_ f: Field) -> Int32 { interner.intern(f) }

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

    /// Makes room to absorb `others` in one go (the text dictionary is then built without rehashing).
    mutating func reserve(toAbsorb others: [ColumnAccumulator]) {
        let rowsTotal = rows + others.reduce(0) { $0 + $1.rows }
        switch kind {
        case .integer, .timestamp: ints.reserveCapacity(rowsTotal)
        case .decimal, .money: doubles.reserveCapacity(rowsTotal)
        case .boolean: bools.reserveCapacity(rowsTotal)
        case .date: days.reserveCapacity(rowsTotal)
        case .text:
            codes.reserveCapacity(rowsTotal)
            interner.reserve(
                values: interner.count + others.reduce(0) { $0 + $1.interner.count },
                bytes: interner.byteCount + others.reduce(0) { $0 + $1.interner.byteCount })
        }
    }

    /// Moves the collected values out, leaving an empty accumulator behind (so the arrays can be freed early).
    mutating func take() -> ColumnAccumulator {
        let taken = self
        self = ColumnAccumulator(kind: kind, pattern: pattern, capacity: 0)
        return taken
    }

    /// Appends everything another chunk's accumulator of the same kind collected (text codes are re-interned).
    mutating func absorb(_ other: consuming ColumnAccumulator) {
        ints += other.ints
        doubles += other.doubles
        bools += other.bools
        days += other.days
        if !other.codes.isEmpty {
            let remap = interner.absorb(other.interner)
            codes.reserveCapacity(codes.count + other.codes.count)
            for code in other.codes { codes.append(remap[Int(code)]) }
        }
        if !nulls.isEmpty || !other.nulls.isEmpty {
            if nulls.isEmpty { nulls = [Bool](repeating: false, count: rows) }
            nulls += other.nulls.isEmpty ? [Bool](repeating: false, count: other.rows) : other.nulls
        }
        rows += other.rows
        nullCount += other.nullCount
        unconverted += other.unconverted
    }

    func build(name: String) -> Column {
        let storage: ColumnStorage
        switch kind {
        case .integer: storage = .integer(ints)
        case .decimal, .money: storage = .decimal(doubles)
        case .boolean: storage = .boolean(bools)
        case .date: storage = .date(days)
        case .timestamp: storage = .timestamp(ints)
        case .text: storage = .text(codes: codes, dictionary: interner.strings())
        }
        return Column(name: name, storage: storage, nulls: nullCount > 0 ? nulls : nil)
    }
}
