import Foundation
import ChurnQLStore

/// Builds the model inputs from order histories as of a cutoff date.
public enum Calibration {
    /// Per customer with a first purchase on or before `cutoff` (in history order): x, t_x, T in units of
    /// `unitDays` days, and the mean of the repeat purchase days' totals (the first day's purchases excluded,
    /// several orders on one day summed, as lifetimes' summary_data_from_transaction_data does).
    public static func data(history: OrderHistory, cutoff: Int32, unitDays: Double) -> (CalibrationData, [Int]) {
        let rows = summaries(history: history, cutoff: cutoff)
        let allIncluded = rows.allSatisfy(\.included)
        let customers = allIncluded ? Array(rows.indices) : rows.indices.filter { rows[$0].included }
        let kept = allIncluded ? rows : customers.map { rows[$0] }
        var data = CalibrationData(
            x: parallelMap(kept) { Double($0.repeatDays) }, tx: parallelMap(kept) { Double($0.lastDay) / unitDays },
            T: parallelMap(kept) { Double($0.age) / unitDays },
            monetary: parallelMap(kept) { $0.repeatDays == 0 ? 0 : $0.repeatSpend / Double($0.repeatDays) })
        data.days = CalibrationDays(
            x: parallelMap(kept, \.repeatDays), tx: parallelMap(kept, \.lastDay), T: parallelMap(kept, \.age),
            unitDays: unitDays)
        return (data, customers)
    }

    private static func parallelMap<T>(_ rows: [Summary], _ transform: (Summary) -> T) -> [T] {
        ParallelArray.make(rows.count) { transform(rows[$0]) }
    }

    /// One customer's purchases up to the cutoff, in days since their first purchase.
    private struct Summary {
        var repeatDays: Int32 = 0
        var lastDay: Int32 = 0
        var age: Int32 = 0
        var repeatSpend = 0.0
        var included = false
    }

    /// Every history customer's summary, computed in parallel parts of the customers.
    private static func summaries(history: OrderHistory, cutoff: Int32) -> [Summary] {
        ParallelArray.make(history.customerCount) { summary($0, history: history, cutoff: cutoff) }
    }

    @inline(__always)
    private static func summary(_ c: Int, history: OrderHistory, cutoff: Int32) -> Summary {
        let lower = history.offsets[c]
        let upper = history.offsets[c + 1]
        guard upper > lower, history.days[lower] <= cutoff else { return Summary() }
        let first = history.days[lower]
        var last = first
        // Days are sorted: every change of day is one more repeat purchase day.
        var repeatDays: Int32 = 0
        var repeatSpend = 0.0
        for i in lower..<upper {
            let day = history.days[i]
            if day > cutoff { break }
            if day != last { repeatDays &+= 1 }
            if day != first { repeatSpend += history.amounts[i] }
            last = day
        }
        return Summary(
            repeatDays: repeatDays, lastDay: last &- first, age: cutoff &- first, repeatSpend: repeatSpend,
            included: true)
    }

    /// Distinct purchase days in (from, through] for each customer.
    public static func holdoutPurchases(history: OrderHistory, customers: [Int], from: Int32, through: Int32) -> [Int] {
        customers.map { c in
            var count = 0
            var previous: Int32 = .min
            for day in history.orderDays(c) where day > from && day <= through && day != previous {
                count += 1
                previous = day
            }
            return count
        }
    }
}
