import Dispatch

/// Counts each customer's orders (the rows with a key and a day up to asof), and tells whether the rows come
/// customer by customer (ids never decrease).
enum OrderCount {
    struct Tally {
        var missingKey = 0
        var missingDate = 0
        var afterAsof = 0
        /// Valid ids never decreased from one row to the next.
        var grouped = true
        /// Days never decreased between valid rows of one customer next to each other (with `grouped`: every
        /// customer's orders are in day order).
        var daysInOrder = true
    }

    /// `counts[id + 1]` is customer id's number of orders. With more than one part, the rows are counted on that
    /// many cores when each part's first and last customers say the rows may come customer by customer (each part
    /// then writes only the ids strictly between its own first and last, which no other part writes, and counts
    /// those two apart); a part that meets an id out of that order stops, and the rows are then counted on one
    /// core. Nil when stopped by Ctrl-C.
    static func count(
        ids: [Int32], days: [Int32], dayValid: [Bool]?, asof: Int32, customers: Int, parts: Int, interrupt: Interrupt?
    ) -> ([Int], Tally)? {
        let rows = ids.count
        if parts > 1 {
            if let split = countInParts(
                ids: ids, days: days, dayValid: dayValid, asof: asof, customers: customers, parts: parts,
                interrupt: interrupt)
            {
                return split
            }
            if interrupt?.isRequested == true { return nil }
            return countScattered(
                ids: ids, days: days, dayValid: dayValid, asof: asof, customers: customers, parts: parts,
                interrupt: interrupt)
        }
        var counts = [Int](repeating: 0, count: customers + 1)
        var tally = Tally()
        var previous: Int32 = 0
        var previousDay = Int32.min
        let finished = Interrupt.chunks(rows, interrupt) { chunk in
            for row in chunk {
                let id = ids[row]
                if id < 0 {
                    tally.missingKey += 1
                    continue
                }
                guard dayValid?[row] ?? true else {
                    tally.missingDate += 1
                    continue
                }
                if days[row] > asof {
                    tally.afterAsof += 1
                    continue
                }
                if id < previous { tally.grouped = false }
                if id == previous && days[row] < previousDay { tally.daysInOrder = false }
                previous = id
                previousDay = days[row]
                counts[Int(id) + 1] += 1
            }
        }
        return finished ? (counts, tally) : nil
    }

    /// The counts on `parts` cores, or nil when the parts' first and last customers rule out rows customer by
    /// customer, when a part meets an id out of order, or when stopped.
    private static func countInParts(
        ids: [Int32], days: [Int32], dayValid: [Bool]?, asof: Int32, customers: Int, parts: Int, interrupt: Interrupt?
    ) -> ([Int], Tally)? {
        let rows = ids.count
        let valid = { (row: Int) in ids[row] >= 0 && (dayValid?[row] ?? true) && days[row] <= asof }
        let ranges = (0..<parts).map { (rows * $0 / parts)..<(rows * ($0 + 1) / parts) }
        // Each part's first and last customer, when it has any, with the rows they are on.
        let ends = ranges.map { range -> (first: Int32, last: Int32, firstRow: Int, lastRow: Int)? in
            guard let first = range.first(where: valid), let last = range.last(where: valid) else { return nil }
            return (ids[first], ids[last], first, last)
        }
        let present = ends.compactMap { $0 }
        guard
            present.allSatisfy({ $0.first <= $0.last })
                && zip(present, present.dropFirst()).allSatisfy({ $0.last <= $1.first })
        else { return nil }
        // A customer whose orders go on from one part into the next: its days in order across the cut.
        let inOrderAcrossCuts = zip(present, present.dropFirst()).allSatisfy {
            $0.last != $1.first || days[$0.lastRow] <= days[$1.firstRow]
        }
        var counts = [Int](repeating: 0, count: customers + 1)
        var results = [Part?](repeating: nil, count: parts)
        counts.withUnsafeMutableBufferPointer { counts in
            results.withUnsafeMutableBufferPointer { results in
                nonisolated(unsafe) let (counts, results) = (counts, results)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    guard let end = ends[part] else {
                        results[part] = Part(tally: invalidTally(ranges[part], ids, days, dayValid, asof))
                        return
                    }
                    results[part] = countInOrder(
                        ranges[part], ids, days, dayValid, asof, first: end.first, last: end.last, into: counts,
                        interrupt: interrupt)
                }
            }
        }
        guard interrupt?.isRequested != true, results.allSatisfy({ $0 != nil }) else { return nil }
        var whole = Tally(daysInOrder: inOrderAcrossCuts)
        for (part, result) in zip(ends, results) {
            guard let result else { continue }
            whole.missingKey += result.tally.missingKey
            whole.missingDate += result.tally.missingDate
            whole.afterAsof += result.tally.afterAsof
            whole.daysInOrder = whole.daysInOrder && result.tally.daysInOrder
            if let part {
                counts[Int(part.first) + 1] += result.firstCount
                if part.last != part.first { counts[Int(part.last) + 1] += result.lastCount }
            }
        }
        return (counts, whole)
    }

    /// One part's tally, and its orders of its first and last customers.
    private struct Part {
        var tally: Tally
        var firstCount = 0
        var lastCount = 0
    }

    /// The tally of a part without a valid row.
    private static func invalidTally(
        _ rows: Range<Int>, _ ids: [Int32], _ days: [Int32], _ dayValid: [Bool]?, _ asof: Int32
    ) -> Tally {
        var tally = Tally()
        for row in rows {
            if ids[row] < 0 {
                tally.missingKey += 1
            } else if !(dayValid?[row] ?? true) {
                tally.missingDate += 1
            } else if days[row] > asof {
                tally.afterAsof += 1
            }
        }
        return tally
    }

    /// Counts a part's rows while ids do not decrease, writing only ids strictly between `first` and `last`; nil
    /// at an id that decreases or leaves that range (or when stopped). Locals of the closure and buffers in the
    /// loop: captured variables would be read and written through memory on every row.
    private static func countInOrder(
        _ rows: Range<Int>, _ ids: [Int32], _ days: [Int32], _ dayValid: [Bool]?, _ asof: Int32, first: Int32,
        last: Int32, into counts: UnsafeMutableBufferPointer<Int>, interrupt: Interrupt?
    ) -> Part? {
        ids.withUnsafeBufferPointer { ids in
            days.withUnsafeBufferPointer { days -> Part? in
                var skipped = Skipped()
                var (firstCount, lastCount) = (0, 0)
                var previous = first
                var previousDay = Int32.min
                var daysInOrder = true
                var start = rows.lowerBound
                while start < rows.upperBound {
                    if interrupt?.isRequested == true { return nil }
                    let end = Swift.min(start + Interrupt.stride, rows.upperBound)
                    for row in start..<end {
                        let id = ids[row]
                        guard let day = skipped.day(of: row, id: id, days, dayValid, asof) else { continue }
                        if id < previous || id > last { return nil }
                        if id == previous && day < previousDay { daysInOrder = false }
                        previous = id
                        previousDay = day
                        if id == first {
                            firstCount += 1
                        } else if id == last {
                            lastCount += 1
                        } else {
                            counts[Int(id) + 1] += 1
                        }
                    }
                    start = end
                }
                return Part(
                    tally: skipped.tally(grouped: true, daysInOrder: daysInOrder), firstCount: firstCount,
                    lastCount: lastCount)
            }
        }
    }

    /// The rows left out of the counts, by reason.
    struct Skipped {
        var missingKey = 0
        var missingDate = 0
        var afterAsof = 0

        /// The day of a row that counts (a key, a day, not after asof); nil, the reason counted, for any other.
        @inline(__always)
        mutating func day(
            of row: Int, id: Int32, _ days: UnsafeBufferPointer<Int32>, _ dayValid: [Bool]?, _ asof: Int32
        ) -> Int32? {
            if id < 0 {
                missingKey += 1
                return nil
            }
            if let dayValid, !dayValid[row] {
                missingDate += 1
                return nil
            }
            let day = days[row]
            if day > asof {
                afterAsof += 1
                return nil
            }
            return day
        }

        func tally(grouped: Bool, daysInOrder: Bool) -> Tally {
            Tally(
                missingKey: missingKey, missingDate: missingDate, afterAsof: afterAsof, grouped: grouped,
                daysInOrder: daysInOrder)
        }
    }
}
