import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Binds queries to plans using schemas only: every source, column, function, parameter and type of a pipeline
/// is checked before any step runs, with the diagnostics (caret, hint, did-you-mean) the engine gives.
public struct Binder {
    public let catalog: SchemaCatalog
    let typing: any ExpressionTyping

    public init(catalog: SchemaCatalog, typing: any ExpressionTyping) {
        self.catalog = catalog
        self.typing = typing
    }

    /// Binds `query` in `scope` (the session's views by default), with every view it reads.
    public func bind(_ query: Query, source: SourceText, scope: ViewScope? = nil) throws(Diagnostic) -> BoundQuery {
        let scope = scope ?? ViewScope(catalog.views)
        let views = try bindViews(read: query, in: scope, source: source)
        var plans: [ObjectIdentifier: LogicalPlan] = [:]
        for view in views { plans[ObjectIdentifier(view.definition)] = view.plan }
        let plan = try bindPipeline(query, source: source, scope: scope, viewPlans: plans)
        return BoundQuery(plan: plan, views: views)
    }

    /// `let NAME = QUERY`: the query bound now, against the views as they are now.
    public func defineView(_ name: String, _ query: Query, source: SourceText) throws(Diagnostic) -> ViewDefinition {
        let scope = ViewScope(catalog.views)
        let references = Self.references(of: query, in: scope)
        let plan: LogicalPlan
        if references.values.allSatisfy({ $0.stamp == catalog.stamp }) {
            // The views it reads are bound under the current schemas: their plans give their schemas, and the
            // views behind them need not be visited (a chain of n definitions costs n, not n²/2).
            var plans: [ObjectIdentifier: LogicalPlan] = [:]
            for view in references.values { plans[ObjectIdentifier(view)] = view.plan }
            plan = try bindPipeline(query, source: source, scope: scope, viewPlans: plans)
        } else {
            plan = try bind(query, source: source, scope: scope).plan
        }
        return ViewDefinition(
            name: name, query: query, source: source, references: references, plan: plan, stamp: catalog.stamp)
    }

    static func references(of query: Query, in scope: ViewScope) -> [String: ViewDefinition] {
        var references: [String: ViewDefinition] = [:]
        for used in ViewDefinition.sourceNames(of: query) {
            if let view = scope.lookup(used) { references[used] = view }
        }
        return references
    }

    /// The views a query reads, directly or not, deepest first, each with its plan under the current schemas:
    /// the one bound at definition, or a new one when the schemas changed since. An explicit stack, so a chain
    /// of thousands of views costs no frame per level.
    private func bindViews(read query: Query, in scope: ViewScope, source: SourceText) throws(Diagnostic)
        -> [BoundView]
    {
        var order: [BoundView] = []
        var plans: [ObjectIdentifier: LogicalPlan] = [:]
        var stack: [(view: ViewDefinition, readsReady: Bool)] = Self.references(of: query, in: scope).values.map {
            ($0, false)
        }
        while let (view, readsReady) = stack.popLast() {
            let id = ObjectIdentifier(view)
            if plans[id] != nil { continue }
            if readsReady {
                let plan =
                    view.stamp == catalog.stamp
                    ? view.plan
                    : try bindPipeline(
                        view.query, source: view.source, scope: ViewScope(view.references), viewPlans: plans)
                plans[id] = plan
                order.append(BoundView(definition: view, plan: plan))
                continue
            }
            stack.append((view, true))
            for reference in view.references.values where plans[ObjectIdentifier(reference)] == nil {
                stack.append((reference, false))
            }
        }
        return order
    }

    private func sourceSchema(_ source: PlanSource, viewPlans: [ObjectIdentifier: LogicalPlan]) -> Schema {
        switch source {
        case .customers: return catalog.customers ?? Schema(tableName: "customers", columns: [])
        case .table(let name): return catalog.tables[name] ?? Schema(tableName: name, columns: [])
        case .view(let view): return (viewPlans[ObjectIdentifier(view)] ?? view.plan).schema
        }
    }

    /// The steps of one pipeline, each with its output schema.
    private func bindPipeline(
        _ query: Query, source: SourceText, scope: ViewScope, viewPlans: [ObjectIdentifier: LogicalPlan]
    ) throws(Diagnostic) -> LogicalPlan {
        let from = try catalog.resolve(query.source, scope: scope, span: query.sourceSpan, in: source)
        var schema = sourceSchema(from, viewPlans: viewPlans)
        var steps = [PlanStep(.scan(from, columns: nil), schema: schema, spans: [query.sourceSpan])]
        var pendingGroup: (keys: [NamedExpression], span: SourceSpan)?
        let steps_ = StepBinder(binder: self, source: source)
        for node in query.operations {
            if let group = pendingGroup {
                let items: [NamedExpression]
                switch node.operation {
                case .agg(let given): items = given
                case .count: items = [StepBinder.countItem(node.span)]
                default: throw StepRules.groupNeedsAgg(group.span, in: source)
                }
                let step = try steps_.aggregate(keys: group.keys, items: items, over: schema)
                schema = step.schema
                steps.append(PlanStep(step.op, schema: step.schema, spans: [group.span, node.span]))
                pendingGroup = nil
                continue
            }
            if case .group(let keys) = node.operation {
                pendingGroup = (keys, node.span)
                continue
            }
            if case .join(let other, _, _) = node.operation {
                let right = try catalog.resolve(other, scope: scope, span: node.span, in: source)
                let step = try steps_.join(
                    node, right: right, rightSchema: sourceSchema(right, viewPlans: viewPlans),
                    over: schema)
                schema = step.schema
                steps.append(step)
                continue
            }
            let step = try steps_.bind(node, over: schema)
            schema = step.schema
            steps.append(step)
        }
        if let group = pendingGroup { throw StepRules.groupNeedsAgg(group.span, in: source) }
        return LogicalPlan(steps: steps, source: source, sourceName: query.source)
    }

    func bindExpression(_ expression: Expression, over input: Schema, source: SourceText) throws(Diagnostic)
        -> BoundExpression
    {
        let type = try typing.type(of: expression, over: input, source: source)
        return Self.bound(expression, type: type, over: input)
    }

    func bindAggregate(_ expression: Expression, keys: Schema, over input: Schema, source: SourceText)
        throws(Diagnostic) -> BoundExpression
    {
        let type = try typing.aggregateType(of: expression, keys: keys, over: input, source: source)
        return Self.bound(expression, type: type, over: input)
    }

    /// The expression with its type, the input columns it reads as the input spells them, and its functions.
    static func bound(_ expression: Expression, type: DataType, over input: Schema) -> BoundExpression {
        let columns = ExpressionWalk.columnNames(expression).compactMap { input.column($0)?.name }
        return BoundExpression(
            syntax: expression, type: type, columns: columns, functions: ExpressionWalk.functionNames(expression))
    }
}
