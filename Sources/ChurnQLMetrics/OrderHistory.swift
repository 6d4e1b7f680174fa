import CByteScan
import ChurnQLStore
import Dispatch

/// Every customer's orders as of `asof`, grouped by dense customer id (compressed sparse rows):
/// the orders of customer c are `days[offsets[c]..<offsets[c+1]]`, sorted by day.
public struct OrderHistory: Sendable {
    /// One row per customer: the customer key, sorted ascending.
    public let keys: Column
    public let offsets: [Int]
    public let days: [Int32]
    public let amounts: [Double]
    /// Order rows left out: no customer key, no date, or dated after asof.
    public let missingKey: Int
    public let missingDate: Int
    public let afterAsof: Int

    public var customerCount: Int { offsets.count - 1 }

    /// Groups order rows by customer. `amount` may be nil (revenue is then 0). From `splitFrom` rows on, the
    /// rows of a file not grouped by customer are placed on two cores (a test lowers it). Stopped by Ctrl-C
    /// (`Interrupt.current`), it returns a history of no customers, which the caller drops.
    public static func build(
        customer: Column, date: Column, amount: Column?, asof: Int32, splitFrom: Int = 1_000_000
    ) -> OrderHistory {
        // No rows (the typing profile's history): nothing to stop.
        let interrupt = customer.count == 0 ? nil : Interrupt.current
        let stopped = OrderHistory(
            keys: Column(name: customer.name, storage: .text(codes: [], dictionary: [])), offsets: [0], days: [],
            amounts: [], missingKey: 0, missingDate: 0, afterAsof: 0)
        let rows = customer.count
        // Plain arrays and a validity mask up front: per-row enum switches and optionals would dominate the loops.
        let (orderDays, dayValid) = DayView(date).plain(rows)
        let amountValues = amount.map { NumericView($0).plain(rows) }
        if interrupt?.isRequested == true { return stopped }
        let dense = DenseKeys.assign(customer)
        if interrupt?.isRequested == true { return stopped }
        let n = dense.keys.count
        guard
            case (var counts, let tally)? = OrderCount.count(
                ids: dense.ids, days: orderDays, dayValid: dayValid, asof: asof, customers: n,
                parts: rows >= splitFrom ? 2 : 1, interrupt: interrupt)
        else { return stopped }
        // Files exported customer by customer keep every order in place: the columns can then be shared as is.
        let (grouped, missingKey, missingDate, afterAsof) = (
            tally.grouped, tally.missingKey, tally.missingDate, tally.afterAsof
        )
        for c in 0..<n { counts[c + 1] += counts[c] }
        var days: [Int32]
        var amounts: [Double]
        if grouped && missingKey + missingDate + afterAsof == 0 {
            days = orderDays
            if let (values, valid) = amountValues {
                amounts = values
                if let valid { for row in 0..<rows where !valid[row] { amounts[row] = 0 } }
            } else {
                amounts = [Double](repeating: 0, count: rows)
            }
        } else {
            (days, amounts) = scatter(
                ids: dense.ids, orderDays: orderDays, dayValid: dayValid, amountValues: amountValues, asof: asof,
                offsets: counts, parts: rows >= splitFrom ? 2 : 1, interrupt: interrupt)
        }
        if interrupt?.isRequested == true { return stopped }
        // Checked before any inout access: the optimiser may make a shared array unique ahead of a loop that writes.
        // Rows kept in place and found in day order while counted: nothing to look for.
        let inPlace = grouped && missingKey + missingDate + afterAsof == 0
        if !(inPlace && tally.daysInOrder), let first = firstUnsortedSegment(offsets: counts, days: days) {
            sortSegments(from: first, offsets: counts, days: &days, amounts: &amounts)
        }
        if interrupt?.isRequested == true { return stopped }
        return OrderHistory(
            keys: dense.keys, offsets: counts, days: days, amounts: amounts, missingKey: missingKey,
            missingDate: missingDate, afterAsof: afterAsof)
    }

    /// Places each valid row's day and amount in its customer's segment (a counting sort by dense id). Rows in
    /// file order write all over the columns when the file is not grouped by customer, so the work is split by
    /// customer, not by row: on each core one pass reads every row and places those of its half of the customers,
    /// whose segments and cursors no other core touches. Each row's cursor is fetched 32 rows ahead, and the
    /// places it points to 16 rows ahead.
    private static func scatter(
        ids: [Int32], orderDays: [Int32], dayValid: [Bool]?, amountValues: ([Double], [Bool]?)?, asof: Int32,
        offsets: [Int], parts: Int, interrupt: Interrupt?
    ) -> ([Int32], [Double]) {
        var cursor = offsets
        let total = offsets.last ?? 0
        // Left unset here: every slot is written once by the part that owns its customer, so the pages are first
        // touched on both cores (zeroing 12 bytes a row up front took one core about 50 ms on 10M orders).
        var days = [Int32](unsafeUninitializedCapacity: total) { $1 = total }
        var amounts = [Double](unsafeUninitializedCapacity: total) { $1 = total }
        let rows = ids.count
        let customers = offsets.count - 1
        guard total > 0 else { return (days, amounts) }
        cursor.withUnsafeMutableBufferPointer { cursor in
            days.withUnsafeMutableBufferPointer { days in
                amounts.withUnsafeMutableBufferPointer { amounts in
                    guard let cursorStart = cursor.baseAddress, let dayStart = days.baseAddress,
                        let amountStart = amounts.baseAddress
                    else { return }
                    nonisolated(unsafe) let (cursor, days, amounts) = (cursor, days, amounts)
                    nonisolated(unsafe) let (cursorBase, dayBase, amountBase) = (cursorStart, dayStart, amountStart)
                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                        // This part's customers: ids in [low, high).
                        let low = Int32(customers * part / parts)
                        let high = Int32(customers * (part + 1) / parts)
                        func mine(_ id: Int32) -> Bool { id >= low && id < high }
                        for row in 0..<rows {
                            // Stopped by Ctrl-C: the caller drops the partial columns.
                            if row & (Interrupt.stride - 1) == 0, interrupt?.isRequested == true { return }
                            if row + 32 < rows, mine(ids[row + 32]) {
                                churnql_prefetch(cursorBase + Int(ids[row + 32]))
                            }
                            if row + 16 < rows, mine(ids[row + 16]) {
                                let ahead = Swift.min(cursor[Int(ids[row + 16])], total - 1)
                                churnql_prefetch(dayBase + ahead)
                                churnql_prefetch(amountBase + ahead)
                            }
                            let id = ids[row]
                            let day = orderDays[row]
                            guard mine(id), dayValid?[row] ?? true, day <= asof else { continue }
                            let slot = cursor[Int(id)]
                            cursor[Int(id)] += 1
                            days[slot] = day
                            if let (values, valid) = amountValues, valid?[row] ?? true {
                                amounts[slot] = values[row]
                            } else {
                                amounts[slot] = 0
                            }
                        }
                    }
                }
            }
        }
        return (days, amounts)
    }

    /// The first customer whose orders are not in day order, if any (most files arrive sorted).
    private static func firstUnsortedSegment(offsets: [Int], days: [Int32]) -> Int? {
        let customers = offsets.count - 1
        let parts = customers > 100_000 ? 4 : 1
        // The first unsorted customer of each part of the customers, checked in parallel.
        let firsts = ParallelArray.make(parts, parallelFrom: 2) { part -> Int? in
            let range = (customers * part / parts)..<(customers * (part + 1) / parts)
            for c in range where offsets[c + 1] - offsets[c] > 1 {
                for i in (offsets[c] + 1)..<offsets[c + 1] where days[i] < days[i - 1] { return c }
            }
            return nil
        }
        return firsts.lazy.compactMap { $0 }.first
    }

    /// Sorts each customer's orders by day from customer `first` on, keeping amounts aligned.
    private static func sortSegments(from first: Int, offsets: [Int], days: inout [Int32], amounts: inout [Double]) {
        for c in first..<(offsets.count - 1) {
            // Stopped by Ctrl-C: the caller drops the partly sorted columns.
            if c & (Interrupt.stride - 1) == 0, Interrupt.requested { return }
            let lower = offsets[c]
            let upper = offsets[c + 1]
            guard upper - lower > 1 else { continue }
            var sorted = true
            for i in (lower + 1)..<upper where days[i] < days[i - 1] {
                sorted = false
                break
            }
            if sorted { continue }
            var pairs = (lower..<upper).map { (days[$0], amounts[$0]) }
            pairs.sort { $0.0 < $1.0 }
            for (i, pair) in pairs.enumerated() {
                days[lower + i] = pair.0
                amounts[lower + i] = pair.1
            }
        }
    }

    /// The order days of one customer.
    @inline(__always)
    public func orderDays(_ customer: Int) -> ArraySlice<Int32> { days[offsets[customer]..<offsets[customer + 1]] }

    /// The latest order day on or before `day`, if any.
    public func lastOrder(_ customer: Int, onOrBefore day: Int32) -> Int32? {
        var result: Int32?
        for d in orderDays(customer) {
            if d > day { break }
            result = d
        }
        return result
    }

    /// Whether the customer ordered in (after, through].
    public func ordered(_ customer: Int, after: Int32, through: Int32) -> Bool {
        for d in orderDays(customer).reversed() {
            if d <= after { return false }
            if d <= through { return true }
        }
        return false
    }
}

/// Reads a date or timestamp column as day numbers.
struct DayView {
    /// Every row's day, and which rows have one (nil: all).
    func plain(_ rows: Int) -> ([Int32], [Bool]?) {
        if case .date(let v) = column.storage { return (v, column.nulls.map { $0.map { !$0 } }) }
        let values = (0..<rows).map { self[$0] }
        return (values.map { $0 ?? 0 }, values.map { $0 != nil })
    }

    let column: Column
    init(_ column: Column) { self.column = column }
    subscript(_ row: Int) -> Int32? {
        if column.isNull(row) { return nil }
        switch column.storage {
        case .date(let v): return v[row]
        case .timestamp(let v): return Dates.day(ofTimestamp: v[row])
        default: return nil
        }
    }
}

/// Reads an integer or decimal column as Double.
struct NumericView {
    /// Every row's number, and which rows have one (nil: all).
    func plain(_ rows: Int) -> ([Double], [Bool]?) {
        if case .decimal(let v) = column.storage { return (v, column.nulls.map { $0.map { !$0 } }) }
        let values = (0..<rows).map { self[$0] }
        return (values.map { $0 ?? 0 }, values.map { $0 != nil })
    }

    let column: Column
    init(_ column: Column) { self.column = column }
    subscript(_ row: Int) -> Double? {
        if column.isNull(row) { return nil }
        switch column.storage {
        case .decimal(let v): return v[row]
        case .integer(let v): return Double(v[row])
        default: return nil
        }
    }
}

extension OrderHistory {
    /// The same history with customers that have no orders appended (from a customers table).
    func appendingCustomers(_ extra: [Value]) -> OrderHistory {
        let newKeys: Column
        if case .text(let codes, let dictionary) = keys.storage, keys.nulls == nil {
            let appended = TextKeyAppend.appending(
                extra.map { Self.convert($0, to: .text).plainText }, to: codes, dictionary)
            newKeys = Column(name: keys.name, storage: .text(codes: appended.codes, dictionary: appended.dictionary))
        } else {
            var builder = ColumnBuilder(type: keys.type)
            for row in 0..<keys.count { builder.append(keys.value(at: row)) }
            for value in extra { builder.append(Self.convert(value, to: keys.type)) }
            newKeys = builder.build(name: keys.name)
        }
        let lastOffset = offsets.last ?? 0
        return OrderHistory(
            keys: newKeys, offsets: offsets + extra.map { _ in lastOffset }, days: days,
            amounts: amounts, missingKey: missingKey, missingDate: missingDate, afterAsof: afterAsof)
    }

    private static func convert(_ value: Value, to type: DataType) -> Value {
        if value.type == type { return value }
        switch type {
        case .text: return .text(value.plainText)
        case .integer: return Int64(value.plainText).map(Value.integer) ?? .null
        default: return .null
        }
    }
}
