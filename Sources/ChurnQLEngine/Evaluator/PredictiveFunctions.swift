import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// expected_purchases(h), predicted_clv(months, discount) and expected_spend(): predictions of the fitted models
/// for each customer row, from the customer's history as of asof.
enum PredictiveFunctions {
    /// A customer's (x, t_x, T, mean repeat spend) as of asof, in the model's time unit.
    static func history(_ customer: Int, _ profile: CustomerProfile, unitDays: Double) -> (
        Double, Double, Double, Double
    )? {
        let h = profile.history
        let lower = h.offsets[customer]
        let upper = h.offsets[customer + 1]
        guard upper > lower else { return nil }
        let first = h.days[lower]
        let last = h.days[upper - 1]
        var totals: [Double] = []
        var day = first
        var total = 0.0
        for i in lower..<upper {
            if h.days[i] != day {
                totals.append(total)
                day = h.days[i]
                total = 0
            }
            total += h.amounts[i]
        }
        totals.append(total)
        let repeatSpend = totals.dropFirst()
        let mean = repeatSpend.isEmpty ? 0 : repeatSpend.reduce(0, +) / Double(repeatSpend.count)
        let asof = profile.settings.asof
        return (Double(totals.count - 1), Double(last - first) / unitDays, Double(asof - first) / unitDays, mean)
    }

    static func compile(_ name: String, _ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> Vector
    {
        guard let state = context.predictive, let source = context.profile else {
            if context.modelIsStale { throw context.error("no-model", Engine.staleModel, span, hint: Engine.refit) }
            throw context.error(
                "no-model", "\(name)() needs a fitted model", span,
                hint: "fit bgnbd (and fit gammagamma for spend and CLV) first")
        }
        guard let lineage = context.table.entityIndex else {
            throw context.error(
                "needs-customers", "\(name)() works on customer rows", span,
                hint: "from customers | derive e = \(name)(…)")
        }
        let profile = try source()
        let checked = ModelArguments(function: name, context: context)
        let usage = FunctionCatalog.find(name)?.example ?? name
        func needSpend() throws(Diagnostic) -> GammaGamma {
            guard let spend = state.spend else {
                throw context.error(
                    "no-model", "\(name)() needs the Gamma-Gamma spend model", span, hint: "fit gammagamma")
            }
            return spend
        }
        let unitDays = state.unitDays
        var cache: [Int: (Double, Double, Double, Double)] = [:]
        func inputs(_ row: Int) -> (Double, Double, Double, Double)? {
            let c = Int(lineage[row])
            guard c >= 0 else { return nil }
            if let known = cache[c] { return known }
            let value = history(c, profile, unitDays: unitDays)
            cache[c] = value
            return value
        }
        switch name {
        case "expected_purchases":
            var horizon = 90.0 / unitDays
            if let argument = arguments.first {
                horizon = try checked.horizonDays(argument, unitDays: unitDays, usage: usage) / unitDays
            }
            let model = state.transactions
            let values = (0..<context.table.rowCount).map { row -> Double? in
                guard let (x, tx, T, _) = inputs(row) else { return nil }
                return model.conditionalExpectedPurchases(t: horizon, x: x, tx: tx, T: T)
            }
            return .decimal { values[$0] }
        case "expected_spend":
            let spend = try needSpend()
            let values = (0..<context.table.rowCount).map { row -> Double? in
                guard let (x, _, _, m) = inputs(row) else { return nil }
                return spend.conditionalExpectedSpend(x: x, m: m)
            }
            return .decimal { values[$0] }
        default:
            let spend = try needSpend()
            if let (message, hint) = state.windowMismatch(name) {
                throw context.error("model-windows", message, span, hint: hint)
            }
            var months = 12
            var discount = 0.01
            if arguments.count >= 1 {
                months = try checked.wholeNumber(arguments[0], "months", in: 0...1200, usage: usage)
            }
            if arguments.count >= 2 {
                discount = try checked.number(
                    arguments[1], "the monthly discount rate", in: 0...1, excludingUpper: true, usage: usage)
            }
            let model = state.transactions
            let values = (0..<context.table.rowCount).map { row -> Double? in
                guard let (x, tx, T, m) = inputs(row) else { return nil }
                // Zero months ahead is worth nothing (the model's sum starts at the first month).
                guard months > 0 else { return 0 }
                return LifetimeValue.discounted(
                    model: model, spend: spend.conditionalExpectedSpend(x: x, m: m), x: x, tx: tx, T: T, months: months,
                    monthlyDiscount: discount, weeksPerUnit: unitDays / 7)
            }
            return .decimal { values[$0] }
        }
    }

    /// The p_alive column for the customers table.
    static func aliveColumn(_ profile: CustomerProfile, _ state: PredictiveState) -> Column {
        let values = (0..<profile.history.customerCount).map { c -> Double? in
            guard let (x, tx, T, _) = history(c, profile, unitDays: state.unitDays) else { return nil }
            return state.transactions.probabilityAlive(x: x, tx: tx, T: T)
        }
        return Column(name: "p_alive", storage: .decimal(values.map { $0 ?? 0 }), nulls: values.map { $0 == nil })
    }
}
