import ChurnQLStore

/// Calendar periods for series and cohorts.
public enum CalendarPeriod: String, Sendable {
    case weekly, monthly, quarterly

    /// The first day of the period containing `day` (weeks start on Monday).
    public func start(of day: Int32) -> Int32 {
        let c = Dates.civil(day)
        switch self {
        case .weekly: return day - Int32(Dates.weekday(day) - 1)
        case .monthly: return Dates.dayNumber(year: c.year, month: c.month, day: 1)
        case .quarterly: return Dates.dayNumber(year: c.year, month: (c.month - 1) / 3 * 3 + 1, day: 1)
        }
    }

    /// The first day of the next period.
    public func next(_ start: Int32) -> Int32 {
        switch self {
        case .weekly: return start + 7
        case .monthly: return Dates.addMonths(start, 1)
        case .quarterly: return Dates.addMonths(start, 3)
        }
    }

    /// Whole periods from the period of `a` to the period of `b`.
    public func distance(from a: Int32, to b: Int32) -> Int {
        switch self {
        case .weekly: return Int(start(of: b) - start(of: a)) / 7
        case .monthly:
            let x = Dates.civil(a)
            let y = Dates.civil(b)
            return (y.year - x.year) * 12 + (y.month - x.month)
        case .quarterly:
            let x = Dates.civil(a)
            let y = Dates.civil(b)
            return (y.year * 4 + (y.month - 1) / 3) - (x.year * 4 + (x.month - 1) / 3)
        }
    }
}

/// One row of `churn monthly|weekly|quarterly`.
public struct ChurnPeriodRow: Sendable, Equatable {
    public var periodStart: Int32
    public var base: Int
    public var churned: Int
    public var new: Int
    public var reactivated: Int
    public var churnRate: Double? { base == 0 ? nil : Double(churned) / Double(base) }

    public init(periodStart: Int32, base: Int, churned: Int, new: Int, reactivated: Int) {
        self.periodStart = periodStart
        self.base = base
        self.churned = churned
        self.new = new
        self.reactivated = reactivated
    }
}

/// Churn over calendar periods. For a period [f, l] (l capped at asof), s = f − 1 and e = l:
/// base = customers active as of s (s − last ≤ W); churned = base customers with no purchase in (e − W, e]
/// (no longer active as of e; with a period of exactly W this is churn_rate()); new = first purchase in (s, e];
/// reactivated = customers lapsed or lost as of s (s − last > W) who buy in (s, e].
public enum ChurnSeries {
    public static func compute(history: OrderHistory, settings: RetentionSettings, period: CalendarPeriod)
        -> [ChurnPeriodRow]
    {
        guard let firstDay = history.days.min() else { return [] }
        let window = Int32(settings.churnWindow)
        var rows: [ChurnPeriodRow] = []
        var f = period.start(of: firstDay)
        while f <= settings.asof {
            let s = f - 1
            let e = Swift.min(period.next(f) - 1, settings.asof)
            var row = ChurnPeriodRow(periodStart: f, base: 0, churned: 0, new: 0, reactivated: 0)
            for c in 0..<history.customerCount {
                // Stopped by Ctrl-C: the caller drops the partial series.
                if c & (Interrupt.stride - 1) == 0, Interrupt.requested { return rows }
                let days = history.orderDays(c)
                guard let first = days.first, first <= e else { continue }
                let lastBeforeStart = history.lastOrder(c, onOrBefore: s)
                let boughtInPeriod = history.ordered(c, after: s, through: e)
                if first > s {
                    row.new += 1
                    continue
                }
                guard let last = lastBeforeStart else { continue }
                if s - last <= window {
                    row.base += 1
                    if !history.ordered(c, after: e - window, through: e) { row.churned += 1 }
                } else if boughtInPeriod {
                    row.reactivated += 1
                }
            }
            rows.append(row)
            f = period.next(f)
        }
        return rows
    }
}
