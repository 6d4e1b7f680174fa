import Dispatch

extension OrderCount {
    /// What one part of the rows saw: its tally, and its first and last valid rows' ids and days (for the checks
    /// across the cuts).
    private struct PartSeen {
        var tally = Tally()
        var first: (id: Int32, day: Int32)?
        var last: (id: Int32, day: Int32)?
    }

    /// The counts of rows not grouped by customer (a file sorted by date), on `parts` cores: each part counts its
    /// rows into a 32-bit array of its own (the counts of one part would otherwise be a cache miss per row on one
    /// core), and the arrays are summed, customer ranges on all cores. The tally is the one-core loop's, the checks
    /// that cross a cut made from each part's first and last valid rows. Nil when stopped by Ctrl-C.
    static func countScattered(
        ids: [Int32], days: [Int32], dayValid: [Bool]?, asof: Int32, customers: Int, parts: Int, interrupt: Interrupt?
    ) -> ([Int], Tally)? {
        let rows = ids.count
        var partCounts = [[Int32]](repeating: [], count: parts)
        var seen = [PartSeen?](repeating: nil, count: parts)
        partCounts.withUnsafeMutableBufferPointer { partCounts in
            seen.withUnsafeMutableBufferPointer { seen in
                nonisolated(unsafe) let (partCounts, seen) = (partCounts, seen)
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    var counts = [Int32](repeating: 0, count: customers)
                    let range = (rows * part / parts)..<(rows * (part + 1) / parts)
                    let result = counts.withUnsafeMutableBufferPointer { counts in
                        countPart(range, ids, days, dayValid, asof, into: counts, interrupt: interrupt)
                    }
                    partCounts[part] = counts
                    seen[part] = result
                }
            }
        }
        guard interrupt?.isRequested != true, seen.allSatisfy({ $0 != nil }) else { return nil }
        var whole = Tally()
        var previous: (id: Int32, day: Int32)?
        for case let part? in seen {
            whole.missingKey += part.tally.missingKey
            whole.missingDate += part.tally.missingDate
            whole.afterAsof += part.tally.afterAsof
            whole.grouped = whole.grouped && part.tally.grouped
            whole.daysInOrder = whole.daysInOrder && part.tally.daysInOrder
            if let before = previous, let first = part.first {
                if first.id < before.id { whole.grouped = false }
                if first.id == before.id && first.day < before.day { whole.daysInOrder = false }
            }
            previous = part.last ?? previous
        }
        let summed = partCounts
        partCounts = []
        var counts = [Int](repeating: 0, count: customers + 1)
        counts.withUnsafeMutableBufferPointer { counts in
            nonisolated(unsafe) let counts = counts
            let pieces = customers >= 1 << 20 ? 2 : 1
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                for c in (customers * piece / pieces)..<(customers * (piece + 1) / pieces) {
                    var total = 0
                    for part in summed { total += Int(part[c]) }
                    counts[c + 1] = total
                }
            }
        }
        return (counts, whole)
    }

    /// One part's rows counted into `counts`, with what the part saw; nil when stopped.
    private static func countPart(
        _ rows: Range<Int>, _ ids: [Int32], _ days: [Int32], _ dayValid: [Bool]?, _ asof: Int32,
        into counts: UnsafeMutableBufferPointer<Int32>, interrupt: Interrupt?
    ) -> PartSeen? {
        ids.withUnsafeBufferPointer { ids in
            days.withUnsafeBufferPointer { days -> PartSeen? in
                var seen = PartSeen()
                var skipped = Skipped()
                var grouped = true
                var daysInOrder = true
                var previous: Int32 = -1
                var previousDay = Int32.min
                var first: (id: Int32, day: Int32)?
                var start = rows.lowerBound
                while start < rows.upperBound {
                    if interrupt?.isRequested == true { return nil }
                    let end = Swift.min(start + Interrupt.stride, rows.upperBound)
                    for row in start..<end {
                        let id = ids[row]
                        guard let day = skipped.day(of: row, id: id, days, dayValid, asof) else { continue }
                        if first == nil { first = (id, day) }
                        if id < previous { grouped = false }
                        if id == previous && day < previousDay { daysInOrder = false }
                        previous = id
                        previousDay = day
                        counts[Int(id)] &+= 1
                    }
                    start = end
                }
                seen.tally = skipped.tally(grouped: grouped, daysInOrder: daysInOrder)
                seen.first = first
                if first != nil { seen.last = (previous, previousDay) }
                return seen
            }
        }
    }
}
