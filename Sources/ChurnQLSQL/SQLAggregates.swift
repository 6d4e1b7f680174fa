import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Aggregates over the input rows of `agg` (this writer's scope is those rows).
extension SQLExpressionWriter {
    func aggregate(_ name: String, _ arguments: [Argument], _ span: SourceSpan, depth: Int) throws(Diagnostic)
        -> SQLFragment
    {
        if SQLFunctionSupport.retention.contains(name) { return try retentionAggregate(name, arguments, span) }
        guard arguments.allSatisfy({ $0.name == nil }) else { throw notInSQL("\(name)() with named arguments", span) }
        var args: [SQLFragment] = []
        for argument in arguments { args.append(try write(argument.value, depth: depth)) }
        if name == "count" && args.isEmpty { return SQLFragment("COUNT(*)", .integer) }
        guard let x = args.first, x.type != .duration else { throw notInSQL("\(name)() on these arguments", span) }
        let numeric = x.type == .integer || x.type == .decimal || x.type == .null
        func wrap(_ type: DataType, _ open: String, _ value: SQLFragment, _ close: String = ")") -> SQLFragment {
            .join(type, [.sql(open), .fragment(value), .sql(close)])
        }
        switch name {
        case "count" where args.count == 1: return wrap(.integer, "COUNT(", x)
        case "count_distinct" where args.count == 1: return wrap(.integer, "COUNT(DISTINCT ", x)
        case "sum" where numeric && args.count == 1:
            if x.type == .integer {
                // PostgreSQL sums bigints as numeric: back to a bigint (an overflow is then an error, as here).
                return dialect == .postgres ? wrap(.integer, "CAST(SUM(", x, ") AS BIGINT)") : wrap(.integer, "SUM(", x)
            }
            return wrap(.decimal, "SUM(", asDouble(x))
        case "avg", "mean":
            guard numeric, args.count == 1 else { break }
            return wrap(.decimal, "AVG(", asDouble(x))
        case "min", "max":
            guard args.count == 1 else { break }
            if x.type == .boolean && dialect == .postgres {
                return wrap(.boolean, name == "min" ? "BOOL_AND(" : "BOOL_OR(", x)
            }
            let value = x.type == .text ? SQLFragment(dialect.binaryCollation(""), .text).prefixed(x) : x
            return wrap(x.type, name == "min" ? "MIN(" : "MAX(", value)
        case "median", "percentile":
            guard numeric else { break }
            var p = 0.5
            if name == "percentile" {
                guard args.count == 2, let q = Self.constantFraction(arguments[1].value) else { break }
                p = q
            }
            let value = asDouble(x)
            switch dialect {
            case .postgres: return wrap(.decimal, "PERCENTILE_CONT(\(p)) WITHIN GROUP (ORDER BY ", value)
            case .duckdb: return wrap(.decimal, "quantile_cont(", value, ", \(p))")
            case .spark: return wrap(.decimal, "percentile(", value, ", \(p))")
            case .sqlite: break
            }
        case "stddev":
            guard numeric, args.count == 1, dialect != .sqlite else { break }
            return wrap(.decimal, "STDDEV_SAMP(", asDouble(x))
        default: break
        }
        throw notInSQL("\(name)() on these arguments", span)
    }

    private static func constantFraction(_ expression: Expression) -> Double? {
        switch expression {
        case .literal(.decimal(let x), _) where (0...1).contains(x): return x
        case .literal(.integer(let n), _) where n == 0 || n == 1: return Double(n)
        default: return nil
        }
    }
}
