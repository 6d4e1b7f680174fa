import ChurnQLMetrics

/// Loops over one group's rows for aggregates that cannot fold row by row (median, min/max, count_distinct):
/// a group may hold every row of the table, so a large one is read in chunks with a Ctrl-C check between them.
enum GroupRows {
    /// Calls `body` on each row; false when `stop` asked to stop part way (`body` then saw only some rows).
    @inline(__always)
    static func each(_ rows: ArraySlice<Int>, _ stop: StopCheck, _ body: (Int) -> Void) -> Bool {
        guard rows.count > Interrupt.stride else {
            for row in rows { body(row) }
            return true
        }
        let base = rows.startIndex
        return stop.chunksUnlessStopped(rows.count) { chunk in
            for i in chunk { body(rows[base + i]) }
        }
    }

    /// The non-null values of `value` over the rows, in row order; nil when stopped.
    @inline(__always)
    static func numbers(_ rows: ArraySlice<Int>, _ value: (Int) -> Double?, _ stop: StopCheck) -> [Double]? {
        guard rows.count > Interrupt.stride else { return rows.compactMap(value) }
        var values: [Double] = []
        values.reserveCapacity(rows.count)
        let whole = each(rows, stop) { row in
            if let x = value(row) { values.append(x) }
        }
        return whole ? values : nil
    }
}
