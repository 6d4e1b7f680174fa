import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// A cohort matrix for display: one row per cohort, one value per period (shares or counts).
public struct CohortMatrix: Sendable {
    public var labels: [String]
    public var sizes: [Int]
    public var values: [[Double?]]
    public var asShares: Bool
    public var byRevenue: Bool
}

extension Engine {
    /// The most calendar periods a `churn` or `cohort` statement covers. Each period walks every customer (and a
    /// cohort matrix has periods² / 2 cells), so an asof centuries past the data (`--asof 9999-12-31`) would run
    /// for hours instead of answering.
    static let periodLimit = 2_000

    static func checkPeriodCount(_ profile: CustomerProfile, _ period: CalendarPeriod, statement: String)
        throws(Diagnostic)
    {
        guard let first = profile.history.days.min() else { return }
        let count = period.distance(from: first, to: profile.settings.asof) + 1
        guard count > periodLimit else { return }
        throw tooManyPeriods("\(statement) \(period.rawValue) would cover \(count) periods", from: first, profile)
    }

    /// The error for a statement that would walk more than `periodLimit` periods from `start` to asof: it names
    /// the dates that stretch the range (the earliest and latest orders, and asof) and the ways to narrow it.
    static func tooManyPeriods(_ what: String, from start: Int32, _ profile: CustomerProfile) -> Diagnostic {
        let asof = profile.settings.asof
        let days = profile.history.days
        var orders = ""
        if let earliest = days.min(), let latest = days.max() {
            orders = "; the orders up to asof run from \(Dates.format(earliest)) to \(Dates.format(latest))"
        }
        return Diagnostic(
            code: "too-many-periods",
            message:
                "\(what) from \(Dates.format(start)) to asof \(Dates.format(asof)), more than \(periodLimit)\(orders)",
            hint:
                "set asof nearer the data (set asof = …), use a longer period, or leave out the stray orders: "
                + "export from orders | where order_date between … and … to \"orders.csv\", then load \"orders.csv\" as orders"
        )
    }

    /// `churn monthly|weekly|quarterly`: one row per calendar period up to asof.
    func churnSeries(_ period: Period, span: SourceSpan = .none, source: SourceText? = nil) throws(Diagnostic)
        -> Table
    {
        let rows: [ChurnPeriodRow]
        if ordersAttachment != nil {
            rows = try serverChurnRows(period, span: span, source: source)
        } else {
            let profile = try profile()
            let calendar = CalendarPeriod(rawValue: period.rawValue) ?? .monthly
            try Self.checkPeriodCount(profile, calendar, statement: "churn")
            rows = ChurnSeries.compute(history: profile.history, settings: profile.settings, period: calendar)
            try checkCancelled()
        }
        let rates = rows.map(\.churnRate)
        return Table(
            name: "churn",
            columns: [
                Column(name: "period_start", storage: .date(rows.map(\.periodStart))),
                Column(name: "base", storage: .integer(rows.map { Int64($0.base) })),
                Column(name: "churned", storage: .integer(rows.map { Int64($0.churned) })),
                Column(name: "new", storage: .integer(rows.map { Int64($0.new) })),
                Column(name: "reactivated", storage: .integer(rows.map { Int64($0.reactivated) })),
                Column(name: "churn_rate", storage: .decimal(rates.map { $0 ?? 0 }), nulls: rates.map { $0 == nil }),
                Column(
                    name: "retention_rate", storage: .decimal(rates.map { $0.map { 1 - $0 } ?? 0 }),
                    nulls: rates.map { $0 == nil }),
            ])
    }

    /// `cohort monthly|weekly [by revenue] [as counts|shares]`: the long table and the matrix to draw.
    func cohorts(
        _ period: Period, byRevenue: Bool, shares: Bool, span: SourceSpan = .none, source: SourceText? = nil
    ) throws(Diagnostic) -> (Table, CohortMatrix) {
        let calendar = CalendarPeriod(rawValue: period.rawValue) ?? .monthly
        let cells: [CohortCell]
        if ordersAttachment != nil {
            cells = try serverCohortCells(period, span: span, source: source)
        } else {
            let profile = try profile()
            try Self.checkPeriodCount(profile, calendar, statement: "cohort")
            cells = Cohorts.compute(history: profile.history, asof: profile.settings.asof, period: calendar)
            try checkCancelled()
        }
        func label(_ day: Int32) -> String {
            calendar == .monthly ? String(Dates.format(day).prefix(7)) : Dates.format(day)
        }
        var firstRevenue: [Int32: Double] = [:]
        for cell in cells where cell.period == 0 { firstRevenue[cell.cohortStart] = cell.revenue }
        var builder = ColumnBuilder(type: .text, capacity: cells.count)
        for cell in cells { builder.append(.text(label(cell.cohortStart))) }
        let share: [Double?] = cells.map { cell in
            if byRevenue {
                guard let base = firstRevenue[cell.cohortStart], base != 0 else { return nil }
                return cell.revenue / base
            }
            return cell.size == 0 ? nil : Double(cell.active) / Double(cell.size)
        }
        var columns = [
            builder.build(name: "cohort"),
            Column(name: "period", storage: .integer(cells.map { Int64($0.period) })),
            Column(name: "size", storage: .integer(cells.map { Int64($0.size) })),
        ]
        if byRevenue {
            columns.append(Column(name: "revenue", storage: .decimal(cells.map(\.revenue))))
        } else {
            columns.append(Column(name: "active", storage: .integer(cells.map { Int64($0.active) })))
        }
        columns.append(Column(name: "share", storage: .decimal(share.map { $0 ?? 0 }), nulls: share.map { $0 == nil }))
        let long = Table(name: "cohort", columns: columns, rowCount: cells.count)
        var matrix = CohortMatrix(labels: [], sizes: [], values: [], asShares: shares, byRevenue: byRevenue)
        for (i, cell) in cells.enumerated() {
            if cell.period == 0 {
                matrix.labels.append(label(cell.cohortStart))
                matrix.sizes.append(cell.size)
                matrix.values.append([])
            }
            let value: Double? = shares ? share[i] : (byRevenue ? cell.revenue : Double(cell.active))
            matrix.values[matrix.values.count - 1].append(value)
        }
        return (long, matrix)
    }
}
