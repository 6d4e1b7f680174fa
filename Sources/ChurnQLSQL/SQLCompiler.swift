import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Compiles a bound, rewritten plan to one SQL query of a dialect: one CTE per plan step, named after the step
/// (`step_2_where`), the derived customers table as CTEs over the orders table, identifiers always quoted and
/// literals kept apart as bind parameters (printed inline by `compile`). What cannot be written exactly is a
/// located `not-in-sql` diagnostic, never other SQL.
public enum SQLCompiler {
    public static func compile(bound: BoundQuery, dialect: SQLDialect, context: SQLContext) throws(Diagnostic)
        -> SQLText
    {
        var state = SQLPlanWriter(dialect: dialect, context: context, source: bound.plan.source)
        let final = try state.write(bound.plan)
        let text = state.render(final: final)
        let (parameterized, values) = text.parameterized(dialect)
        return SQLText(
            dialect: dialect, text: text.inline(dialect), parameterizedText: parameterized, parameters: values)
    }
}

/// A relation the next step reads: a CTE or table, its visible columns, and the hidden columns carried along
/// (churn flags over customer rows; `__order`, the row order after a sort).
struct SQLRelation {
    var name: String
    var columns: [ColumnSchema]
    var hidden: [String]

    static let order = "__order"
    var isOrdered: Bool { hidden.contains(Self.order) }
}

struct SQLPlanWriter {
    let dialect: SQLDialect
    let context: SQLContext
    let source: SourceText
    private(set) var ctes: [(name: String, body: SQLFragment)] = []
    private var customersWritten = false

    init(dialect: SQLDialect, context: SQLContext, source: SourceText) {
        self.dialect = dialect
        self.context = context
        self.source = source
    }

    func q(_ name: String) -> String { dialect.quote(name) }

    func notInSQL(_ what: String, _ spans: [SourceSpan]) -> Diagnostic {
        NotInSQL.error(what, dialect, spans.first ?? .none, source)
    }

    /// The steps as CTEs; the relation the final SELECT reads.
    mutating func write(_ plan: LogicalPlan) throws(Diagnostic) -> (SQLRelation, [ColumnSchema]) {
        let flags = churnFlags(plan)
        var relation: SQLRelation?
        for (index, step) in plan.steps.enumerated() {
            let name = "step_\(index + 1)_\(Self.stepName(step.op))"
            if case .scan(let from, let columns) = step.op {
                relation = try scan(from, columns: columns, schema: step.schema, flags: flags, spans: step.spans)
                continue
            }
            guard let input = relation else { throw notInSQL("a plan without a source", step.spans) }
            relation = try self.step(step, name: name, input: input)
        }
        guard let last = relation else { throw notInSQL("an empty plan", []) }
        for column in plan.schema.columns where !last.columns.contains(where: { $0.name == column.name }) {
            throw notInSQL("the column '\(column.name)'", plan.steps.last?.spans ?? [])
        }
        return (last, plan.schema.columns)
    }

    static func stepName(_ op: PlanOperator) -> String {
        switch op {
        case .scan: return "from"
        case .filter: return "where"
        case .project: return "select"
        case .extend: return "derive"
        case .aggregate(let keys, _): return keys.isEmpty ? "agg" : "group"
        case .sort(_, let limit): return limit == nil ? "sort" : "top"
        case .limit: return "take"
        case .distinct: return "distinct"
        case .join: return "join"
        case .rfm: return "rfm"
        case .histogram: return "histogram"
        }
    }

    /// The churn flags the plan's `agg` steps read (their periods), so the customers table computes them.
    private func churnFlags(_ plan: LogicalPlan) -> [ChurnFlags] {
        var periods: Set<Int> = []
        for step in plan.steps {
            guard case .aggregate(_, let items) = step.op else { continue }
            for item in items {
                SQLExpressionScan.forEachCall(item.expression.syntax) { name, arguments in
                    guard SQLFunctionSupport.retention.contains(name),
                        let days = SQLExpressionWriter.churnPeriod(
                            arguments, parameters: context.parameters, default: context.churnWindow)
                    else { return }
                    periods.insert(days)
                }
            }
        }
        return periods.sorted().map(ChurnFlags.init(periodDays:))
    }

    private mutating func scan(
        _ from: PlanSource, columns needed: Set<String>?, schema: Schema, flags: [ChurnFlags], spans: [SourceSpan]
    ) throws(Diagnostic) -> SQLRelation {
        switch from {
        case .table(let name):
            return SQLRelation(name: q(name), columns: schema.columns, hidden: [])
        case .view(let view):
            throw notInSQL("the view '\(view.name)'", spans)
        case .customers:
            if let reason = context.customersUnsupported { throw notInSQL(reason, spans) }
            let keyNames = Set(["customer_id", (context.customerColumn ?? "customer_id").lowercased()])
            let columns = schema.columns.filter {
                keyNames.contains($0.name.lowercased()) || needed?.contains($0.name.lowercased()) ?? true
            }
            let customers = SQLCustomers(dialect: dialect, context: context)
            let written = customers.ctes(columns: columns, keyNames: keyNames, flags: flags)
            if let missing = written.missing { throw notInSQL(missing, spans) }
            if !customersWritten {
                for (name, body) in written.ctes { ctes.append((name, SQLFragment(body, .null))) }
                customersWritten = true
            }
            return SQLRelation(
                name: q("customers"), columns: columns,
                hidden: flags.flatMap { [$0.baseColumn, $0.churnedColumn] } + [SQLRelation.order])
        }
    }

    func scope(_ relation: SQLRelation) -> SQLScope {
        SQLScope.columns(relation.columns.map { ($0.name, $0.type) }, dialect)
    }

    func writer(_ scope: SQLScope, aggregateInput: SQLScope? = nil) -> SQLExpressionWriter {
        SQLExpressionWriter(
            dialect: dialect, source: source, parameters: context.parameters, scope: scope,
            aggregateInput: aggregateInput, churn: ChurnFlagsRequest(defaultPeriod: context.churnWindow))
    }

    /// Adds a CTE and returns the relation reading it.
    mutating func define(_ name: String, _ body: SQLFragment, columns: [ColumnSchema], hidden: [String])
        -> SQLRelation
    {
        ctes.append((name, body))
        return SQLRelation(name: q(name), columns: columns, hidden: hidden)
    }

    /// The column list of a relation: its visible columns as they are, then the hidden ones.
    func passThrough(_ relation: SQLRelation, hidden: [String]? = nil) -> [String] {
        relation.columns.map { q($0.name) } + (hidden ?? relation.hidden).map(q)
    }

    /// The WITH clause and the final SELECT.
    func render(final: (SQLRelation, [ColumnSchema])) -> SQLFragment {
        let (relation, columns) = final
        var parts: [SQLPart] = []
        if !ctes.isEmpty {
            parts.append(.sql("WITH\n"))
            for (i, cte) in ctes.enumerated() {
                parts.append(.sql("  \(q(cte.name)) AS (\n    "))
                parts.append(.fragment(cte.body))
                parts.append(.sql(i == ctes.count - 1 ? "\n  )\n" : "\n  ),\n"))
            }
        }
        let list = columns.isEmpty ? "*" : columns.map { q($0.name) }.joined(separator: ", ")
        var tail = "SELECT \(list) FROM \(relation.name)"
        if relation.isOrdered { tail += " ORDER BY \(q(SQLRelation.order))" }
        parts.append(.sql(tail + "\n"))
        return .join(.null, parts)
    }
}

/// Finds calls in an expression tree without recursion.
enum SQLExpressionScan {
    static func forEachCall(_ root: Expression, _ visit: (String, [Argument]) -> Void) {
        var stack = [root]
        while let node = stack.popLast() {
            switch node {
            case .literal, .column, .parameter: break
            case .unary(_, let operand, _): stack.append(operand)
            case .binary(_, let left, let right, _): stack += [right, left]
            case .call(let name, let arguments, _):
                visit(name, arguments)
                stack += arguments.map(\.value)
            case .inList(let subject, let items, _, _): stack += items + [subject]
            case .between(let subject, let low, let high, _, _): stack += [high, low, subject]
            case .isNull(let subject, _, _): stack.append(subject)
            case .chain(let first, let links, _): stack += links.map(\.operand) + [first]
            }
        }
    }
}
