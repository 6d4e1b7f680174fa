/// The retention aggregates of brief §6, over a set of customers (history indices).
public enum RetentionAggregates {
    /// Base, churned and rate for a period ending at asof.
    public struct ChurnCounts: Sendable, Equatable {
        public var base: Int
        public var churned: Int
        public var rate: Double? { base == 0 ? nil : Double(churned) / Double(base) }
    }

    /// start = asof − period; base = customers active as of start (latest purchase on or before start at most
    /// churn_window days before it); churned = base customers with no purchase in (start, asof].
    public static func churn(
        customers: some Sequence<Int32>, history: OrderHistory, asof: Int32, periodDays: Int, churnWindow: Int
    ) -> ChurnCounts {
        let start = asof - Int32(periodDays)
        var counts = ChurnCounts(base: 0, churned: 0)
        for c in customers where c >= 0 {
            let customer = Int(c)
            guard let last = history.lastOrder(customer, onOrBefore: start), Int(start - last) <= churnWindow else {
                continue
            }
            counts.base += 1
            if !history.ordered(customer, after: start, through: asof) { counts.churned += 1 }
        }
        return counts
    }

    /// Share of customers with at least one repeat purchase (frequency ≥ 1); customers without orders excluded.
    public static func repeatRate(customers: some Sequence<Int32>, profile: CustomerProfile) -> Double? {
        var buyers = 0
        var repeaters = 0
        for c in customers where c >= 0 {
            let customer = Int(c)
            guard profile.history.offsets[customer + 1] > profile.history.offsets[customer] else { continue }
            buyers += 1
            if profile.frequency[customer] >= 1 { repeaters += 1 }
        }
        return buyers == 0 ? nil : Double(repeaters) / Double(buyers)
    }

    /// Mean purchase_cycle_days over customers that have one (frequency ≥ 1).
    public static func averagePurchaseCycle(customers: some Sequence<Int32>, profile: CustomerProfile) -> Double? {
        var sum = 0.0
        var n = 0
        for c in customers where c >= 0 {
            if let cycle = profile.purchaseCycle[Int(c)] {
                sum += cycle
                n += 1
            }
        }
        return n == 0 ? nil : sum / Double(n)
    }
}
