import Foundation
import ChurnQLStore

/// Builds the model inputs from order histories as of a cutoff date.
public enum Calibration {
    /// Per customer with a first purchase on or before `cutoff` (in history order): x, t_x, T in units of
    /// `unitDays` days, and the mean of the repeat purchase days' totals (the first day's purchases excluded,
    /// several orders on one day summed, as lifetimes' summary_data_from_transaction_data does).
    public static func data(history: OrderHistory, cutoff: Int32, unitDays: Double) -> CalibrationData {
        let (offsets, days, amounts) = (history.offsets, history.days, history.amounts)
        // Customers whose first purchase is on or before the cutoff: usually all of them, else those listed.
        let included = Self.included(history: history, cutoff: cutoff)
        let allIncluded = !included.contains(false)
        let listed: [Int] = allIncluded ? [] : included.indices.filter { included[$0] }
        let count = allIncluded ? history.customerCount : listed.count
        // Each array in one parallel pass of its own, straight from the order history (days are sorted).
        func column<T>(_ value: (_ lower: Int, _ upper: Int) -> T) -> [T] {
            ParallelArray.make(count) { i in
                let c = allIncluded ? i : listed[i]
                return value(offsets[c], offsets[c + 1])
            }
        }
        // Purchase days after the first, up to the cutoff: every change of day is one more.
        let repeatDays = column { lower, upper -> Int32 in
            var count: Int32 = 0
            var i = lower + 1
            while i < upper && days[i] <= cutoff {
                if days[i] != days[i - 1] { count &+= 1 }
                i += 1
            }
            return count
        }
        let lastDay = column { lower, upper -> Int32 in
            var last = upper - 1
            while days[last] > cutoff { last -= 1 }
            return days[last] &- days[lower]
        }
        let age = column { lower, _ in cutoff &- days[lower] }
        // The mean of the repeat purchase days' totals: orders on the first day are left out.
        let repeatSpend = column { lower, upper -> Double in
            var total = 0.0
            var i = lower + 1
            while i < upper && days[i] <= cutoff {
                if days[i] != days[lower] { total += amounts[i] }
                i += 1
            }
            return total
        }
        var data = CalibrationData(
            x: ParallelArray.make(count) { Double(repeatDays[$0]) },
            tx: ParallelArray.make(count) { Double(lastDay[$0]) / unitDays },
            T: ParallelArray.make(count) { Double(age[$0]) / unitDays },
            monetary: ParallelArray.make(count) { repeatDays[$0] == 0 ? 0 : repeatSpend[$0] / Double(repeatDays[$0]) })
        data.days = CalibrationDays(x: repeatDays, tx: lastDay, T: age, unitDays: unitDays)
        return data
    }

    /// The history customers `data` describes, in its order: those whose first purchase is on or before `cutoff`.
    public static func customers(history: OrderHistory, cutoff: Int32) -> [Int] {
        let included = Self.included(history: history, cutoff: cutoff)
        return included.indices.filter { included[$0] }
    }

    private static func included(history: OrderHistory, cutoff: Int32) -> [Bool] {
        let (offsets, days) = (history.offsets, history.days)
        return ParallelArray.make(history.customerCount) { c in
            offsets[c + 1] > offsets[c] && days[offsets[c]] <= cutoff
        }
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
