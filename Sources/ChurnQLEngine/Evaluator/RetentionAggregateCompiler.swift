import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// churn_rate(), retention_rate(), repeat_rate(), avg_purchase_cycle(): they read each row's customer history.
enum RetentionAggregateCompiler {
    static func compile(
        _ name: String, _ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext,
        _ aggregation: CompileContext.Aggregation
    ) throws(Diagnostic) -> Vector {
        guard let lineage = aggregation.rows.entityIndex, let source = aggregation.profile,
            let settings = aggregation.settings
        else {
            throw context.error(
                "needs-customers", "\(name)() works on customer rows", span,
                hint: "start from customers: from customers | group region | agg c = \(name)()")
        }
        let profile = try source()
        let groups = aggregation.groups
        func customers(_ g: Int) -> [Int32] { groups.rows(of: g).map { lineage[$0] } }
        switch name {
        case "churn_rate", "retention_rate", "net_revenue_retention", "gross_revenue_retention":
            var periodDays = settings.churnWindow
            var method = "start"
            for argument in arguments {
                let value = try ExpressionCompiler.constant(argument.value, context)
                switch (argument.name, value) {
                case (nil, _), ("period", _):
                    switch value {
                    case .duration(let d) where d.approximateDays > 0 && d.approximateDays < 100_000:
                        periodDays = d.approximateDays
                    case .integer(let n) where n > 0 && n < 100_000: periodDays = Int(n)
                    default:
                        throw context.error(
                            "wrong-arguments", "the period must be a positive duration such as 30d", argument.value.span
                        )
                    }
                case ("method", .text(let m))
                where ["start", "average", "exposure"].contains(m) && name.hasSuffix("_rate"):
                    method = m
                default:
                    throw context.error(
                        "wrong-arguments", "\(name)() has no argument '\(argument.name ?? "")' with that value",
                        argument.value.span,
                        hint: "\(name)(period: 30d" + (name.hasSuffix("_rate") ? ", method: \"average\")" : ")"))
                }
            }
            if name.hasSuffix("revenue_retention") {
                let gross = name.hasPrefix("gross")
                let values = (0..<groups.count).map { g in
                    RetentionAggregates.revenueRetention(
                        customers: customers(g), history: profile.history, asof: settings.asof, periodDays: periodDays,
                        churnWindow: settings.churnWindow, gross: gross)
                }
                return .decimal { values[$0] }
            }
            let rates: [Double?]
            if method == "start" {
                let states = profile.churnStates(
                    asof: settings.asof, periodDays: periodDays, churnWindow: settings.churnWindow)
                let counts = groups.fold(RetentionAggregates.ChurnCounts(base: 0, churned: 0)) { counts, row in
                    let customer = Int(lineage[row])
                    if customer >= 0 { counts.add(states[customer]) }
                }
                rates = counts.map(\.rate)
            } else {
                rates = (0..<groups.count).map { g in
                    RetentionAggregates.churnRate(
                        customers: customers(g), history: profile.history, asof: settings.asof, periodDays: periodDays,
                        churnWindow: settings.churnWindow, method: method)
                }
            }
            if name == "churn_rate" { return .decimal { rates[$0] } }
            return .decimal { rates[$0].map { 1 - $0 } }
        case "repeat_rate":
            let rates = (0..<groups.count).map {
                RetentionAggregates.repeatRate(customers: customers($0), profile: profile)
            }
            return .decimal { rates[$0] }
        case "median_purchase_cycle":
            let cycles = profile.purchaseCycle
            let medians = (0..<groups.count).map { g in
                Aggregates.quantile(customers(g).compactMap { $0 >= 0 ? cycles[Int($0)] : nil }.sorted(), 0.5)
            }
            return .decimal { medians[$0] }
        case "avg_purchase_cycle":
            let cycles = (0..<groups.count).map {
                RetentionAggregates.averagePurchaseCycle(customers: customers($0), profile: profile)
            }
            return .decimal { cycles[$0] }
        default:
            throw context.error(
                "unknown-function", "\(name)() is not available in the in-memory engine", span,
                hint: "see .help functions")
        }
    }
}
