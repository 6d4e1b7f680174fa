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
        let data = Calibration.data(history: history, cutoff: cutoff, unitDays: unitDays)
        let members = Calibration.customers(history: history, cutoff: cutoff)
        (x, tx, T) = (data.x, data.tx, data.T)
        actual = Calibration.holdoutPurchases(history: history, customers: members, from: cutoff, through: asof)
        customers = [Int](repeating: 1, count: data.count)
        for week in 1...Self.weeks(cutoff: cutoff, asof: asof) {
            let through = min(asof, cutoff + Int32(week * 7))
            let purchases = Calibration.holdoutPurchases(
                history: history, customers: members, from: cutoff, through: through)
            cumulativeActual.append(Double(purchases.reduce(0, +)))
        }
    }

    /// Holdout weeks: the last may be short, ending at asof.
    static func weeks(cutoff: Int32, asof: Int32) -> Int { max(1, (Int(asof) - Int(cutoff) + 6) / 7) }
}
