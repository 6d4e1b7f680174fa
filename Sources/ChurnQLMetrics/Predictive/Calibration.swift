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
        // Every column in one pass over each customer's orders (days are sorted), on all cores.
        var repeatDays = [Int32](repeating: 0, count: count)
        var lastDay = [Int32](repeating: 0, count: count)
        var age = [Int32](repeating: 0, count: count)
        var x = [Double](repeating: 0, count: count)
        var tx = [Double](repeating: 0, count: count)
        var T = [Double](repeating: 0, count: count)
        var monetary = [Double](repeating: 0, count: count)
        let parts = count >= 100_000 ? 4 : 1
        // Asked by the workers every `Interrupt.stride` customers (task-locals stay on this thread); stopped, the
        // rest stay zero and the caller drops the data.
        let interrupt = Interrupt.current
        repeatDays.withUnsafeMutableBufferPointer { repeatDays in
            lastDay.withUnsafeMutableBufferPointer { lastDay in
                age.withUnsafeMutableBufferPointer { age in
                    x.withUnsafeMutableBufferPointer { x in
                        tx.withUnsafeMutableBufferPointer { tx in
                            T.withUnsafeMutableBufferPointer { T in
                                monetary.withUnsafeMutableBufferPointer { monetary in
                                    nonisolated(unsafe) let columns = (repeatDays, lastDay, age, x, tx, T, monetary)
                                    DispatchQueue.concurrentPerform(iterations: parts) { part in
                                        let (repeatDays, lastDay, age, x, tx, T, monetary) = columns
                                        let first = count * part / parts
                                        for i in first..<(count * (part + 1) / parts) {
                                            if (i - first) & (Interrupt.stride - 1) == 0,
                                                interrupt?.isRequested == true
                                            {
                                                return
                                            }
                                            let c = allIncluded ? i : listed[i]
                                            let (lower, upper) = (offsets[c], offsets[c + 1])
                                            // Purchase days after the first, up to the cutoff: every change of
                                            // day is one more. Their spend leaves out the first day's orders.
                                            var repeats: Int32 = 0
                                            var spend = 0.0
                                            var last = lower
                                            var k = lower + 1
                                            while k < upper && days[k] <= cutoff {
                                                if days[k] != days[k - 1] { repeats &+= 1 }
                                                if days[k] != days[lower] { spend += amounts[k] }
                                                last = k
                                                k += 1
                                            }
                                            repeatDays[i] = repeats
                                            lastDay[i] = days[last] &- days[lower]
                                            age[i] = cutoff &- days[lower]
                                            x[i] = Double(repeats)
                                            tx[i] = Double(lastDay[i]) / unitDays
                                            T[i] = Double(age[i]) / unitDays
                                            monetary[i] = repeats == 0 ? 0 : spend / Double(repeats)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var data = CalibrationData(x: x, tx: tx, T: T, monetary: monetary)
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
