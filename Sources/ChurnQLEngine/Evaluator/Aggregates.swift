import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// Aggregate functions: each computes one value per group, returned as a vector indexed by group. Names and
/// argument counts are `FunctionCatalog`'s.
enum Aggregates {
    static func compile(_ name: String, _ arguments: [Argument], _ span: SourceSpan, _ context: CompileContext)
        throws(Diagnostic) -> Vector
    {
        guard let aggregation = context.aggregation else { return .null }
        let groups = aggregation.groups
        // Arguments are row expressions over the input rows, not the grouped output.
        // Arguments read the group's rows; over customer rows they may call the fitted models.
        var rowContext = CompileContext(
            table: aggregation.rows, source: context.source, asof: context.asof, parameters: context.parameters,
            aggregation: nil, faults: context.faults)
        rowContext.predictive = context.predictive
        rowContext.modelIsStale = context.modelIsStale
        rowContext.profile = aggregation.profile
        let positional = arguments.filter { $0.name == nil }
        func argument(_ i: Int, _ usage: String) throws(Diagnostic) -> Vector {
            guard i < positional.count else {
                throw context.error("wrong-arguments", "\(name)() needs an argument: \(usage)", span)
            }
            return try ExpressionCompiler.compile(positional[i].value, rowContext)
        }
        func numeric(_ usage: String) throws(Diagnostic) -> (Int) -> Double? {
            let v = try argument(0, usage)
            guard let f = v.asDouble else {
                throw context.error(
                    "type-mismatch", "\(name)() needs numbers, got \(v.type.rawValue)", positional[0].value.span)
            }
            return f
        }
        // One value per group; stopped by Ctrl-C, the rest are null (the query's next check throws). `body` gets
        // the check too: one group may hold every row.
        func perGroup<T>(_ body: (ArraySlice<Int>, StopCheck) -> T?) throws(Diagnostic) -> [T?] {
            let stop = StopCheck()
            try groups.prepareMembers(stop: stop)
            var values: [T?] = []
            values.reserveCapacity(groups.count)
            var rowsSinceCheck = 0
            for group in 0..<groups.count {
                let rows = groups.rows(of: group)
                rowsSinceCheck += rows.count + 1
                if rowsSinceCheck >= Interrupt.stride {
                    rowsSinceCheck = 0
                    if stop.requested { break }
                }
                values.append(body(rows, stop))
            }
            values += [T?](repeating: nil, count: groups.count - values.count)
            return values
        }
        switch name {
        case "count":
            if positional.isEmpty {
                let counts = (0..<groups.count).map { Int64(groups.offsets[$0 + 1] - groups.offsets[$0]) }
                return .integer { counts[$0] }
            }
            let v = try argument(0, "count() or count(x)")
            let counts = groups.fold(Int64(0)) { n, row in if !v.value(row).isNull { n += 1 } }
            return .integer { counts[$0] }
        case "count_distinct":
            let v = try argument(0, "count_distinct(x)")
            let counts = try perGroup { rows, stop -> Int64? in
                var seen = Set<Value>()
                let whole = GroupRows.each(rows, stop) { row in
                    let x = v.value(row)
                    if !x.isNull { seen.insert(x) }
                }
                return whole ? Int64(seen.count) : nil
            }
            return .integer { counts[$0] }
        case "sum":
            let v = try argument(0, "sum(x)")
            if case .integer(let f) = v {
                // 128 bits cannot overflow on 64-bit counts, so only a total beyond Int64 is an error, not a
                // partial sum on the way (Int64.max + 1 − 1 is Int64.max).
                let wide = groups.fold((total: Int128(0), any: false)) { s, row in
                    if let x = f(row) { s = (s.total + Int128(x), true) }
                }
                var sums: [Int64?] = []
                sums.reserveCapacity(wide.count)
                for group in wide {
                    guard group.any else {
                        sums.append(nil)
                        continue
                    }
                    // Folded while compiling, so the overflow is thrown here, at the call.
                    guard let total = Int64(exactly: group.total) else {
                        throw context.error(
                            "integer-overflow",
                            "integer overflow in sum(): the total \(group.total) is beyond the 64-bit range",
                            span, hint: "sum(x * 1.0) adds in decimal")
                    }
                    sums.append(total)
                }
                return .integer { sums[$0] }
            }
            if let totals = StoredColumnFold.totals(positional[0].value, aggregation) {
                return .decimal { totals[$0].n == 0 ? nil : totals[$0].total }
            }
            let f = try numeric("sum(x)")
            let sums = groups.fold((total: 0.0, any: false)) { s, row in if let x = f(row) { s = (s.total + x, true) } }
            return .decimal { sums[$0].any ? sums[$0].total : nil }
        case "avg", "mean":
            if let first = positional.first, let totals = StoredColumnFold.totals(first.value, aggregation) {
                return .decimal { totals[$0].n == 0 ? nil : totals[$0].total / Double(totals[$0].n) }
            }
            let f = try numeric("avg(x)")
            let sums = groups.fold((total: 0.0, n: 0)) { s, row in if let x = f(row) { s = (s.total + x, s.n + 1) } }
            return .decimal { sums[$0].n == 0 ? nil : sums[$0].total / Double(sums[$0].n) }
        case "min", "max":
            let v = try argument(0, "\(name)(x)")
            let wantMin = name == "min"
            // Numbers and dates fold row by row in their own type, as ValueOrdering.compare orders them: no Value
            // per row or per group (millions of groups of one order each took seconds, and their release after
            // Ctrl-C as long).
            func fold<T: Comparable>(_ f: (Int) -> T?) -> [T?] {
                groups.fold(T?.none) { best, row in
                    guard let x = f(row) else { return }
                    guard let current = best else {
                        best = x
                        return
                    }
                    if wantMin ? x < current : x != current && !(x < current) { best = x }
                }
            }
            switch v {
            case .integer(let f):
                let values = fold(f)
                return .integer { values[$0] }
            case .decimal(let f):
                let values = fold(f)
                return .decimal { values[$0] }
            case .date(let f):
                let values = fold(f)
                return .date { values[$0] }
            default: break
            }
            let extremes = try perGroup { rows, stop -> Value? in
                var best: Value?
                let whole = GroupRows.each(rows, stop) { r in
                    let x = v.value(r)
                    if x.isNull { return }
                    if let current = best {
                        let c = ValueOrdering.compare(x, current)
                        if wantMin ? c < 0 : c > 0 { best = x }
                    } else {
                        best = x
                    }
                }
                return whole ? best : nil
            }
            return Functions.typed(v.type) { extremes[$0] ?? .null }
        case "median", "percentile":
            let f = try numeric("\(name)(x)")
            var p = 0.5
            if name == "percentile" {
                guard positional.count == 2,
                    case .decimal(let q) = try ExpressionCompiler.constant(positional[1].value, rowContext)
                        .promotedToDecimal, (0...1).contains(q)
                else {
                    throw context.error(
                        "wrong-arguments", "percentile() takes a column and a fraction between 0 and 1", span,
                        hint: "percentile(revenue, 0.9)")
                }
                p = q
            }
            let values = try perGroup { rows, stop -> Double? in
                guard var xs = GroupRows.numbers(rows, f, stop), Sorting.sortUnlessStopped(&xs, stop) else {
                    return nil
                }
                return quantile(xs, p)
            }
            return .decimal { values[$0] }
        case "stddev":
            let f = try numeric("stddev(x)")
            let values = try perGroup { rows, stop -> Double? in
                guard let xs = GroupRows.numbers(rows, f, stop), xs.count > 1 else { return nil }
                let mean = xs.reduce(0, +) / Double(xs.count)
                let ss = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
                return (ss / Double(xs.count - 1)).squareRoot()
            }
            return .decimal { values[$0] }
        default:
            return try RetentionAggregateCompiler.compile(name, arguments, span, context, aggregation)
        }
    }

    /// Linear interpolation between closest ranks (type 7, as numpy and R's default).
    static func quantile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let h = Double(sorted.count - 1) * p
        let lower = Int(h.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}

extension Value {
    var promotedToDecimal: Value {
        if case .integer(let v) = self { return .decimal(Double(v)) }
        return self
    }
}
