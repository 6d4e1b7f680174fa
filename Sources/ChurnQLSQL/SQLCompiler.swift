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
        var state = SQLPlanWriter(dialect: dialect, context: context, bound: bound)
        let final = try state.write(bound.plan, prefix: "")
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
    /// The text of the plan being written (a view's own, inside a view), for error locations.
    private(set) var source: SourceText
    private(set) var ctes: [(name: String, body: SQLFragment)] = []
    /// The views' plans, and the relations already written for them (a view read twice is written once).
    private let viewPlans: [ObjectIdentifier: LogicalPlan]
    private var viewRelations: [ObjectIdentifier: SQLRelation] = [:]
    private var prefixes: Set<String> = [""]
    /// What every reader of the customers table needs of it (nil: every column), and the churn flags, so that
    /// one set of customers CTEs serves the query and its views.
    private let customerColumns: Set<String>?
    private let flags: [ChurnFlags]
    private let measures: [RetentionMeasure]
    private var customersWritten = false

    init(dialect: SQLDialect, context: SQLContext, bound: BoundQuery) {
        self.dialect = dialect
        self.context = context
        self.source = bound.plan.source
        var plans: [ObjectIdentifier: LogicalPlan] = [:]
        for view in bound.views { plans[ObjectIdentifier(view.definition)] = view.plan }
        viewPlans = plans
        let all = bound.views.map(\.plan) + [bound.plan]
        customerColumns = Self.customerColumns(all)
        (flags, measures) = Self.retentionColumns(all, context)
    }

    func q(_ name: String) -> String { dialect.quote(name) }

    func notInSQL(_ what: String, _ spans: [SourceSpan]) -> Diagnostic {
        NotInSQL.error(what, dialect, spans.first ?? .none, source)
    }

    /// The steps as CTEs named with `prefix`; the relation the final SELECT reads.
    mutating func write(_ plan: LogicalPlan, prefix: String) throws(Diagnostic) -> (SQLRelation, [ColumnSchema]) {
        let outer = source
        source = plan.source
        defer { source = outer }
        var relation: SQLRelation?
        for (index, step) in plan.steps.enumerated() {
            let name = "\(prefix)step_\(index + 1)_\(Self.stepName(step.op))"
            if case .scan(let from, let columns) = step.op {
                relation = try scan(from, columns: columns, schema: step.schema, spans: step.spans)
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

    /// The churn flags and measures the plans' `agg` steps read, so the customers table computes them.
    private static func retentionColumns(_ plans: [LogicalPlan], _ context: SQLContext) -> (
        [ChurnFlags], [RetentionMeasure]
    ) {
        var flags: Set<ChurnFlags> = []
        var measures: Set<RetentionMeasure> = []
        for step in plans.flatMap(\.steps) {
            guard case .aggregate(_, let items) = step.op else { continue }
            for item in items {
                SQLExpressionScan.forEachCall(item.expression.syntax) { name, arguments in
                    guard
                        let call = RetentionCall(
                            name, arguments, parameters: context.parameters, default: context.churnWindow)
                    else { return }
                    flags.formUnion(call.flags)
                    measures.formUnion(call.measures)
                }
            }
        }
        return (flags.sorted { $0.periodDays < $1.periodDays }, measures.sorted())
    }

    /// The customers columns (lowercased) the plans read: the union of their scans' pushed-down columns; nil
    /// (all) when one reads every column or joins the customers table.
    private static func customerColumns(_ plans: [LogicalPlan]) -> Set<String>? {
        var needed: Set<String> = []
        for step in plans.flatMap(\.steps) {
            switch step.op {
            case .scan(.customers, let columns):
                guard let columns else { return nil }
                needed.formUnion(columns)
            case .join(.customers, _, _): return nil
            default: continue
            }
        }
        return needed
    }

    private func isKey(_ name: String) -> Bool {
        ["customer_id", (context.customerColumn ?? "customer_id").lowercased()].contains(name.lowercased())
    }

    /// The customers CTEs, written once with every column any reader needs.
    private mutating func writeCustomers(schema: Schema, spans: [SourceSpan]) throws(Diagnostic) {
        if let limit = context.customersLimit { throw notInSQL(limit.reason, spans) }
        guard !customersWritten else { return }
        let columns = schema.columns.filter {
            isKey($0.name) || customerColumns?.contains($0.name.lowercased()) ?? true
        }
        let keyNames = Set(schema.columns.map(\.name).filter(isKey).map { $0.lowercased() })
        let written = SQLCustomers(dialect: dialect, context: context).ctes(
            columns: columns, keyNames: keyNames, flags: flags, measures: measures)
        if let missing = written.missing { throw notInSQL(missing, spans) }
        for (name, body) in written.ctes { ctes.append((name, SQLFragment(body, .null))) }
        customersWritten = true
    }

    var customersHidden: [String] {
        flags.flatMap { [$0.baseColumn, $0.churnedColumn] } + measures.map(\.column) + [SQLRelation.order]
    }

    /// The customers table's relation for a reader of `columns` (the CTE may hold more, for other readers).
    mutating func customers(schema: Schema, columns needed: Set<String>?, spans: [SourceSpan]) throws(Diagnostic)
        -> SQLRelation
    {
        try writeCustomers(schema: schema, spans: spans)
        let columns = schema.columns.filter { isKey($0.name) || needed?.contains($0.name.lowercased()) ?? true }
        return SQLRelation(name: q("customers"), columns: columns, hidden: customersHidden)
    }

    mutating func scan(_ from: PlanSource, columns needed: Set<String>?, schema: Schema, spans: [SourceSpan])
        throws(Diagnostic) -> SQLRelation
    {
        switch from {
        case .table(let name):
            return SQLRelation(name: context.reference(name, dialect), columns: schema.columns, hidden: [])
        case .view(let view):
            let id = ObjectIdentifier(view)
            if let written = viewRelations[id] { return written }
            guard let plan = viewPlans[id] else { throw notInSQL("the view '\(view.name)'", spans) }
            var prefix = "\(view.name)_"
            var n = 2
            while prefixes.contains(prefix) {
                prefix = "\(view.name)_\(n)_"
                n += 1
            }
            prefixes.insert(prefix)
            let (relation, _) = try write(plan, prefix: prefix)
            viewRelations[id] = relation
            return relation
        case .customers:
            return try customers(schema: schema, columns: needed, spans: spans)
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
