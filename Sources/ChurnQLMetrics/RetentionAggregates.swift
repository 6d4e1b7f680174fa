import Dispatch

/// The retention aggregates of brief §6, over a set of customers (history indices).
public enum RetentionAggregates {
    /// Base, churned and rate for a period ending at asof.
    public struct ChurnCounts: Sendable, Equatable {
        public var base: Int
        public var churned: Int
        public var rate: Double? { base == 0 ? nil : Double(churned) / Double(base) }

        /// Bits of a customer's churn state: in the base as of start, and churned by asof.
        public static let inBaseBit: UInt8 = 1
        public static let churnedBit: UInt8 = 2

        public init(base: Int, churned: Int) {
            self.base = base
            self.churned = churned
        }

        /// Counts one customer by its state from `churnStates`.
        @inlinable
        public mutating func add(_ state: UInt8) {
            if state & Self.inBaseBit != 0 { base += 1 }
            if state & Self.churnedBit != 0 { churned += 1 }
        }
    }

    /// start = asof − period; base = customers active as of start (latest purchase on or before start at most
    /// churn_window days before it); churned = base customers with no purchase in (start, asof].
    /// (The customers come as an array, not any sequence: a generic public function is not specialised for its
    /// callers in other modules, and its per-element metadata lookups made `churn_rate()` per group 7× slower.)
    public static func churn(
        customers: [Int32], history: OrderHistory, asof: Int32, periodDays: Int, churnWindow: Int
    ) -> ChurnCounts {
        let start = asof - Int32(periodDays)
        let (offsets, days) = (history.offsets, history.days)
        var counts = ChurnCounts(base: 0, churned: 0)
        for c in customers where c >= 0 {
            counts.add(
                churnState(Int(c), offsets: offsets, days: days, start: start, asof: asof, churnWindow: churnWindow))
        }
        return counts
    }

    private static let inBase = ChurnCounts.inBaseBit
    private static let churned = ChurnCounts.churnedBit

    /// Every history customer's churn state for the period ending at asof, in one pass in customer order: counts
    /// per group then read a byte per customer instead of walking order histories in group order.
    public static func churnStates(history: OrderHistory, asof: Int32, periodDays: Int, churnWindow: Int) -> [UInt8] {
        let start = asof - Int32(periodDays)
        let (offsets, days) = (history.offsets, history.days)
        return ParallelArray.make(history.customerCount) { c in
            churnState(c, offsets: offsets, days: days, start: start, asof: asof, churnWindow: churnWindow)
        }
    }

    /// In the base: the latest order on or before start is at most churnWindow days before it; churned: no order
    /// in (start, asof]. A customer's days are sorted, so both come from one backward walk to start.
    @inline(__always)
    private static func churnState(
        _ customer: Int, offsets: [Int], days: [Int32], start: Int32, asof: Int32, churnWindow: Int
    ) -> UInt8 {
        let lower = offsets[customer]
        var i = offsets[customer + 1] - 1
        while i >= lower && days[i] > start { i -= 1 }
        guard i >= lower, Int(start - days[i]) <= churnWindow else { return 0 }
        let orderedAfterStart = i + 1 < offsets[customer + 1] && days[i + 1] <= asof
        return orderedAfterStart ? inBase : inBase | churned
    }

    /// churn_rate with a choice of denominator: "start" (the base, the default), "average" (the mean of the base
    /// and the customers active at asof) or "exposure" (churned per period of customer time at risk: a churned
    /// base customer is at risk from start until W days after their last purchase, the others for the whole period).
    public static func churnRate(
        customers: [Int32], history: OrderHistory, asof: Int32, periodDays: Int, churnWindow: Int, method: String
    ) -> Double? {
        let counts = churn(
            customers: customers, history: history, asof: asof, periodDays: periodDays, churnWindow: churnWindow)
        switch method {
        case "average":
            var activeAtEnd = 0
            for c in customers where c >= 0 {
                if let last = history.lastOrder(Int(c), onOrBefore: asof), Int(asof - last) <= churnWindow {
                    activeAtEnd += 1
                }
            }
            let denominator = Double(counts.base + activeAtEnd) / 2
            return denominator == 0 ? nil : Double(counts.churned) / denominator
        case "exposure":
            let start = asof - Int32(periodDays)
            var exposure = 0.0
            for c in customers where c >= 0 {
                let customer = Int(c)
                guard let last = history.lastOrder(customer, onOrBefore: start), Int(start - last) <= churnWindow else {
                    continue
                }
                if history.ordered(customer, after: start, through: asof) {
                    exposure += Double(periodDays)
                } else {
                    exposure += Double(Swift.max(0, Swift.min(Int(last) + churnWindow, Int(asof)) - Int(start)))
                }
            }
            return exposure == 0 ? nil : Double(counts.churned) / (exposure / Double(periodDays))
        default:
            return counts.rate
        }
    }

    /// Revenue retention of the base customers (active at start = asof − period): their revenue in (start, asof]
    /// over their revenue in the period before (start − period, start]. Gross caps each customer at their previous
    /// revenue (expansion does not count); net does not.
    public static func revenueRetention(
        customers: [Int32], history: OrderHistory, asof: Int32, periodDays: Int, churnWindow: Int, gross: Bool
    ) -> Double? {
        let start = asof - Int32(periodDays)
        let previousStart = start - Int32(periodDays)
        var before = 0.0
        var after = 0.0
        for c in customers where c >= 0 {
            let customer = Int(c)
            guard let last = history.lastOrder(customer, onOrBefore: start), Int(start - last) <= churnWindow else {
                continue
            }
            var b = 0.0
            var a = 0.0
            for i in history.offsets[customer]..<history.offsets[customer + 1] {
                let day = history.days[i]
                if day > previousStart && day <= start { b += history.amounts[i] }
                if day > start && day <= asof { a += history.amounts[i] }
            }
            before += b
            after += gross ? Swift.min(a, b) : a
        }
        return before == 0 ? nil : after / before
    }

    /// Share of customers with at least one repeat purchase (frequency ≥ 1); customers without orders excluded.
    public static func repeatRate(customers: [Int32], profile: CustomerProfile) -> Double? {
        var buyers = 0
        var repeaters = 0
        let frequency = profile.frequency
        for c in customers where c >= 0 {
            let customer = Int(c)
            guard profile.history.offsets[customer + 1] > profile.history.offsets[customer] else { continue }
            buyers += 1
            if frequency[customer] >= 1 { repeaters += 1 }
        }
        return buyers == 0 ? nil : Double(repeaters) / Double(buyers)
    }

    /// Mean purchase_cycle_days over customers that have one (frequency ≥ 1).
    public static func averagePurchaseCycle(customers: [Int32], profile: CustomerProfile) -> Double? {
        var sum = 0.0
        var n = 0
        let cycles = profile.purchaseCycle
        for c in customers where c >= 0 {
            if let cycle = cycles[Int(c)] {
                sum += cycle
                n += 1
            }
        }
        return n == 0 ? nil : sum / Double(n)
    }
}
