/// Which columns a plan reads from its source (the scan's `columns`), so that the derived customers table
/// computes only those: `from customers | group status | agg …` computes two derived columns, not seventeen.
/// The walk stops at the first step that narrows the columns (`select`, `agg`, `count`, `histogram`, `distinct`
/// over named columns); a plan whose rows reach the output with all their columns, or that meets `rfm` or a
/// join before narrowing, reads every column (nil).
public struct ProjectionPushdown: PlanRewrite {
    public let name = "projection pushdown"
    public init() {}

    public func apply(_ plan: LogicalPlan) -> LogicalPlan {
        guard let scan = plan.steps.first, case .scan(let source, _) = scan.op else { return plan }
        var result = plan
        result.steps[0].op = .scan(source, columns: Self.needed(plan))
        return result
    }

    /// The lowercased source columns the plan reads up to its first narrowing step; nil for all of them.
    static func needed(_ plan: LogicalPlan) -> Set<String>? {
        var needed: Set<String> = []
        var defined: Set<String> = []
        func use(_ expression: BoundExpression) {
            needed.formUnion(Set(expression.columns.map { $0.lowercased() }).subtracting(defined))
        }
        // A derive item may read the items before it, which are not the source's.
        func define(_ items: [BoundItem]) {
            for item in items {
                use(item.expression)
                defined.insert(item.name.lowercased())
            }
        }
        for step in plan.steps.dropFirst() {
            switch step.op {
            case .scan: return nil
            case .filter(let condition): use(condition)
            case .extend(let items): define(items)
            case .sort(let keys, _): for key in keys { use(key.expression) }
            case .limit: break
            case .distinct(let names):
                if names.isEmpty { return nil }
                return needed.union(Set(names.map { $0.lowercased() }).subtracting(defined))
            case .project(let items):
                for item in items { use(item.expression) }
                return needed
            case .aggregate(let keys, let items):
                // Keys and aggregates both read the input rows.
                for item in keys + items { use(item.expression) }
                return needed
            case .histogram(let value, _):
                use(value)
                return needed
            case .join, .rfm: return nil
            }
        }
        return nil
    }
}
