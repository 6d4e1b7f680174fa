/// Every function of the language, once: the evaluator checks calls against it and dispatches on its kind;
/// completion, `.help functions`, did-you-mean and the function table in docs/language.md come from it.
public enum FunctionCatalog {
    public static func find(_ name: String) -> FunctionSignature? { byName[name] }

    public static var names: [String] { all.map(\.name) }

    private static let byName = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    private typealias P = FunctionSignature.Parameter

    public static let all: [FunctionSignature] = scalar + aggregates + retention + customerRows

    static let scalar: [FunctionSignature] = [
        .init(
            "lower", [P("s", .text)], result: .text, kind: .scalar, summary: "the text in lower case",
            example: "lower(region)"),
        .init(
            "upper", [P("s", .text)], result: .text, kind: .scalar, summary: "the text in upper case",
            example: "upper(region)"),
        .init(
            "length", [P("s", .text)], result: .integer, kind: .scalar, summary: "the number of characters",
            example: "length(customer_id)"),
        .init(
            "contains", [P("s", .text), P("part", .text)], result: .boolean, kind: .scalar,
            summary: "whether the text contains part, ignoring case", example: "contains(region, \"north\")"),
        .init(
            "starts_with", [P("s", .text), P("prefix", .text)], result: .boolean, kind: .scalar,
            summary: "whether the text starts with prefix (case-sensitive)", example: "starts_with(customer_id, \"A\")"),
        .init(
            "ends_with", [P("s", .text), P("suffix", .text)], result: .boolean, kind: .scalar,
            summary: "whether the text ends with suffix (case-sensitive)", example: "ends_with(customer_id, \"9\")"),
        .init(
            "coalesce", [P("x", .any)], variadicUpTo: 16, result: .sameAsArguments, kind: .scalar,
            summary: "the first argument that is not null (up to 16)", example: "coalesce(region, \"unknown\")",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "round", [P("x", .number), P("digits", .integer, default: "0")], result: .sameAsArguments,
            kind: .scalar,
            summary:
                "x rounded to digits after the point (−15 to 15; negative rounds to tens, hundreds…); integers stay exact",
            example: "round(revenue, 2)"),
        .init(
            "abs", [P("x", .number)], result: .sameAsArguments, kind: .scalar,
            summary: "the absolute value (an integer stays an integer)", example: "abs(overdue_days)",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "floor", [P("x", .number)], result: .sameAsArguments, kind: .scalar,
            summary: "x rounded down (an integer stays as it is)",
            example: "floor(avg_order_value)", backends: [.memory, .postgres, .spark, .duckdb]),
        .init(
            "ceil", [P("x", .number)], result: .sameAsArguments, kind: .scalar,
            summary: "x rounded up (an integer stays as it is)",
            example: "ceil(avg_order_value)", backends: [.memory, .postgres, .spark, .duckdb]),
        .init(
            "year", [P("d", .date)], result: .integer, kind: .scalar, summary: "the year of a date",
            example: "year(first_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "month", [P("d", .date)], result: .integer, kind: .scalar, summary: "the month of a date, 1 to 12",
            example: "month(first_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "week", [P("d", .date)], result: .integer, kind: .scalar, summary: "the ISO 8601 week number of a date",
            example: "week(last_order)", backends: [.memory, .postgres, .spark, .duckdb]),
        .init(
            "day", [P("d", .date)], result: .integer, kind: .scalar, summary: "the day of the month of a date",
            example: "day(last_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "quarter", [P("d", .date)], result: .integer, kind: .scalar, summary: "the quarter of a date, 1 to 4",
            example: "quarter(first_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "weekday", [P("d", .date)], result: .integer, kind: .scalar, summary: "the day of the week, Monday = 1",
            example: "weekday(last_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "date_trunc", [P("unit", .text), P("d", .date)], result: .date, kind: .scalar,
            summary: "the first day of the date's day, week, month, quarter or year (unit written as text)",
            example: "date_trunc(\"month\", first_order)"),
        .init(
            "days_between", [P("a", .date), P("b", .date)], result: .integer, kind: .scalar,
            summary: "days from a to b (b − a)", example: "days_between(first_order, last_order)",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "if", [P("condition", .boolean), P("then", .any), P("else", .any)], result: .sameAsArguments,
            kind: .scalar, summary: "then where the condition is true, else otherwise (null counts as false)",
            example: "if(revenue > 1000, \"vip\", \"regular\")",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
    ]

    static let aggregates: [FunctionSignature] = [
        .init(
            "count", [P("x", .any, optional: true)], result: .integer, kind: .aggregate,
            summary: "the number of rows, or of non-null values of x", example: "count()",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "count_distinct", [P("x", .any)], result: .integer, kind: .aggregate,
            summary: "the number of distinct non-null values", example: "count_distinct(region)",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "sum", [P("x", .number)], result: .sameAsArguments, kind: .aggregate,
            summary: "the sum (integers exactly, or an integer-overflow error)", example: "sum(revenue)",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "avg", [P("x", .number)], result: .decimal, kind: .aggregate, summary: "the mean of the non-null values",
            example: "avg(revenue)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "mean", [P("x", .number)], result: .decimal, kind: .aggregate, summary: "the same as avg",
            example: "mean(revenue)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "min", [P("x", .any)], result: .sameAsArguments, kind: .aggregate, summary: "the smallest value",
            example: "min(first_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "max", [P("x", .any)], result: .sameAsArguments, kind: .aggregate, summary: "the largest value",
            example: "max(last_order)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "median", [P("x", .number)], result: .decimal, kind: .aggregate,
            summary: "the median (linear interpolation)", example: "median(revenue)",
            backends: [.memory, .postgres, .spark, .duckdb]),
        .init(
            "percentile", [P("x", .number), P("p", .number)], result: .decimal, kind: .aggregate,
            summary: "the p-quantile, p a constant from 0 to 1 (linear interpolation)",
            example: "percentile(revenue, 0.9)", backends: [.memory, .postgres, .spark, .duckdb]),
        .init(
            "stddev", [P("x", .number)], result: .decimal, kind: .aggregate, summary: "the sample standard deviation",
            example: "stddev(revenue)", backends: [.memory, .postgres, .spark, .duckdb]),
    ]

    private static let period = P("period", .duration, .positionalOrNamed, default: "churn_window")
    private static let method = P("method", .text, .named, default: "\"start\"")

    static let retention: [FunctionSignature] = [
        .init(
            "churn_rate", [period, method], result: .decimal, kind: .retentionAggregate,
            summary:
                "share of the customers active at asof − period who bought nothing since (method: \"start\", \"average\" or \"exposure\")",
            example: "churn_rate(period: 30d)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "retention_rate", [period, method], result: .decimal, kind: .retentionAggregate,
            summary: "1 − churn_rate over the same base and period", example: "retention_rate()",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "repeat_rate", [], result: .decimal, kind: .retentionAggregate,
            summary: "share of customers who bought on more than one day", example: "repeat_rate()",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "avg_purchase_cycle", [], result: .decimal, kind: .retentionAggregate,
            summary: "mean purchase_cycle_days of repeat customers", example: "avg_purchase_cycle()",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "median_purchase_cycle", [], result: .decimal, kind: .retentionAggregate,
            summary: "median purchase_cycle_days of repeat customers", example: "median_purchase_cycle()",
            backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "net_revenue_retention", [period], result: .decimal, kind: .retentionAggregate,
            summary: "the base customers' revenue in the last period over their revenue in the period before",
            example: "net_revenue_retention(period: 365d)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
        .init(
            "gross_revenue_retention", [period], result: .decimal, kind: .retentionAggregate,
            summary: "net_revenue_retention with each customer capped at their earlier revenue",
            example: "gross_revenue_retention(period: 365d)", backends: [.memory, .postgres, .spark, .duckdb, .sqlite]),
    ]

    static let customerRows: [FunctionSignature] = [
        .init(
            "clv_formula",
            [
                P("margin", .number, .named, default: "1"), P("discount", .number, .named, default: "0.1"),
                P("horizon", .integer, .named, default: "3"),
                P("retention", .number, .named, default: "1 − churn_rate(period: 365d)"),
            ], result: .decimal, kind: .customer,
            summary:
                "customer value without a model: margin × order value × purchases a year, discounted over horizon years",
            example: "clv_formula(margin: 0.3, discount: 0.1, horizon: 3)"),
        .init(
            "expected_purchases", [P("horizon", .duration, default: "90d")], result: .decimal, kind: .model,
            summary: "purchases expected within the horizon (a number counts model units); after fit bgnbd",
            example: "expected_purchases(90d)"),
        .init(
            "expected_spend", [], result: .decimal, kind: .model,
            summary: "expected spend per future purchase; after fit gammagamma", example: "expected_spend()"),
        .init(
            "predicted_clv", [P("months", .integer, default: "12"), P("discount", .number, default: "0.01")],
            result: .decimal, kind: .model,
            summary:
                "discounted value of the purchases expected over months (monthly discount); after fit bgnbd and fit gammagamma",
            example: "predicted_clv(12, 0.01)"),
    ]
}
