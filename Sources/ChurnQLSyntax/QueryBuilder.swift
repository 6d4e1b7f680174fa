import ChurnQLDiagnostics

/// Builds a query as a syntax value, for the queries churnql writes itself (workbench, team, handover, profile):
/// user values go into the tree as values, never into query text, so no name or string can change the query.
/// Spans are `.none`; `QueryPrinter.printed` gives the text and spans into it.
public struct QueryBuilder: Sendable {
    public private(set) var query: Query

    public init(from source: String) {
        query = Query(source: source, sourceSpan: .none, operations: [])
    }

    public func then(_ operation: Operation) -> QueryBuilder {
        var next = self
        next.query.operations.append(OperationNode(operation, span: .none))
        return next
    }

    public func filter(_ condition: Expression) -> QueryBuilder { then(.where(condition)) }
    public func sort(_ keys: SortKey...) -> QueryBuilder { then(.sort(keys)) }
    public func select(_ columns: [String]) -> QueryBuilder {
        then(.select(columns.map { NamedExpression(name: nil, expression: .named($0)) }))
    }
    public func group(_ keys: NamedExpression...) -> QueryBuilder { then(.group(keys)) }
    public func agg(_ items: NamedExpression...) -> QueryBuilder { then(.agg(items)) }
}

extension Expression {
    /// A column (or `asof`).
    public static func named(_ column: String) -> Expression { .column(column, .none) }
    public static func text(_ value: String) -> Expression { .literal(.string(value), .none) }
    public static func integer(_ value: Int64) -> Expression { .literal(.integer(value), .none) }
    public static func decimal(_ value: Double) -> Expression { .literal(.decimal(value), .none) }
    public static func days(_ count: Int) -> Expression { .literal(.duration(days: count, months: 0), .none) }
    public static func function(_ name: String, _ arguments: Expression...) -> Expression {
        .call(name, arguments.map { Argument(name: nil, value: $0) }, .none)
    }

    /// `self op right`.
    public func combined(_ op: BinaryOperator, _ right: Expression) -> Expression { .binary(op, self, right, .none) }

    /// `self is not null`.
    public var isNotNull: Expression { .isNull(self, negated: true, .none) }

    /// The conditions joined by `and`, in the shape the parser gives them.
    public static func allOf(_ conditions: Expression...) -> Expression {
        guard let first = conditions.first else { return .literal(.boolean(true), .none) }
        return .leftFold(first, conditions.dropFirst().map { ChainLink(.and, $0) })
    }

    /// `name = self`, an item of `select`, `derive`, `group` or `agg`.
    public func labeled(_ name: String) -> NamedExpression { NamedExpression(name: name, expression: self) }
}

extension SortKey {
    public static func ascending(_ column: String) -> SortKey { SortKey(expression: .named(column), descending: false) }
    public static func descending(_ column: String) -> SortKey { SortKey(expression: .named(column), descending: true) }
}

extension NamedExpression {
    /// A bare column as a `group` key or `select` item.
    public static func column(_ name: String) -> NamedExpression {
        NamedExpression(name: nil, expression: .named(name))
    }
}
