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

extension Table {
    /// `gather`, column by column with a check between columns (one column of millions of rows is a few tens of
    /// milliseconds; the whole table can be seconds).
    func gather(_ rows: [Int], stop: StopCheck) throws(Diagnostic) -> Table {
        var gathered: [Column] = []
        gathered.reserveCapacity(columns.count)
        for column in columns {
            try stop()
            gathered.append(column.gather(rows))
        }
        try stop()
        return Table(
            name: name, columns: gathered, rowCount: rows.count,
            entityIndex: entityIndex.map { lineage in rows.map { lineage[$0] } })
    }
}
