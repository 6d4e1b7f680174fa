import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// Function calls: the catalogue's functions that have an exact SQL form in the dialect (`SQLFunctionSupport`),
/// aggregates inside `agg`, and churn_rate() over customer rows.
extension SQLExpressionWriter {
    func call(_ name: String, _ arguments: [Argument], _ span: SourceSpan, depth: Int) throws(Diagnostic)
        -> SQLFragment
    {
        guard SQLFunctionSupport.runs(name, on: dialect) else { throw notInSQL("\(name)()", span) }
        if SQLFunctionSupport.aggregates.contains(name) || SQLFunctionSupport.retention.contains(name) {
            guard let input = aggregateInput else { throw notInSQL("\(name)() outside agg", span) }
            let rows = SQLExpressionWriter(
                dialect: dialect, source: source, parameters: parameters, scope: input, aggregateInput: nil,
                churn: churn)
            return try rows.aggregate(name, arguments, span, depth: depth)
        }
        guard arguments.allSatisfy({ $0.name == nil }) else { throw notInSQL("\(name)() with named arguments", span) }
        var args: [SQLFragment] = []
        for argument in arguments { args.append(try write(argument.value, depth: depth)) }
        return try scalar(name, args, span)
    }

    private func scalar(_ name: String, _ args: [SQLFragment], _ span: SourceSpan) throws(Diagnostic) -> SQLFragment {
        func one(_ types: Set<DataType>) throws(Diagnostic) -> SQLFragment {
            guard args.count == 1, types.contains(args[0].type) else {
                throw notInSQL("\(name)() on these arguments", span)
            }
            return args[0]
        }
        switch name {
        case "abs":
            let x = try one([.integer, .decimal])
            return .join(x.type, [.sql("ABS("), .fragment(x), .sql(")")])
        case "floor", "ceil":
            let x = try one([.integer, .decimal])
            if x.type == .integer { return x }
            guard dialect != .sqlite else { throw notInSQL("\(name)() on decimals", span) }
            let function = name == "floor" ? "FLOOR" : "CEIL"
            return asDouble(.join(.decimal, [.sql("\(function)("), .fragment(x), .sql(")")]).typed(.integer))
        case "year", "month", "day", "quarter", "weekday", "week":
            let d = try one([.date])
            return .join(.integer, datePart(name, d))
        case "days_between":
            guard args.count == 2, args[0].type == .date, args[1].type == .date else {
                throw notInSQL("days_between() on these arguments", span)
            }
            return .join(.integer, Self.splice(dialect.daysBetween("\u{0}B\u{0}", "\u{0}A\u{0}"), args[0], args[1]))
        case "coalesce":
            let common = try commonType(args, span)
            var parts: [SQLPart] = [.sql("COALESCE(")]
            for (i, arg) in args.enumerated() {
                if i > 0 { parts.append(.sql(", ")) }
                parts.append(.fragment(common == .decimal ? asDouble(arg) : arg))
            }
            parts.append(.sql(")"))
            return .join(common, parts)
        case "if":
            guard args.count == 3, args[0].type == .boolean || args[0].type == .null else {
                throw notInSQL("if() on these arguments", span)
            }
            let common = try commonType(Array(args.dropFirst()), span)
            let (a, b) = common == .decimal ? (asDouble(args[1]), asDouble(args[2])) : (args[1], args[2])
            return .join(
                common,
                [
                    .sql("CASE WHEN "), .fragment(args[0]), .sql(" THEN "), .fragment(a), .sql(" ELSE "),
                    .fragment(b), .sql(" END"),
                ])
        default: throw notInSQL("\(name)()", span)
        }
    }

    /// The arguments' common type as the engine types it: all one type (nulls aside), or integers with decimals.
    private func commonType(_ args: [SQLFragment], _ span: SourceSpan) throws(Diagnostic) -> DataType {
        let types = Set(args.map(\.type)).subtracting([.null])
        if types.isEmpty { return .null }
        if types.count == 1, let only = types.first, only != .duration { return only }
        if types == [.integer, .decimal] { return .decimal }
        throw notInSQL("mixing \(types.map(\.rawValue).sorted().joined(separator: " and "))", span)
    }

    private func datePart(_ name: String, _ d: SQLFragment) -> [SQLPart] {
        let template: String
        switch (dialect, name) {
        case (.postgres, "weekday"): template = "CAST(EXTRACT(ISODOW FROM \u{0}A\u{0}) AS BIGINT)"
        case (.postgres, _): template = "CAST(EXTRACT(\(name.uppercased()) FROM \u{0}A\u{0}) AS BIGINT)"
        case (.duckdb, "weekday"): template = "isodow(\u{0}A\u{0})"
        case (.duckdb, _): template = "\(name)(\u{0}A\u{0})"
        case (.spark, "weekday"): template = "((dayofweek(\u{0}A\u{0}) + 5) % 7 + 1)"
        case (.spark, "week"): template = "weekofyear(\u{0}A\u{0})"
        case (.spark, "day"): template = "dayofmonth(\u{0}A\u{0})"
        case (.spark, _): template = "\(name)(\u{0}A\u{0})"
        case (.sqlite, "year"): template = "CAST(strftime('%Y', \u{0}A\u{0}) AS INTEGER)"
        case (.sqlite, "month"): template = "CAST(strftime('%m', \u{0}A\u{0}) AS INTEGER)"
        case (.sqlite, "day"): template = "CAST(strftime('%d', \u{0}A\u{0}) AS INTEGER)"
        case (.sqlite, "quarter"): template = "((CAST(strftime('%m', \u{0}A\u{0}) AS INTEGER) + 2) / 3)"
        default: template = "((CAST(strftime('%w', \u{0}A\u{0}) AS INTEGER) + 6) % 7 + 1)"
        }
        return Self.splice(template, d, d)
    }

    /// A SQL template whose operands are marked `\0A\0` and `\0B\0`, with the fragments spliced in.
    static func splice(_ template: String, _ a: SQLFragment, _ b: SQLFragment) -> [SQLPart] {
        var parts: [SQLPart] = []
        var rest = Substring(template)
        while let open = rest.range(of: "\u{0}") {
            parts.append(.sql(String(rest[..<open.lowerBound])))
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "\u{0}") else {
                rest = after
                break
            }
            parts.append(.fragment(after[..<close.lowerBound] == "A" ? a : b))
            rest = after[close.upperBound...]
        }
        parts.append(.sql(String(rest)))
        return parts
    }
}
