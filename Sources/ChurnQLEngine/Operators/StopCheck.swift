import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore

/// The long loops' Ctrl-C check: the running statement's `Interrupt`, asked once per chunk of rows.
struct StopCheck {
    var interrupt = Interrupt.current

    /// Whether the statement was asked to stop (for loops that cannot throw: they stop, leave a value of the
    /// right shape, and their caller's next check throws, since the request stays raised).
    var requested: Bool { interrupt?.isRequested ?? false }

    /// Throws `interrupted` when the statement was asked to stop.
    func callAsFunction() throws(Diagnostic) {
        if requested { throw Engine.interrupted }
    }

    /// Runs `body` over 0..<count one chunk of rows at a time, checking before each chunk. (Inlined, so that the
    /// loop inside `body` compiles as if written in place.)
    @inline(__always)
    func chunks(_ count: Int, _ body: (Range<Int>) throws(Diagnostic) -> Void) throws(Diagnostic) {
        var start = 0
        while start < count {
            try self()
            let end = Swift.min(start + Interrupt.stride, count)
            try body(start..<end)
            start = end
        }
    }

    /// Like `chunks`, for loops that cannot throw; false when it stopped early.
    @inline(__always)
    func chunksUnlessStopped(_ count: Int, _ body: (Range<Int>) -> Void) -> Bool {
        var start = 0
        while start < count {
            if requested { return false }
            let end = Swift.min(start + Interrupt.stride, count)
            body(start..<end)
            start = end
        }
        return true
    }
}

extension StopCheck {
    /// `count` copies of `value`, written in chunks with a check between them; nil when stopped. Hundreds of
    /// megabytes of fresh memory take a while to fault in (the kernel clears every page), and a scatter into
    /// them would fault them all in during its first chunk.
    func filled<T: BitwiseCopyable>(_ value: T, count: Int) -> [T]? {
        var done = true
        let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            var start = 0
            while start < count {
                if requested {
                    done = false
                    break
                }
                let end = Swift.min(start + 16 * Interrupt.stride, count)
                UnsafeMutableBufferPointer(rebasing: buffer[start..<end]).initialize(repeating: value)
                start = end
            }
            // Bitwise-copyable elements need no deinitialisation: a stopped array is dropped unread.
            initialized = count
        }
        return done ? array : nil
    }
}

extension Table {
    /// `gather`, column by column with a check between columns (one column of millions of rows is a few tens of
    /// milliseconds; the whole table can be seconds).
    func gather(_ rows: [Int], stop: StopCheck) throws(Diagnostic) -> Table {
        var gathered: [Column] = []
        gathered.reserveCapacity(columns.count)
        for column in columns { gathered.append(try column.gather(rows, stop: stop)) }
        try stop()
        return Table(
            name: name, columns: gathered, rowCount: rows.count,
            entityIndex: entityIndex.map { lineage in rows.map { lineage[$0] } })
    }
}

extension Column {
    /// `gather` in chunks of rows with `stop` between them (a join's result can be tens of millions of rows per
    /// column). A row of -1 (a left join's missing match) is null when `optional`.
    func gather(_ rows: [Int], optional: Bool = false, stop: StopCheck) throws(Diagnostic) -> Column {
        // An empty column has no row 0 to stand in for the nulls; the unchecked path handles it.
        if count == 0 { return optional ? gatherOptional(rows) : gather(rows) }
        func pick<T>(_ values: [T]) -> [T] {
            [T](unsafeUninitializedCapacity: rows.count) { buffer, initialized in
                var done = 0
                _ = stop.chunksUnlessStopped(rows.count) { chunk in
                    for i in chunk { buffer.initializeElement(at: i, to: values[Swift.max(rows[i], 0)]) }
                    done = chunk.upperBound
                }
                initialized = done
            }
        }
        let gathered: ColumnStorage
        switch storage {
        case .integer(let v): gathered = .integer(pick(v))
        case .decimal(let v): gathered = .decimal(pick(v))
        case .boolean(let v): gathered = .boolean(pick(v))
        case .date(let v): gathered = .date(pick(v))
        case .timestamp(let v): gathered = .timestamp(pick(v))
        case .text(let codes, let dictionary): gathered = .text(codes: pick(codes), dictionary: dictionary)
        }
        var mask = nulls.map(pick)
        try stop()
        if optional {
            try stop.chunks(rows.count) { chunk in
                for i in chunk where rows[i] < 0 {
                    if mask == nil { mask = [Bool](repeating: false, count: rows.count) }
                    mask?[i] = true
                }
            }
        }
        var result = Column(name: name, storage: gathered, nulls: mask)
        result.isIdentifier = isIdentifier
        return result
    }
}
