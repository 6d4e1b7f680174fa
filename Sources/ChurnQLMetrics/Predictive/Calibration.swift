import ChurnQLStore

/// Builds the model inputs from order histories as of a cutoff date.
public enum Calibration {
    /// Per customer with a first purchase on or before `cutoff` (in history order): x, t_x, T in units of
    /// `unitDays` days, and the mean of the repeat purchase days' totals (the first day's purchases excluded,
    /// several orders on one day summed, as lifetimes' summary_data_from_transaction_data does).
    public static func data(history: OrderHistory, cutoff: Int32, unitDays: Double) -> (CalibrationData, [Int]) {
        var data = CalibrationData(x: [], tx: [], T: [], monetary: [])
        var days = CalibrationDays(unitDays: unitDays)
        var customers: [Int] = []
        for array in [\CalibrationData.x, \.tx, \.T, \.monetary] {
            data[keyPath: array].reserveCapacity(history.customerCount)
        }
        for array in [\CalibrationDays.x, \.tx, \.T] { days[keyPath: array].reserveCapacity(history.customerCount) }
        customers.reserveCapacity(history.customerCount)
        for c in 0..<history.customerCount {
            let lower = history.offsets[c]
            let upper = history.offsets[c + 1]
            guard upper > lower, history.days[lower] <= cutoff else { continue }
            let first = history.days[lower]
            var last = first
            // Days are sorted: every change of day is one more repeat purchase day.
            var repeatDays = 0
            var repeatSpend = 0.0
            for i in lower..<upper {
                let day = history.days[i]
                if day > cutoff { break }
                if day != last { repeatDays += 1 }
                if day != first { repeatSpend += history.amounts[i] }
                last = day
            }
            data.x.append(Double(repeatDays))
            data.tx.append(Double(last - first) / unitDays)
            data.T.append(Double(cutoff - first) / unitDays)
            data.monetary.append(repeatDays == 0 ? 0 : repeatSpend / Double(repeatDays))
            days.x.append(Int32(truncatingIfNeeded: repeatDays))
            days.tx.append(last &- first)
            days.T.append(cutoff &- first)
            customers.append(c)
        }
        data.days = days
        return (data, customers)
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
