/// `sort … | take n` needs only the first n rows in order: the sort selects them (a bounded heap) instead of
/// ordering every row. Also `top n by …` followed by `take m`.
public struct TopN: PlanRewrite {
    public let name = "top-n"
    public init() {}

    public func apply(_ plan: LogicalPlan) -> LogicalPlan {
        var steps: [PlanStep] = []
        steps.reserveCapacity(plan.steps.count)
        for step in plan.steps {
            if case .limit(let n) = step.op, let previous = steps.last, case .sort(let keys, let limit) = previous.op {
                steps[steps.count - 1] = PlanStep(
                    .sort(keys, limit: Swift.min(n, limit ?? n)), schema: previous.schema,
                    spans: previous.spans + step.spans)
                continue
            }
            steps.append(step)
        }
        var result = plan
        result.steps = steps
        return result
    }
}
