import ChurnQLStore

/// One definition per metric, shared by `explain`, `.help` and docs/metrics.md.
public struct MetricDefinition: Sendable {
    public let name: String
    public let summary: String
    public let definition: String
    public let formula: String
}

public enum MetricCatalog {
    public static let all: [MetricDefinition] = [
        MetricDefinition(
            name: "churn_rate", summary: "share of active customers who stopped buying during a period",
            definition:
                "start = asof − period (default: churn_window). base = customers active as of start (latest purchase on or before start at most churn_window days before start). churned = base customers with no purchase in (start, asof].",
            formula: "churn_rate = churned / base"),
        MetricDefinition(
            name: "retention_rate", summary: "share of active customers who bought again during a period",
            definition: "the complement of churn_rate over the same base and period.",
            formula: "retention_rate = 1 − churn_rate"),
        MetricDefinition(
            name: "repeat_rate", summary: "share of customers who bought on more than one day",
            definition: "customers with frequency ≥ 1 among customers with at least one order.",
            formula: "repeat_rate = |{c : frequency(c) ≥ 1}| / |customers|"),
        MetricDefinition(
            name: "avg_purchase_cycle", summary: "mean days between purchases of repeat customers",
            definition: "the mean of purchase_cycle_days over customers with frequency ≥ 1.",
            formula: "avg_purchase_cycle = Σ purchase_cycle_days / |{c : frequency(c) ≥ 1}|"),
        MetricDefinition(
            name: "purchase_cycle_days", summary: "a customer's typical days between purchases",
            definition:
                "the active span divided by the number of repeat purchases; null for one-time buyers. next_purchase = last_order + purchase_cycle_days (rounded to a day); overdue_days = max(0, asof − next_purchase).",
            formula: "purchase_cycle_days = active_span_days / frequency"),
        MetricDefinition(
            name: "frequency", summary: "number of repeat purchase days (BG/NBD's x)",
            definition: "distinct purchase dates minus one; several orders on one day count once.",
            formula: "frequency = purchase_days − 1"),
        MetricDefinition(
            name: "days_since_last", summary: "RFM recency: days since the last purchase",
            definition:
                "days from the last order on or before asof to asof. Note: BG/NBD's \"recency\" is a different number, active_span_days.",
            formula: "days_since_last = asof − last_order"),
        MetricDefinition(
            name: "active_span_days", summary: "BG/NBD recency t_x: time from first to last purchase",
            definition:
                "days between first and last purchase; 0 for one-time buyers. Do not confuse with RFM recency (days_since_last).",
            formula: "active_span_days = last_order − first_order"),
        MetricDefinition(
            name: "tenure_days", summary: "BG/NBD age T: time since the first purchase",
            definition: "days from the first purchase to asof.",
            formula: "tenure_days = asof − first_order"),
        MetricDefinition(
            name: "status", summary: "active, lapsed or lost by days since the last purchase",
            definition:
                "active while days_since_last ≤ churn_window; lapsed while ≤ lost_window; lost beyond. is_new when tenure_days ≤ new_window.",
            formula: "status = active | lapsed | lost"),
        MetricDefinition(
            name: "revenue", summary: "historical customer value: the sum of order amounts",
            definition:
                "the sum of amount over the customer's orders on or before asof (refunds, as negative amounts, count). avg_order_value = revenue / orders.",
            formula: "revenue = Σ amount"),
        MetricDefinition(
            name: "lifecycle", summary: "where a customer stands: new, active, at_risk, lapsed or lost",
            definition:
                "lost and lapsed as in status; an active customer is new while tenure_days ≤ new_window, at_risk when overdue against their own purchase cycle (overdue_days > 0), else active.",
            formula: "lifecycle = new | active | at_risk | lapsed | lost"),
        MetricDefinition(
            name: "reactivated", summary: "the customer came back after a lapse",
            definition: "true when some gap between two consecutive purchase days is longer than churn_window.",
            formula: "reactivated = max gap between purchase days > churn_window"),
        MetricDefinition(
            name: "net_revenue_retention", summary: "revenue kept from the customers active a period ago",
            definition:
                "the base customers' revenue in (start, asof] over their revenue in (start − period, start]; gross_revenue_retention caps each customer at their earlier revenue.",
            formula: "NRR = Σ revenue after / Σ revenue before (over the base)"),
        MetricDefinition(
            name: "clv_formula", summary: "customer value without a model",
            definition:
                "margin × avg_order_value × purchases per year (365 / purchase_cycle_days, or orders per year of tenure) × the discounted sum of yearly retention over the horizon.",
            formula: "CLV = m · AOV · f · Σ_{t=1..H} r^(t−1) / (1 + d)^t"),
        MetricDefinition(
            name: "p_alive", summary: "the probability that a customer is still a customer (after fit bgnbd)",
            definition:
                "under BG/NBD, 1 for one-time buyers; otherwise falls as time since the last purchase grows relative to the customer's purchase rate. MBG/NBD and Pareto/NBD give one-time buyers less than 1.",
            formula: "P(alive) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))"),
        MetricDefinition(
            name: "rfm", summary: "recency, frequency and monetary quintile scores and segments",
            definition:
                "r, f, m are 1–5 quintile ranks over the customers in scope of −days_since_last, purchase_days and revenue (5 = best); ties share a score. The segment follows fixed rules on (r, f, m), see docs/metrics.md.",
            formula: "score = 1 + ⌊5 · rank / n⌋"),
    ]

    public static func find(_ name: String) -> MetricDefinition? {
        let aliases = [
            "churn": "churn_rate", "retention": "retention_rate", "recency": "days_since_last",
            "purchase_cycle": "purchase_cycle_days", "next_purchase": "purchase_cycle_days",
            "overdue_days": "purchase_cycle_days",
            "clv": "revenue", "avg_order_value": "revenue", "tenure": "tenure_days", "is_new": "status",
            "gross_revenue_retention": "net_revenue_retention", "orders": "frequency", "purchase_days": "frequency",
            "first_order": "tenure_days", "last_order": "days_since_last", "profit": "revenue",
            "median_purchase_cycle": "avg_purchase_cycle",
        ]
        let key = aliases[name] ?? name
        return all.first { $0.name == key }
    }

    /// A short computation of the metric on the loaded data, showing the arithmetic.
    public static func workedExample(_ name: String, profile: CustomerProfile) -> String {
        let s = profile.settings
        let asof = Dates.format(s.asof)
        let all = (0..<profile.history.customerCount).map { Int32($0) }
        switch name {
        case "churn_rate", "retention_rate":
            let start = s.asof - Int32(s.churnWindow)
            let counts = RetentionAggregates.churn(
                customers: all, history: profile.history, asof: s.asof, periodDays: s.churnWindow,
                churnWindow: s.churnWindow)
            let rate = counts.rate.map(NumberFormat.plain) ?? "undefined (empty base)"
            var text =
                "  asof = \(asof), period = churn_window = \(s.churnWindow)d, so start = \(Dates.format(start))\n"
            text +=
                "  base    = \(counts.base) customers active on \(Dates.format(start)) (last purchase in [\(Dates.format(start - Int32(s.churnWindow))), \(Dates.format(start))])\n"
            text += "  churned = \(counts.churned) of them bought nothing in (\(Dates.format(start)), \(asof)]\n"
            text += "  churn_rate = \(counts.churned) / \(counts.base) = \(rate)\n"
            if let r = counts.rate {
                text += "  retention_rate = 1 − \(NumberFormat.plain(r)) = \(NumberFormat.plain(1 - r))\n"
            }
            return text
        case "repeat_rate":
            let rate = RetentionAggregates.repeatRate(customers: all, profile: profile)
            let repeaters = profile.frequency.filter { $0 >= 1 }.count
            return
                "  \(repeaters) of \(profile.history.customerCount) customers bought on two or more days: repeat_rate = \(rate.map(NumberFormat.plain) ?? "undefined")\n"
        case "avg_purchase_cycle":
            let cycles = profile.purchaseCycle.known
            let mean = cycles.isEmpty ? "undefined" : NumberFormat.plain(cycles.reduce(0, +) / Double(cycles.count))
            return "  mean of \(cycles.count) repeat customers' purchase_cycle_days = \(mean) days\n"
        default:
            let frequency = profile.frequency
            guard
                let c = (0..<profile.history.customerCount).first(where: { frequency[$0] >= 2 })
                    ?? (0..<profile.history.customerCount).first
            else { return "  (no customers)\n" }
            let days = profile.history.orderDays(c)
            guard let first = days.first, let last = days.last else { return "  (no orders)\n" }
            let key = profile.history.keys.value(at: c).plainText
            let f = frequency[c]
            var text =
                "  customer \(key): orders on \(days.prefix(6).map(Dates.format).joined(separator: ", "))\(days.count > 6 ? ", …" : "")\n"
            text += "  first_order = \(Dates.format(first)), last_order = \(Dates.format(last)), asof = \(asof)\n"
            text += "  frequency = \(f + 1) purchase days − 1 = \(f)\n"
            text += "  days_since_last = \(asof) − \(Dates.format(last)) = \(s.asof - last)\n"
            text += "  active_span_days = \(Dates.format(last)) − \(Dates.format(first)) = \(last - first)\n"
            text += "  tenure_days = \(asof) − \(Dates.format(first)) = \(s.asof - first)\n"
            if let cycle = profile.purchaseCycle[c] {
                let next = last + Int32(cycle.rounded())
                text += "  purchase_cycle_days = \(last - first) / \(f) = \(NumberFormat.plain(cycle))\n"
                text +=
                    "  next_purchase = \(Dates.format(last)) + \(Int(cycle.rounded()))d = \(Dates.format(next)); overdue_days = \(max(0, s.asof - next))\n"
            }
            let since = Int(s.asof - last)
            let status = since <= s.churnWindow ? "active" : (since <= s.lostWindow ? "lapsed" : "lost")
            text += "  status = \(status) (churn_window \(s.churnWindow)d, lost_window \(s.lostWindow)d)\n"
            return text
        }
    }
}
