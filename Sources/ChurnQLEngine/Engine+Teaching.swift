import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

extension Engine {
    /// `explain from …`: runs the pipeline once and shows the rows after each step.
    /// `explain from …`: each plan step (the pipeline steps it implements) with the rows after it, from one run.
    func explainQuery(_ query: Query, source: SourceText) throws(Diagnostic) -> Table {
        let bound = try plan(query, source: source)
        var rowsAfter = [Int](repeating: 0, count: bound.plan.steps.count)
        _ = try QueryExecutor(engine: self, source: source).run(bound) { step, rows in rowsAfter[step] = rows }
        var steps: [String] = []
        for (index, step) in bound.plan.steps.enumerated() {
            steps.append(
                index == 0
                    ? "from \(query.source)" : step.spans.map { "| " + source.text(of: $0) }.joined(separator: " "))
        }
        return Table(
            name: "explain",
            columns: [
                textColumn("step", steps),
                Column(name: "rows", storage: .integer(rowsAfter.map(Int64.init))),
            ])
    }

    /// `drill churn_rate`: the base customers as of start, and whether each churned.
    func drill(_ metric: String, span: SourceSpan, source: SourceText) throws(Diagnostic) -> Table {
        let profile = try profile()
        let s = profile.settings
        let history = profile.history
        switch metric {
        case "churn_rate", "retention_rate", "churn", "retention":
            let start = s.asof - Int32(s.churnWindow)
            var keys: [Int] = []
            var lastBefore: [Int32] = []
            var nextPurchase: [Int32?] = []
            var churned: [Bool] = []
            for c in 0..<history.customerCount {
                guard let last = history.lastOrder(c, onOrBefore: start), Int(start - last) <= s.churnWindow else {
                    continue
                }
                keys.append(c)
                lastBefore.append(last)
                let after = history.orderDays(c).first { $0 > start && $0 <= s.asof }
                nextPurchase.append(after)
                churned.append(after == nil)
            }
            return Table(
                name: "drill",
                columns: [
                    history.keys.gather(keys).renamed("customer_id"),
                    Column(name: "last_order_by_start", storage: .date(lastBefore)),
                    Column(
                        name: "first_order_after_start", storage: .date(nextPurchase.map { $0 ?? 0 }),
                        nulls: nextPurchase.map { $0 == nil }),
                    Column(name: "churned", storage: .boolean(churned)),
                ])
        case "repeat_rate", "frequency":
            let buyers = (0..<history.customerCount).filter { history.offsets[$0 + 1] > history.offsets[$0] }
            let frequency = profile.frequency
            return Table(
                name: "drill",
                columns: [
                    history.keys.gather(buyers).renamed("customer_id"),
                    Column(name: "frequency", storage: .integer(buyers.map { frequency[$0] })),
                    Column(name: "repeat", storage: .boolean(buyers.map { frequency[$0] >= 1 })),
                ])
        default:
            throw Diagnostic(
                code: "unknown-metric", message: "drill works for churn_rate, retention_rate and repeat_rate",
                span: span,
                in: source, hint: "drill churn_rate")
        }
    }

    /// `survival [by KEY]`: Kaplan–Meier retention by days since the first purchase, in 30-day steps.
    func survival(by key: String?, span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        let profile = try profile()
        let table = profile.table
        let stop = StopCheck()
        try stop()
        var groupOf: [String] = Array(repeating: "all", count: table.rowCount)
        if let key {
            guard let column = table.column(key) else {
                throw CompileContext(table: table, source: source, asof: currentAsof, parameters: parameters)
                    .unknownColumn(key, span)
            }
            try stop.chunks(table.rowCount) { chunk in
                for row in chunk { groupOf[row] = column.value(at: row).plainText }
            }
        }
        let s = profile.settings
        var groups: [String] = []
        var labels: [String] = []
        var days: [Int64] = []
        var atRisk: [Int64] = []
        var survival: [Double] = []
        var lower: [Double] = []
        var upper: [Double] = []
        var means: [Double] = []
        var entityRows: [String: [Int]] = [:]
        try stop.chunks(table.rowCount) { chunk in
            for row in chunk { entityRows[groupOf[row], default: []].append(row) }
        }
        for group in entityRows.keys.sorted() {
            var durations: [Int] = []
            var died: [Bool] = []
            for (k, row) in (entityRows[group] ?? []).enumerated() {
                if k & (Interrupt.stride - 1) == 0 { try stop() }
                let c = Int(table.entityIndex?[row] ?? Int32(row))
                let orderDays = profile.history.orderDays(c)
                guard let first = orderDays.first, let last = orderDays.last else { continue }
                let active = Int(s.asof - last) <= s.churnWindow
                durations.append(active ? Int(s.asof - first) : Int(last - first))
                died.append(!active)
            }
            let curve = Survival.kaplanMeier(durations: durations, died: died)
            try stop()
            let horizon = durations.max() ?? 0
            means.append(Survival.restrictedMean(curve, horizon: horizon))
            var step = 0
            while step <= horizon {
                let point = curve.last { $0.day <= step }
                groups.append(group)
                labels.append(group)
                days.append(Int64(step))
                atRisk.append(Int64(durations.filter { $0 >= step }.count))
                survival.append(point?.survival ?? 1)
                lower.append(point?.lower ?? 1)
                upper.append(point?.upper ?? 1)
                step += 30
            }
        }
        var columns: [Column] = []
        if key != nil { columns.append(textColumn(key ?? "group", groups)) }
        columns += [
            Column(name: "day", storage: .integer(days)),
            Column(name: "at_risk", storage: .integer(atRisk)),
            Column(name: "survival", storage: .decimal(survival)),
            Column(name: "lower95", storage: .decimal(lower)),
            Column(name: "upper95", storage: .decimal(upper)),
        ]
        _ = labels
        let groupNames = entityRows.keys.sorted()
        let notes = zip(groupNames, means).map { group, mean in
            (key == nil ? "" : "\(group): ")
                + "restricted mean tenure \(NumberFormat.plain((mean * 10).rounded() / 10)) days"
                + " (area under the curve up to the longest observed tenure)"
        }
        let marks: [Character] = ["●", "○", "◇", "▲", "■", "×"]
        var series: [(name: String, values: [Double], mark: Character)] = []
        for (i, group) in groupNames.prefix(marks.count).enumerated() {
            series.append((group, zip(groups, survival).filter { $0.0 == group }.map(\.1), marks[i]))
        }
        return .report(
            [("Kaplan–Meier retention by days since the first purchase", Table(name: "survival", columns: columns))],
            notes: notes,
            chart: ChartSpec(title: "share of customers still active", series: series, xLabel: "days, in 30-day steps"))
    }

    func textColumn(_ name: String, _ values: [String]) -> Column {
        var builder = ColumnBuilder(type: .text, capacity: values.count)
        for v in values { builder.append(.text(v)) }
        return builder.build(name: name)
    }
}
