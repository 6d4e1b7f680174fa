import ChurnQLDiagnostics
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
        if let days = data.days, Self.groupByDays(days, perCustomer, into: &self) {
            addWeeks(perDay, cutoff: cutoff, asof: asof)
            return
        }
        if Interrupt.requested { return }
        var group: [GroupKey: Int] = [:]
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
        addWeeks(perDay, cutoff: cutoff, asof: asof)
    }

    /// The holdout's purchase days, cumulative week by week.
    private mutating func addWeeks(_ perDay: [Int], cutoff: Int32, asof: Int32) {
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

    /// The groups numbered through packed whole days (x, t_x, T in days, then the holdout count) instead of a
    /// Dictionary of doubles, whose growth rehashes a million keys in one step no check can come between. Days
    /// determine the model's numbers (one unit for all), so the groups and their order are the same. False when
    /// the days do not fit the packing, or when stopped (`Interrupt.current`, the caller drops the summary).
    private static func groupByDays(_ days: CalibrationDays, _ actual: [Int], into summary: inout HoldoutSummary)
        -> Bool
    {
        let n = days.x.count
        guard n == days.tx.count, n == days.T.count, n == actual.count else { return false }
        let inRange = { (i: Int) in
            days.x[i] >= 0 && days.x[i] < 1 << 21 && days.tx[i] >= 0 && days.tx[i] < 1 << 21 && days.T[i] >= 0
                && days.T[i] < 1 << 21 && actual[i] < 1 << 31
        }
        guard (0..<n).allSatisfy(inRange) else { return false }
        let stop = StopCheck()
        var triples = IntegerNumbering()
        var groups = IntegerNumbering()
        var firstOfGroup: [Int] = []
        var customers: [Int] = []
        do throws(Diagnostic) {
            try stop.chunks(n) { chunk throws(Diagnostic) in
                try triples.reserve(chunk.count, stop: stop)
                try groups.reserve(chunk.count, stop: stop)
                for i in chunk {
                    let triple = triples.id(
                        Int64(days.x[i]) << 42 | Int64(days.tx[i]) << 21 | Int64(days.T[i]), row: i)
                    let g = Int(groups.id(Int64(triple) << 31 | Int64(actual[i]), row: i))
                    if g == customers.count {
                        customers.append(0)
                        firstOfGroup.append(i)
                    }
                    customers[g] += 1
                }
            }
        } catch {
            return false
        }
        summary.x = firstOfGroup.map { Double(days.x[$0]) }
        summary.tx = firstOfGroup.map { Double(days.tx[$0]) / days.unitDays }
        summary.T = firstOfGroup.map { Double(days.T[$0]) / days.unitDays }
        summary.actual = firstOfGroup.map { actual[$0] }
        summary.customers = customers
        return true
    }

    private struct GroupKey: Hashable {
        var x: Double, tx: Double, T: Double
        var actual: Int
    }

    /// Holdout weeks: the last may be short, ending at asof.
    static func weeks(cutoff: Int32, asof: Int32) -> Int { max(1, (Int(asof) - Int(cutoff) + 6) / 7) }
}
