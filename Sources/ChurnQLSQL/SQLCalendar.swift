import ChurnQLSyntax

/// Calendar periods in SQL, as churnql counts them: weeks start on Monday; a period's start is its first day.
extension SQLDialect {
    /// The first day of the period holding `d`.
    func periodStart(_ d: String, _ period: Period) -> String {
        switch (self, period) {
        case (.sqlite, .monthly): return "date(\(d), 'start of month')"
        // To the Sunday ending the week (the day itself on a Sunday), then back to its Monday.
        case (.sqlite, .weekly): return "date(\(d), 'weekday 0', '-6 days')"
        case (.sqlite, .quarterly):
            return "date(\(d), 'start of month', printf('-%d months', (CAST(strftime('%m', \(d)) AS INTEGER) - 1) % 3))"
        default:
            let unit = period == .weekly ? "week" : period == .monthly ? "month" : "quarter"
            return "CAST(date_trunc('\(unit)', \(d)) AS DATE)"
        }
    }

    /// The first day of the period after the one starting on `start`.
    func nextPeriod(_ start: String, _ period: Period) -> String {
        switch period {
        case .weekly: return addDays(start, "7")
        case .monthly, .quarterly:
            let months = period == .monthly ? 1 : 3
            // A period starts on a month's first day, so no month end needs clamping.
            return addMonths(start, months) ?? "date(\(start), '+\(months) months')"
        }
    }

    /// Whole periods from the period of `a` to the period of `b` (both period starts or any days).
    func periodDistance(from a: String, to b: String, _ period: Period) -> String {
        switch period {
        case .weekly:
            return "CAST(\(daysBetween(periodStart(b, .weekly), periodStart(a, .weekly))) / 7 AS \(integerType))"
        case .monthly: return "(\(monthIndex(b)) - \(monthIndex(a)))"
        case .quarterly: return "(\(quarterIndex(b)) - \(quarterIndex(a)))"
        }
    }

    private func monthIndex(_ d: String) -> String {
        switch self {
        // date_part, not EXTRACT: EXTRACT gives numeric since PostgreSQL 14, about twice as slow per row.
        case .postgres: return "CAST(date_part('year', \(d)) * 12 + date_part('month', \(d)) AS INTEGER)"
        case .duckdb, .spark: return "(year(\(d)) * 12 + month(\(d)))"
        case .sqlite: return "(CAST(strftime('%Y', \(d)) AS INTEGER) * 12 + CAST(strftime('%m', \(d)) AS INTEGER))"
        }
    }

    private func quarterIndex(_ d: String) -> String {
        "CAST(FLOOR((\(monthIndex(d)) - 1) / 3.0) AS \(integerType))"
    }
}
