import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `explain plan`: a plan as text, one line per step with what it does, then the columns it produces. Steps are
/// printed as the rewrite passes left them (folded constants, membership tests, top-N, the scan's columns).
public enum PlanPrinter {
    public static func render(_ bound: BoundQuery) -> String {
        var lines: [String] = []
        for view in bound.views {
            lines.append("view \(view.definition.name):")
            lines += steps(view.plan).map { "  " + $0 }
        }
        if !bound.views.isEmpty { lines.append("query:") }
        lines += steps(bound.plan).map { (bound.views.isEmpty ? "" : "  ") + $0 }
        return lines.joined(separator: "\n")
    }

    static func steps(_ plan: LogicalPlan) -> [String] {
        var lines: [String] = []
        var previous: Schema?
        for (index, step) in plan.steps.enumerated() {
            lines.append("\(index + 1). \(describe(step.op))")
            // The columns, when the step changes them.
            if step.schema != previous {
                let columns = step.schema.columns.map { "\($0.name) \($0.type.rawValue)" }
                lines.append("   → " + Schema.preview(columns))
            }
            previous = step.schema
        }
        return lines
    }

    public static func describe(_ op: PlanOperator) -> String {
        switch op {
        case .scan(let source, let columns):
            // The columns read matter for the derived customers table, which computes only those.
            guard case .customers = source, let columns else { return "scan \(name(of: source))" }
            let reads = columns.isEmpty ? "no derived columns" : "reads " + columns.sorted().joined(separator: ", ")
            return "scan \(name(of: source)) (\(reads))"
        case .filter(let condition): return "filter " + ExpressionText.of(condition.syntax)
        case .project(let items): return "project " + list(items)
        case .extend(let items): return "extend " + list(items)
        case .aggregate(let keys, let items):
            return keys.isEmpty ? "aggregate " + list(items) : "aggregate by \(list(keys)): \(list(items))"
        case .sort(let keys, let limit):
            let order = keys.map { ($0.descending ? "-" : "") + ExpressionText.of($0.expression.syntax) }
            return (limit.map { "top \($0) by " } ?? "sort ") + order.joined(separator: ", ")
        case .limit(let n): return "limit \(n)"
        case .distinct(let names): return names.isEmpty ? "distinct" : "distinct " + names.joined(separator: ", ")
        case .join(let source, let on, let kind):
            return "\(kind.rawValue) join \(name(of: source)) on \(on.joined(separator: ", "))"
        case .rfm: return "rfm"
        case .histogram(let value, let bins): return "histogram \(ExpressionText.of(value.syntax)) bins \(bins)"
        }
    }

    static func name(of source: PlanSource) -> String {
        switch source {
        case .customers: return "customers (derived)"
        case .table(let name): return "table \(name)"
        case .view(let view): return "view \(view.name)"
        }
    }

    private static func list(_ items: [BoundItem]) -> String {
        items.map { item in
            let text = ExpressionText.of(item.expression.syntax)
            return text == item.name ? text : "\(item.name) = \(text)"
        }.joined(separator: ", ")
    }
}
