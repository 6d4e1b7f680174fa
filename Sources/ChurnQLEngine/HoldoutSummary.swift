import ChurnQLMetrics

/// What `evaluate` compares a fitted model with: customers whose first purchase is on or before the calibration
/// end, as groups of equal calibration history (x, t_x, T in the model's unit) and equal holdout purchases, with
/// the number of customers in each; and the holdout's repeat purchases, cumulative week by week. In memory every
/// customer is a group of one; a server sends the groups.
struct HoldoutSummary {
    var x: [Double] = []
    var tx: [Double] = []
    var T: [Double] = []
    /// Distinct purchase days in (calibration end, asof].
    var actual: [Int] = []
    var customers: [Int] = []
    /// Purchase days in the holdout up to the end of week 1, 2, … (the last week ends at asof).
    var cumulativeActual: [Double] = []

    var count: Int { x.count }

    init() {}

    init(_ history: OrderHistory, cutoff: Int32, asof: Int32, unitDays: Double) {
        // Stopped by Ctrl-C between the passes too (each is a pass over every customer or order): `evaluate`
        // checks and drops the partial summary.
        let data = Calibration.data(history: history, cutoff: cutoff, unitDays: unitDays)
        if Interrupt.requested { return }
        let members = Calibration.customers(history: history, cutoff: cutoff)
        if Interrupt.requested { return }
        // One pass over the holdout's purchase days gives each customer's count and every week's total.
        let (perCustomer, perDay) = Calibration.holdoutPurchaseDays(
            history: history, customers: members, from: cutoff, through: asof)
        if Interrupt.requested { return }
        // Customers of equal history and holdout share a group, so predictions run once per group.
        var group: [GroupKey: Int] = [:]
        // Room up front: a Dictionary grows inside an insert, rehashing every key in one step that no check can
        // come between (hundreds of milliseconds at a million groups).
        group.reserveCapacity(data.count)
        for i in 0..<data.count {
            // Stopped by Ctrl-C: `evaluate` checks and drops the partial summary.
            if i & (Interrupt.stride - 1) == 0, Interrupt.requested { break }
            let key = GroupKey(x: data.x[i], tx: data.tx[i], T: data.T[i], actual: perCustomer[i])
            if let g = group[key] {
                customers[g] += 1
                continue
            }
            group[key] = x.count
            x.append(key.x)
            tx.append(key.tx)
            T.append(key.T)
            actual.append(key.actual)
            customers.append(1)
        }
        let holdoutDays = Int(asof) - Int(cutoff)
        var total = 0
        var day = 0
        for week in 1...Self.weeks(cutoff: cutoff, asof: asof) {
            while day < min(holdoutDays, week * 7) {
                total += perDay[day]
                day += 1
            }
            cumulativeActual.append(Double(total))
        }
    }

    private struct GroupKey: Hashable {
        var x: Double, tx: Double, T: Double
        var actual: Int
    }

    /// Holdout weeks: the last may be short, ending at asof.
    static func weeks(cutoff: Int32, asof: Int32) -> Int { max(1, (Int(asof) - Int(cutoff) + 6) / 7) }
}
