import ChurnQLStore

/// One cell of a cohort matrix.
public struct CohortCell: Sendable, Equatable {
    public var cohortStart: Int32
    /// Periods since the first-purchase period (0 = that period).
    public var period: Int
    public var size: Int
    /// Distinct customers of the cohort buying in the period.
    public var active: Int
    public var revenue: Double

    public init(cohortStart: Int32, period: Int, size: Int, active: Int, revenue: Double) {
        self.cohortStart = cohortStart
        self.period = period
        self.size = size
        self.active = active
        self.revenue = revenue
    }
}

/// Cohort retention: customers grouped by the period of their first purchase, followed period by period to asof.
public enum Cohorts {
    public static func compute(history: OrderHistory, asof: Int32, period: CalendarPeriod) -> [CohortCell] {
        var cohortOf: [Int32: [Int]] = [:]
        // Stopped by Ctrl-C, the cells are partial: the caller drops them.
        for c in 0..<history.customerCount {
            if c & (Interrupt.stride - 1) == 0, Interrupt.requested { return [] }
            guard let first = history.orderDays(c).first else { continue }
            cohortOf[period.start(of: first), default: []].append(c)
        }
        var cells: [CohortCell] = []
        for start in cohortOf.keys.sorted() {
            let members = cohortOf[start] ?? []
            let periods = period.distance(from: start, to: asof) + 1
            var active = [Int](repeating: 0, count: periods)
            var revenue = [Double](repeating: 0, count: periods)
            for (k, c) in members.enumerated() {
                if k & (Interrupt.stride - 1) == 0, Interrupt.requested { return cells }
                var lastPeriod = -1
                let lower = history.offsets[c]
                for i in lower..<history.offsets[c + 1] {
                    let p = period.distance(from: start, to: history.days[i])
                    guard p >= 0, p < periods else { continue }
                    revenue[p] += history.amounts[i]
                    if p != lastPeriod {
                        active[p] += 1
                        lastPeriod = p
                    }
                }
            }
            for p in 0..<periods {
                cells.append(
                    CohortCell(
                        cohortStart: start, period: p, size: members.count, active: active[p], revenue: revenue[p]))
            }
        }
        return cells
    }
}
