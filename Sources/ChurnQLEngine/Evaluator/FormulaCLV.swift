import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax
import Foundation

/// `clv_formula(margin: 0.3, discount: 0.1, horizon: 3, retention: …)`: customer value without a model.
///   CLV = margin × avg_order_value × purchases_per_year × Σ_{t=1..horizon} retention^(t−1) / (1 + discount)^t
/// purchases_per_year = 365 / purchase_cycle_days for repeat customers, else orders per year of tenure (at least
/// a 30-day tenure); retention defaults to the yearly retention of all customers, 1 − churn_rate(period: 365d).
enum FormulaCLV {
    static func compile(_ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext) throws(Diagnostic)
        -> Vector
    {
        guard let source = context.profile, let lineage = context.table.entityIndex else {
            throw context.error(
                "needs-customers", "clv_formula() works on customer rows", span,
                hint: "from customers | derive clv = clv_formula(margin: 0.3)")
        }
        let profile = try source()
        var margin = 1.0
        var discount = 0.1
        var horizon = 3
        var retention: Double?
        let checked = ModelArguments(function: "clv_formula", context: context)
        let usage = FunctionCatalog.find("clv_formula")?.example ?? "clv_formula(margin: 0.3)"
        for argument in arguments {
            switch argument.name {
            case "margin"?: margin = try checked.number(argument, "margin", in: 0...1, usage: usage)
            case "discount"?:
                discount = try checked.number(
                    argument, "the yearly discount rate", in: 0...1, excludingUpper: true, usage: usage)
            case "horizon"?: horizon = try checked.wholeNumber(argument, "horizon (years)", in: 0...100, usage: usage)
            case "retention"?: retention = try checked.number(argument, "retention", in: 0...1, usage: usage)
            default:
                // FunctionCatalog has refused positional and unknown arguments.
                continue
            }
        }
        let s = profile.settings
        let yearly =
            retention
            ?? (1
                - (RetentionAggregates.churn(
                    customers: (0..<profile.history.customerCount).map { Int32($0) }, history: profile.history,
                    asof: s.asof,
                    periodDays: 365, churnWindow: s.churnWindow
                ).rate ?? 0))
        var factor = 0.0
        for t in stride(from: 1, through: horizon, by: 1) {
            factor += pow(yearly, Double(t - 1)) / pow(1 + discount, Double(t))
        }
        let cycles = profile.purchaseCycle
        let values = (0..<context.table.rowCount).map { row -> Double? in
            let c = Int(lineage[row])
            guard c >= 0 else { return nil }
            let lower = profile.history.offsets[c]
            let upper = profile.history.offsets[c + 1]
            guard upper > lower else { return nil }
            let orders = Double(upper - lower)
            let revenue = profile.history.amounts[lower..<upper].reduce(0, +)
            let perYear: Double
            if let cycle = cycles[c], cycle > 0 {
                perYear = 365 / cycle
            } else {
                perYear = orders / Swift.max(30, Double(s.asof - profile.history.days[lower])) * 365
            }
            return margin * (revenue / orders) * perYear * factor
        }
        return .decimal { values[$0] }
    }
}
