import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// An expression checked against its input's schema: the tree the engine compiles (after the rewrite passes),
/// with its result type, the input columns it reads (as the input names them) and the catalogue functions it
/// calls.
public struct BoundExpression: Sendable {
    public var syntax: Expression
    public var type: DataType
    public var columns: [String]
    public var functions: [String]

    public init(syntax: Expression, type: DataType, columns: [String], functions: [String]) {
        self.syntax = syntax
        self.type = type
        self.columns = columns
        self.functions = functions
    }
}

/// An output column: its final name (after the step's naming rules) and the expression computing it.
public struct BoundItem: Sendable {
    public var name: String
    public var expression: BoundExpression

    public init(name: String, expression: BoundExpression) {
        self.name = name
        self.expression = expression
    }
}

public struct BoundSortKey: Sendable {
    public var expression: BoundExpression
    public var descending: Bool

    public init(expression: BoundExpression, descending: Bool) {
        self.expression = expression
        self.descending = descending
    }
}

/// One relational operator of a plan. Each reads the output of the step before it (a scan reads a source).
public enum PlanOperator: Sendable {
    /// A table, view or the derived customers table; `columns`: the lowercased names the plan reads from it
    /// (nil: all), filled in by projection pushdown.
    case scan(PlanSource, columns: Set<String>?)
    case filter(BoundExpression)
    /// `select`: exactly these columns.
    case project([BoundItem])
    /// `derive`: these columns added, or replacing the input's of the same name.
    case extend([BoundItem])
    /// `group KEYS | agg ITEMS`, `agg ITEMS` (no keys) and `count` (`n = count()`).
    case aggregate(keys: [BoundItem], items: [BoundItem])
    /// A stable sort; with `limit`, only the first rows (top-N).
    case sort([BoundSortKey], limit: Int?)
    case limit(Int)
    /// Distinct rows over the named columns (as the input names them; empty: every column).
    case distinct([String])
    case join(PlanSource, on: [String], kind: JoinKind)
    case rfm
    case histogram(BoundExpression, bins: Int)
}

/// A step of a plan: its operator, its output schema and the query text it comes from (the pipeline steps it
/// implements, for `explain` and error locations).
public struct PlanStep: Sendable {
    public var op: PlanOperator
    public var schema: Schema
    public var spans: [SourceSpan]

    public init(_ op: PlanOperator, schema: Schema, spans: [SourceSpan]) {
        self.op = op
        self.schema = schema
        self.spans = spans
    }
}

/// A bound query: a scan and the steps that follow it, in order. A pipeline is a list, so no stage walks a
/// tree as deep as the pipeline is long; a join's right side is a source, not a nested plan.
public struct LogicalPlan: Sendable {
    public var steps: [PlanStep]
    /// The text the query was written in (spans point into it).
    public var source: SourceText
    /// The query's `from` name, as written.
    public var sourceName: String

    public var schema: Schema { steps.last?.schema ?? Schema(tableName: sourceName, columns: []) }
}

/// A plan with every view it reads, directly or through other views, each with the plan it runs under now,
/// deepest first: the engine computes them in this order, each once for the statement.
public struct BoundQuery: Sendable {
    public var plan: LogicalPlan
    public var views: [BoundView]
}

public struct BoundView: Sendable {
    public let definition: ViewDefinition
    public let plan: LogicalPlan
}

/// The engine's type rules, asked by the binder: the type of an expression over rows of `input` (or, inside
/// `agg`, over groups keyed by `keys`), or the diagnostic the engine would give when the step runs. The engine
/// answers by compiling the expression against a table of no rows with that schema, so bind-time and run-time
/// checks are one set of rules and binding reads no data.
public protocol ExpressionTyping {
    func type(of expression: Expression, over input: Schema, source: SourceText) throws(Diagnostic) -> DataType
    func aggregateType(of expression: Expression, keys: Schema, over input: Schema, source: SourceText)
        throws(Diagnostic) -> DataType
}
