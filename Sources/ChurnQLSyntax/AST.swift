import ChurnQLDiagnostics

/// A literal value as written in a query.
public enum Literal: Equatable, Sendable {
    case integer(Int64)
    case decimal(Double)
    case string(String)
    case boolean(Bool)
    case date(year: Int, month: Int, day: Int)
    case duration(days: Int, months: Int)
    case null
}

/// Binary operators, by precedence group.
public enum BinaryOperator: String, Sendable {
    case or, and
    case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
    case add = "+", subtract = "-", multiply = "*", divide = "/", modulo = "%"
}

public enum UnaryOperator: String, Sendable {
    case negate = "-", not
}

/// An expression node with its source span.
public indirect enum Expression: Equatable, Sendable {
    case literal(Literal, SourceSpan)
    case column(String, SourceSpan)
    case parameter(String, SourceSpan)
    case unary(UnaryOperator, Expression, SourceSpan)
    case binary(BinaryOperator, Expression, Expression, SourceSpan)
    /// A function or aggregate call; arguments may be named (`churn_rate(period: 30d)`).
    case call(String, [Argument], SourceSpan)
    case inList(Expression, [Expression], negated: Bool, SourceSpan)
    case between(Expression, Expression, Expression, negated: Bool, SourceSpan)
    case isNull(Expression, negated: Bool, SourceSpan)
    /// `first op x op x …`: three or more operands of one precedence level (`or`, `and`, `+ -`, `* / %`), folded
    /// left to right. One node, not a tree one level deeper per operator, so that no stage recurses per term;
    /// two operands stay `.binary`.
    case chain(Expression, [ChainLink], SourceSpan)

    public var span: SourceSpan {
        switch self {
        case .literal(_, let s), .column(_, let s), .parameter(_, let s), .unary(_, _, let s),
            .binary(_, _, _, let s), .call(_, _, let s), .inList(_, _, _, let s), .between(_, _, _, _, let s),
            .isNull(_, _, let s), .chain(_, _, let s):
            return s
        }
    }
}

/// One `op operand` step of a chain.
public struct ChainLink: Equatable, Sendable {
    public var op: BinaryOperator
    public var operand: Expression
    public init(_ op: BinaryOperator, _ operand: Expression) {
        self.op = op
        self.operand = operand
    }
}

extension Expression {
    /// `first` folded with `links`: itself, a `.binary`, or a `.chain`.
    public static func leftFold(_ first: Expression, _ links: [ChainLink]) -> Expression {
        guard let last = links.last else { return first }
        let span = first.span.merged(with: last.operand.span)
        if links.count == 1 { return .binary(last.op, first, last.operand, span) }
        return .chain(first, links, span)
    }

    /// The span of the fold up to and including `link`: where a caret points for an error of its operator, as it
    /// did when each operator was a `.binary` node.
    public static func span(of first: Expression, through link: ChainLink) -> SourceSpan {
        first.span.merged(with: link.operand.span)
    }
}

/// A call argument, optionally named.
public struct Argument: Equatable, Sendable {
    public var name: String?
    public var value: Expression
    public init(name: String?, value: Expression) {
        self.name = name
        self.value = value
    }
}

/// `name = expr`, or a bare expression whose name is derived from it.
public struct NamedExpression: Equatable, Sendable {
    public var name: String?
    public var expression: Expression
    public init(name: String?, expression: Expression) {
        self.name = name
        self.expression = expression
    }
}

public struct SortKey: Equatable, Sendable {
    public var expression: Expression
    public var descending: Bool
    public init(expression: Expression, descending: Bool) {
        self.expression = expression
        self.descending = descending
    }
}

public enum JoinKind: String, Sendable {
    case inner, left
}

/// One pipeline step after the source.
public enum Operation: Equatable, Sendable {
    case `where`(Expression)
    case select([NamedExpression])
    case derive([NamedExpression])
    case group([NamedExpression])
    case agg([NamedExpression])
    case sort([SortKey])
    case take(Int)
    /// `take $name`: the row count comes from a script parameter.
    case takeParameter(String)
    case distinct([String])
    case join(table: String, on: [String], kind: JoinKind)
    case count
    case top(Int, by: Expression)
    case rfm
    /// Equal-width bins of a numeric expression with counts and a bar.
    case histogram(Expression, bins: Int)
}

public struct OperationNode: Equatable, Sendable {
    public var operation: Operation
    public var span: SourceSpan
    public init(_ operation: Operation, span: SourceSpan) {
        self.operation = operation
        self.span = span
    }
}

/// `from SOURCE | op | op …`.
public struct Query: Equatable, Sendable {
    public var source: String
    public var sourceSpan: SourceSpan
    public var operations: [OperationNode]
    public init(source: String, sourceSpan: SourceSpan, operations: [OperationNode]) {
        self.source = source
        self.sourceSpan = sourceSpan
        self.operations = operations
    }
}

/// A `with (key: value, …)` option.
public struct Option: Equatable, Sendable {
    public var key: String
    public var value: Expression
    public var span: SourceSpan
}

/// Period lengths for `churn` and `cohort`.
public enum Period: String, Sendable, CaseIterable {
    case weekly, monthly, quarterly
}

/// A top-level statement.
public enum Statement: Equatable, Sendable {
    case query(Query)
    case `let`(name: String, Query)
    case load(path: String, alias: String?, options: [Option])
    /// `load "postgresql://…" table NAME`: a server table copied into memory.
    case loadServerTable(uri: String, table: String, alias: String?, options: [Option])
    /// `attach "postgresql://…" [as NAME] [with (…)]`: a database whose tables are queried where they are.
    case attach(uri: String, alias: String?, options: [Option])
    case detach(String)
    case set(name: String, value: Expression)
    case param(name: String, defaultValue: Expression)
    case showSettings
    case tables
    case describe(String)
    case explain(String)
    /// `explain from …`: each pipeline stage with its row count.
    case explainQuery(Query)
    /// `explain plan from …`: the logical plan after the rewrite passes, without running it.
    case explainPlan(Query)
    /// `compile DIALECT QUERY`: the query as SQL for postgres, spark, duckdb or sqlite, printed, not run.
    case compile(dialect: String, Query)
    /// `compile DIALECT churn monthly` / `compile DIALECT cohort weekly`: a retention statement as one query.
    indirect case compileStatement(dialect: String, Statement)
    /// `drill METRIC`: the customers behind a metric's counts.
    case drill(String)
    /// `survival [by KEY]`: Kaplan–Meier retention curve.
    case survival(by: String?)
    /// `workbench [SECTION]`: the CRM team's daily lists.
    case workbench(String?)
    /// `team`: each sales rep's contacts and customers.
    case team
    /// `handover "rep"`: a leaving rep's customers.
    case handover(String)
    /// `profile by KEY`: the main metrics per value of a customer attribute.
    case profile(by: String)
    case export(Query, path: String)
    /// `save "file.cqs"`: the session's tables, views and settings as one snapshot file (docs/snapshots.md).
    case save(path: String)
    case print(String)
    case printQuery(Query)
    /// `assert QUERY OP EXPR` or `assert EXPR` (an aggregate over customers).
    case assert(Assertion)
    case churn(Period)
    case cohort(Period, byRevenue: Bool, shares: Bool)
    case fit(model: String, until: Expression?, unit: String?)
    case evaluate
    case compareModels
    /// `verify`: the published CDNOW figures re-derived from the built-in sample.
    case verify
}

/// What an `assert` statement checks.
public struct Assertion: Equatable, Sendable {
    /// The value side: a query whose single cell is compared, or a scalar expression over customers.
    public var query: Query?
    public var expression: Expression?
    public var comparison: BinaryOperator?
    public var expected: Expression?
    /// `== EXPECTED within TOL`: |actual − expected| ≤ TOL; without it `==` and `!=` are exact.
    public var tolerance: Expression?
    /// `between low and high`.
    public var range: (Expression, Expression)? {
        get { rangeLow.flatMap { low in rangeHigh.map { (low, $0) } } }
        set {
            rangeLow = newValue?.0
            rangeHigh = newValue?.1
        }
    }
    public var rangeLow: Expression?
    public var rangeHigh: Expression?

    public init(query: Query?, expression: Expression?) {
        self.query = query
        self.expression = expression
    }
}

/// A statement with its span, so scripts can report and replay it.
public struct StatementNode: Equatable, Sendable {
    public var statement: Statement
    public var span: SourceSpan
    public init(_ statement: Statement, span: SourceSpan) {
        self.statement = statement
        self.span = span
    }
}
