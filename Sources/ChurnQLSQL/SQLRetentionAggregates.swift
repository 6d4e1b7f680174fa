import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// A per-customer value besides the churn flags that a retention aggregate sums over customer rows: a hidden
/// column the customers table computes and every step over customer rows carries along (as the churn flags).
enum RetentionMeasure: Hashable, Comparable, Sendable {
    /// Active at asof: an order at most churn_window days before it (churn_rate method "average").
    case activeAtEnd
    /// Days at risk in the period (churn_rate method "exposure").
    case exposure(Int)
    /// A base customer's revenue in the period before start and in (start, asof] (revenue retention), 0 otherwise.
    case revenueBefore(Int)
    case revenueAfter(Int)
    /// Has orders; has a repeat purchase day; purchase_cycle_days (null without one).
    case buyer, repeater, cycle

    /// SQLite's median_purchase_cycle(): a cycle's rank in its group and the group's number of cycles.
    static let cycleRank = "__cycle_rank"
    static let cycleCount = "__cycle_count"

    var column: String {
        switch self {
        case .activeAtEnd: return "__active_end"
        case .exposure(let p): return "__exposure_\(p)"
        case .revenueBefore(let p): return "__revenue_before_\(p)"
        case .revenueAfter(let p): return "__revenue_after_\(p)"
        case .buyer: return "__buyer"
        case .repeater: return "__repeater"
        case .cycle: return "__cycle"
        }
    }
}

/// A retention aggregate call with constant arguments, as the in-memory engine reads them
/// (RetentionAggregateCompiler): the period in days (the churn window by default) and the churn method.
struct RetentionCall {
    var name: String
    var periodDays: Int
    var method: String

    /// nil for an argument that is not a constant the engine accepts.
    init?(_ name: String, _ arguments: [Argument], parameters: [String: Value], default defaultPeriod: Int) {
        guard SQLFunctionSupport.retention.contains(name) else { return nil }
        self.name = name
        periodDays = defaultPeriod
        method = "start"
        let hasPeriod = name.hasSuffix("_rate") && name != "repeat_rate" || name.hasSuffix("revenue_retention")
        for argument in arguments {
            let value: Value?
            switch argument.value {
            case .literal(.duration(let d, let m), _): value = .duration(Duration(days: d, months: m))
            case .literal(.integer(let n), _): value = .integer(n)
            case .literal(.string(let s), _): value = .text(s)
            case .parameter(let name, _): value = parameters[name]
            default: value = nil
            }
            switch (argument.name, value) {
            case ("method", .text(let m)?)
            where ["start", "average", "exposure"].contains(m) && ["churn_rate", "retention_rate"].contains(name):
                method = m
            case (nil, .duration(let d)?), ("period", .duration(let d)?):
                guard hasPeriod, d.approximateDays > 0 && d.approximateDays < 100_000 else { return nil }
                periodDays = d.approximateDays
            case (nil, .integer(let n)?), ("period", .integer(let n)?):
                guard hasPeriod, n > 0 && n < 100_000 else { return nil }
                periodDays = Int(n)
            default: return nil
            }
        }
    }

    /// The churn flags (base and churned of a period) the call reads.
    var flags: [ChurnFlags] {
        switch name {
        case "churn_rate", "retention_rate", "net_revenue_retention", "gross_revenue_retention":
            return [ChurnFlags(periodDays: periodDays)]
        default: return []
        }
    }

    /// The other per-customer columns it reads.
    var measures: [RetentionMeasure] {
        switch name {
        case "churn_rate", "retention_rate":
            switch method {
            case "average": return [.activeAtEnd]
            case "exposure": return [.exposure(periodDays)]
            default: return []
            }
        case "net_revenue_retention", "gross_revenue_retention":
            return [.revenueBefore(periodDays), .revenueAfter(periodDays)]
        case "repeat_rate": return [.buyer, .repeater]
        default: return [.cycle]
        }
    }
}

/// The retention aggregates over customer rows: sums of the hidden per-customer columns, with the same
/// operations on the same values as RetentionAggregates (null where the engine's denominator is 0).
extension SQLExpressionWriter {
    func retentionAggregate(_ name: String, _ arguments: [Argument], _ span: SourceSpan) throws(Diagnostic)
        -> SQLFragment
    {
        guard let churn,
            let call = RetentionCall(name, arguments, parameters: parameters, default: churn.defaultPeriod)
        else {
            throw notInSQL("\(name)() with arguments that are not constants", span)
        }
        let columns = call.flags.flatMap { [$0.baseColumn, $0.churnedColumn] } + call.measures.map(\.column)
        guard columns.allSatisfy({ scope.lookup($0) != nil }) else {
            throw notInSQL("\(name)() over rows that are not the customers table's", span)
        }
        churn.flags.formUnion(call.flags)
        let double = dialect.doubleType
        func sum(_ column: String) -> String { "SUM(\(dialect.quote(column)))" }
        func ratio(_ numerator: String, _ denominator: String) -> String {
            "CAST(\(numerator) AS \(double)) / NULLIF(\(denominator), 0)"
        }
        let flags = ChurnFlags(periodDays: call.periodDays)
        switch name {
        case "churn_rate", "retention_rate":
            let churned = sum(flags.churnedColumn)
            let rate: String
            switch call.method {
            case "average":
                // (base + active at asof) / 2, as a double: exact, as in memory.
                let both =
                    "CAST(\(sum(flags.baseColumn)) + \(sum(RetentionMeasure.activeAtEnd.column)) AS \(double)) / 2"
                rate = ratio(churned, both)
            case "exposure":
                let periods =
                    "CAST(\(sum(RetentionMeasure.exposure(call.periodDays).column)) AS \(double)) / \(call.periodDays)"
                rate = ratio(churned, periods)
            default: rate = ratio(churned, sum(flags.baseColumn))
            }
            return SQLFragment(name == "churn_rate" ? "(\(rate))" : "(1 - \(rate))", .decimal)
        case "net_revenue_retention", "gross_revenue_retention":
            let before = dialect.quote(RetentionMeasure.revenueBefore(call.periodDays).column)
            let after = dialect.quote(RetentionMeasure.revenueAfter(call.periodDays).column)
            // Gross caps each customer at their earlier revenue.
            let kept =
                name.hasPrefix("gross") ? "CASE WHEN \(after) < \(before) THEN \(after) ELSE \(before) END" : after
            return SQLFragment("(SUM(\(kept)) / NULLIF(SUM(\(before)), 0))", .decimal)
        case "repeat_rate":
            return SQLFragment(
                "(\(ratio(sum(RetentionMeasure.repeater.column), sum(RetentionMeasure.buyer.column))))", .decimal)
        case "avg_purchase_cycle":
            return SQLFragment("AVG(\(dialect.quote(RetentionMeasure.cycle.column)))", .decimal)
        default:
            // median_purchase_cycle: the interpolated median, as median().
            let cycle = dialect.quote(RetentionMeasure.cycle.column)
            switch dialect {
            case .postgres: return SQLFragment("PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY \(cycle))", .decimal)
            case .duckdb: return SQLFragment("quantile_cont(\(cycle), 0.5)", .decimal)
            case .spark: return SQLFragment("percentile(\(cycle), 0.5)", .decimal)
            case .sqlite:
                // Each cycle's rank in its group (SQLPlanWriter.rankingCycles): the values at ranks ⌊h⌋ and
                // ⌊h⌋ + 1, h = (n − 1) · 0.5, interpolated as Aggregates.quantile does.
                let (rank, count) = (
                    dialect.quote(RetentionMeasure.cycleRank), dialect.quote(RetentionMeasure.cycleCount)
                )
                guard scope.lookup(RetentionMeasure.cycleRank) != nil else {
                    throw notInSQL("\(name)() (SQLite has no percentile aggregate)", span)
                }
                let lower = "((\(count) - 1) / 2 + 1)"
                let upper = "(CASE WHEN \(lower) + 1 > \(count) THEN \(count) ELSE \(lower) + 1 END)"
                let low = "MAX(CASE WHEN \(rank) = \(lower) THEN \(cycle) END)"
                let high = "MAX(CASE WHEN \(rank) = \(upper) THEN \(cycle) END)"
                let n = "MAX(\(count))"
                let fraction = "(CAST(\(n) - 1 AS REAL) * 0.5 - CAST((\(n) - 1) / 2 AS REAL))"
                return SQLFragment("(\(low) + \(fraction) * (\(high) - \(low)))", .decimal)
            }
        }
    }
}

/// The measures' SQL in the customers CTEs.
extension SQLCustomers {
    /// Columns of `customer_orders` (over `purchase_days`) the measures need: a base customer's revenue in
    /// the two periods.
    func measureAggregates(_ measures: [RetentionMeasure], asof: String) -> [String] {
        func q(_ name: String) -> String { dialect.quote(name) }
        var out: [String] = []
        for measure in measures {
            switch measure {
            case .revenueBefore(let p):
                let start = dialect.addDays(asof, "\(-p)")
                let previous = dialect.addDays(asof, "\(-2 * p)")
                out.append(
                    "SUM(CASE WHEN \(q("day")) > \(previous) AND \(q("day")) <= \(start) THEN \(q("revenue")) END) AS \(q("revenue_before_\(p)"))"
                )
            case .revenueAfter(let p):
                let start = dialect.addDays(asof, "\(-p)")
                out.append(
                    // Orders after asof are in the rows (they make a customer a row) but not in any sum.
                    "SUM(CASE WHEN \(q("day")) > \(start) AND \(q("day")) <= \(asof) THEN \(q("revenue")) END) AS \(q("revenue_after_\(p)"))"
                )
            default: continue
            }
        }
        return out
    }

    /// Whether a customer is in the base of a period: their latest order on or before start is at most
    /// churn_window days before it (over `o`, the customer's order summary).
    func baseCondition(_ flag: ChurnFlags, asof: String) -> String {
        let start = dialect.addDays(asof, "\(-flag.periodDays)")
        let lastByStart = "\(dialect.quote("o")).\(dialect.quote("last_by_start_\(flag.periodDays)"))"
        return "\(lastByStart) IS NOT NULL AND \(dialect.daysBetween(start, lastByStart)) <= \(context.churnWindow)"
    }

    /// Each measure's column of the customers CTE, over `o`.
    func measureColumn(_ measure: RetentionMeasure, asof: String, definitions: [String: String]) -> String {
        func o(_ name: String) -> String { "\(dialect.quote("o")).\(dialect.quote(name))" }
        let window = context.churnWindow
        let value: String
        switch measure {
        case .activeAtEnd:
            value =
                "CASE WHEN \(o("last_order")) IS NOT NULL AND \(dialect.daysBetween(asof, o("last_order"))) <= \(window) THEN 1 ELSE 0 END"
        case .exposure(let p):
            // A churned base customer is at risk until churn_window days after their last order by start, at most
            // to asof; the other base customers for the whole period.
            let start = dialect.addDays(asof, "\(-p)")
            let risk = "(\(window) - \(dialect.daysBetween(start, o("last_by_start_\(p)"))))"
            let base = baseCondition(ChurnFlags(periodDays: p), asof: asof)
            value =
                "CASE WHEN \(base) THEN (CASE WHEN \(o("last_order")) > \(start) THEN \(p) WHEN \(risk) > \(p) THEN \(p) WHEN \(risk) < 0 THEN 0 ELSE \(risk) END) ELSE 0 END"
        case .revenueBefore(let p), .revenueAfter(let p):
            let source = measure == .revenueBefore(p) ? "revenue_before_\(p)" : "revenue_after_\(p)"
            let base = baseCondition(ChurnFlags(periodDays: p), asof: asof)
            value = "CASE WHEN \(base) THEN COALESCE(\(o(source)), 0) ELSE 0 END"
        case .buyer: value = "CASE WHEN \(o("last_order")) IS NOT NULL THEN 1 ELSE 0 END"
        case .repeater: value = "CASE WHEN \(o("purchase_days")) >= 2 THEN 1 ELSE 0 END"
        case .cycle: value = definitions["purchase_cycle_days"] ?? "NULL"
        }
        return "\(value) AS \(dialect.quote(measure.column))"
    }
}

/// SQLite has no percentile aggregate: before an `agg` with median_purchase_cycle(), each row gets its cycle's rank
/// in its group (nulls apart) and the group's number of cycles, which the aggregate reads.
extension SQLPlanWriter {
    mutating func rankingCycles(items: [BoundItem], keyCount: Int, name: String, source: SQLRelation) -> SQLRelation {
        var medians = false
        for item in items {
            SQLExpressionScan.forEachCall(item.expression.syntax) { call, _ in
                if call == "median_purchase_cycle" { medians = true }
            }
        }
        let cycle = q(RetentionMeasure.cycle.column)
        guard dialect == .sqlite, medians, source.hidden.contains(RetentionMeasure.cycle.column) else { return source }
        let keys = (0..<keyCount).map { q("__key_\($0 + 1)") }
        let group = keys.isEmpty ? "" : "PARTITION BY \(keys.joined(separator: ", "))"
        let nulls = (keys + ["CASE WHEN \(cycle) IS NULL THEN 1 ELSE 0 END"]).joined(separator: ", ")
        let body =
            "SELECT \(source.name).*, ROW_NUMBER() OVER (PARTITION BY \(nulls) ORDER BY \(cycle)) AS \(q(RetentionMeasure.cycleRank)), COUNT(\(cycle)) OVER (\(group)) AS \(q(RetentionMeasure.cycleCount)) FROM \(source.name)"
        return define(
            name + "_ranks", SQLFragment(body, .null), columns: source.columns,
            hidden: source.hidden + [RetentionMeasure.cycleRank, RetentionMeasure.cycleCount])
    }
}
