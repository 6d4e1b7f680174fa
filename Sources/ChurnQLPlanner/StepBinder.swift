import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Binds one pipeline step over its input's schema, giving the plan step and its output schema.
struct StepBinder {
    let binder: Binder
    let source: SourceText

    /// `count` is `agg n = count()`.
    static func countItem(_ span: SourceSpan) -> NamedExpression {
        NamedExpression(name: "n", expression: .call("count", [], span))
    }

    func bind(_ node: OperationNode, over input: Schema) throws(Diagnostic) -> PlanStep {
        let spans = [node.span]
        switch node.operation {
        case .where(let predicate):
            let bound = try binder.bindExpression(predicate, over: input, source: source)
            guard bound.type == .boolean || bound.type == .null else {
                throw StepRules.whereNeedsCondition(bound.type, predicate.span, in: source)
            }
            return PlanStep(.filter(bound), schema: input, spans: spans)
        case .select(let items):
            var bound: [BoundItem] = []
            for item in items {
                let expression = try binder.bindExpression(item.expression, over: input, source: source)
                bound.append(BoundItem(name: ItemNaming.name(of: item, in: source), expression: expression))
            }
            let names = ItemNaming.unique(bound.map(\.name))
            for i in bound.indices { bound[i].name = names[i] }
            let columns = bound.map { ColumnSchema($0.name, $0.expression.type.storedType) }
            return PlanStep(.project(bound), schema: reshaped(input, columns), spans: spans)
        case .derive(let items):
            var schema = input
            var bound: [BoundItem] = []
            for item in items {
                // Each item sees the columns derived before it.
                let expression = try binder.bindExpression(item.expression, over: schema, source: source)
                let column = ColumnSchema(ItemNaming.name(of: item, in: source), expression.type.storedType)
                bound.append(BoundItem(name: column.name, expression: expression))
                let lower = column.name.lowercased()
                if let i = schema.columns.firstIndex(where: { $0.name.lowercased() == lower }) {
                    schema.columns[i] = column
                } else {
                    schema.columns.append(column)
                }
            }
            return PlanStep(.extend(bound), schema: schema, spans: spans)
        case .agg(let items):
            let step = try aggregate(keys: [], items: items, over: input)
            return PlanStep(step.op, schema: step.schema, spans: spans)
        case .count:
            let step = try aggregate(keys: [], items: [Self.countItem(node.span)], over: input)
            return PlanStep(step.op, schema: step.schema, spans: spans)
        case .sort(let keys):
            var bound: [BoundSortKey] = []
            for key in keys {
                let expression = try binder.bindExpression(key.expression, over: input, source: source)
                bound.append(BoundSortKey(expression: expression, descending: key.descending))
            }
            return PlanStep(.sort(bound, limit: nil), schema: input, spans: spans)
        case .top(let n, let by):
            let expression = try binder.bindExpression(by, over: input, source: source)
            return PlanStep(
                .sort([BoundSortKey(expression: expression, descending: true)], limit: n), schema: input, spans: spans)
        case .take(let n):
            return PlanStep(.limit(n), schema: input, spans: spans)
        case .takeParameter(let name):
            let value = binder.catalog.parameters[name]
            guard case .integer(let n) = value, n >= 0 else {
                throw StepRules.takeNeedsCount(name, value, node.span, in: source)
            }
            return PlanStep(.limit(Int(clamping: n)), schema: input, spans: spans)
        case .distinct(let names):
            guard !names.isEmpty else { return PlanStep(.distinct([]), schema: input, spans: spans) }
            var columns: [ColumnSchema] = []
            for name in names {
                guard let column = input.column(name) else {
                    throw input.unknownColumn(name, node.span, in: source)
                }
                columns.append(column)
            }
            return PlanStep(
                .distinct(columns.map(\.name)),
                schema: Schema(tableName: input.tableName, columns: columns, describesCustomers: false), spans: spans)
        case .rfm:
            for name in StepRules.rfmInputs where input.column(name) == nil {
                throw StepRules.rfmNeeds(name, node.span, in: source)
            }
            return PlanStep(.rfm, schema: reshaped(input, StepRules.rfmColumns(input.columns)), spans: spans)
        case .histogram(let expression, let bins):
            let bound = try binder.bindExpression(expression, over: input, source: source)
            guard bound.type.isNumeric || bound.type == .null else {
                throw StepRules.histogramNeedsNumbers(bound.type, expression.span, in: source)
            }
            return PlanStep(
                .histogram(bound, bins: bins),
                schema: Schema(tableName: "histogram", columns: StepRules.histogramColumns), spans: spans)
        case .group, .join:
            // Bound by the pipeline (group with its agg, join with its source).
            throw Diagnostic(code: "internal", message: "step bound out of place", span: node.span, in: source)
        }
    }

    /// Keys and aggregate items over the input; one row per group.
    func aggregate(keys: [NamedExpression], items: [NamedExpression], over input: Schema) throws(Diagnostic)
        -> PlanStep
    {
        var boundKeys: [BoundItem] = []
        for key in keys {
            let expression = try binder.bindExpression(key.expression, over: input, source: source)
            boundKeys.append(BoundItem(name: ItemNaming.name(of: key, in: source), expression: expression))
        }
        let keySchema = Schema(
            tableName: input.tableName, columns: boundKeys.map { ColumnSchema($0.name, $0.expression.type.storedType) })
        var boundItems: [BoundItem] = []
        for item in items {
            let expression = try binder.bindAggregate(item.expression, keys: keySchema, over: input, source: source)
            boundItems.append(BoundItem(name: ItemNaming.name(of: item, in: source), expression: expression))
        }
        let names = ItemNaming.unique(boundKeys.map(\.name) + boundItems.map(\.name))
        for i in boundKeys.indices { boundKeys[i].name = names[i] }
        for i in boundItems.indices { boundItems[i].name = names[boundKeys.count + i] }
        let columns = (boundKeys + boundItems).map { ColumnSchema($0.name, $0.expression.type.storedType) }
        return PlanStep(
            .aggregate(keys: boundKeys, items: boundItems),
            schema: Schema(tableName: input.tableName, columns: columns), spans: [])
    }

    func join(_ node: OperationNode, right: PlanSource, rightSchema: Schema, over left: Schema) throws(Diagnostic)
        -> PlanStep
    {
        guard case .join(_, let on, let kind) = node.operation else {
            throw Diagnostic(code: "internal", message: "not a join", span: node.span, in: source)
        }
        var keys: [String] = []
        for name in on {
            guard left.column(name) != nil else { throw left.unknownColumn(name, node.span, in: source) }
            guard rightSchema.column(name) != nil else {
                throw StepRules.joinMissingRight(name, right: rightSchema, node.span, in: source)
            }
            keys.append(name)
        }
        let width = left.columns.count + rightSchema.columns.count - keys.count
        if width > StepRules.joinColumnLimit { throw StepRules.joinTooWide(width, node.span, in: source) }
        let columns = StepRules.joinColumns(left: left, right: rightSchema, on: keys)
        return PlanStep(
            .join(right, on: keys, kind: kind),
            schema: Schema(tableName: left.tableName, columns: columns, describesCustomers: left.describesCustomers),
            spans: [node.span])
    }

    private func reshaped(_ input: Schema, _ columns: [ColumnSchema]) -> Schema {
        Schema(tableName: input.tableName, columns: columns, describesCustomers: input.describesCustomers)
    }
}
