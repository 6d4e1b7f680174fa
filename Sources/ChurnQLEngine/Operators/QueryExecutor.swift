import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// Runs a pipeline over the store, one operation at a time.
struct QueryExecutor {
    let engine: Engine
    let source: SourceText
    /// Faults met by this query's row closures (overflow, dates beyond the calendar), thrown after the step.
    let faults = EvaluationFaults()
    /// The views the query's names mean: the session's, or inside a view those it was bound to.
    let scope: ViewScope?
    /// The views this statement has computed, shared with the executors of the views it reads.
    let memo: ViewMemo

    init(engine: Engine, source: SourceText, scope: ViewScope? = nil, memo: ViewMemo = ViewMemo()) {
        self.engine = engine
        self.source = source
        self.scope = scope
        self.memo = memo
    }

    /// `rowsAfterStep(k, n)`: after the first k operations (0: the source alone) there are n rows, reported once
    /// per step for `explain`; sorts then order every row, so that each step's count is its own.
    func run(_ query: Query, rowsAfterStep: ((Int, Int) -> Void)? = nil) throws(Diagnostic) -> Table {
        var table = try engine.resolveSource(
            query.source, span: query.sourceSpan, source: source, needing: ColumnNeeds.of(query), scope: scope,
            memo: memo)
        var pendingGroup: (keys: [NamedExpression], span: SourceSpan)?
        var selection: [Int]?
        for (index, node) in query.operations.enumerated() {
            try engine.checkCancelled()
            try faults.check()
            rowsAfterStep?(index, selection?.count ?? table.rowCount)
            switch node.operation {
            case .where, .group, .agg, .count, .sort, .take, .top: break
            default:
                if let rows = selection {
                    table = table.gather(rows)
                    selection = nil
                }
            }
            if let group = pendingGroup {
                switch node.operation {
                case .agg(let items):
                    table = try aggregate(table, keys: group.keys, items: items, selection: selection)
                case .count:
                    table = try aggregate(
                        table, keys: group.keys,
                        items: [NamedExpression(name: "n", expression: .call("count", [], node.span))],
                        selection: selection)
                default:
                    throw error(
                        "group-needs-agg", "'group' must be followed by '| agg …' or '| count'", group.span,
                        hint: "… | group status | agg n = count()")
                }
                pendingGroup = nil
                selection = nil
                continue
            }
            switch node.operation {
            case .where(let predicate):
                let compiled = try ExpressionCompiler.compile(predicate, context(table))
                guard case .boolean(let test) = compiled else {
                    if compiled.type == .null {
                        // `where null` keeps nothing.
                        selection = []
                        continue
                    }
                    throw error(
                        "type-mismatch", "'where' needs a true/false condition, not \(compiled.type.rawValue)",
                        predicate.span, hint: "compare it: where revenue > 100")
                }
                // Rows are only selected here; the table is gathered when a step needs whole columns, so
                // where → group/agg/count never copies the columns it does not read.
                selection = Self.rows(of: selection, rowCount: table.rowCount, where: test)
                continue
            case .select(let items):
                var columns: [Column] = []
                for item in items { columns.append(try materialize(item, table)) }
                table = Table(
                    name: table.name, columns: uniqueNames(columns), rowCount: table.rowCount,
                    entityIndex: table.entityIndex)
            case .derive(let items):
                for item in items {
                    let column = try materialize(item, table)
                    if let i = table.columns.firstIndex(where: { $0.name.lowercased() == column.name.lowercased() }) {
                        table.columns[i] = column
                    } else {
                        table.columns.append(column)
                    }
                }
            case .group(let keys):
                pendingGroup = (keys, node.span)
            case .agg(let items):
                table = try aggregate(table, keys: [], items: items, selection: selection)
                selection = nil
            case .sort(let keys):
                // `sort … | take n` needs only the first n rows: select them instead of sorting everything.
                var limit: Int?
                if rowsAfterStep == nil, index + 1 < query.operations.count,
                    case .take(let n) = query.operations[index + 1].operation
                {
                    limit = n
                }
                selection = try sortedRows(table, keys, selection, limit: limit)
            case .take(let n):
                let rows = selection ?? Array(0..<table.rowCount)
                selection = Array(rows.prefix(n))
            case .takeParameter(let name):
                guard case .integer(let n) = engine.parameters[name], n >= 0 else {
                    throw error(
                        "missing-parameter",
                        "take needs a whole number, and $\(name) is \(engine.parameters[name]?.plainText ?? "not set")",
                        node.span, hint: "--set \(name)=10, or param \(name) = 10 in the script")
                }
                table = table.gather(Array(0..<Swift.min(Int(n), table.rowCount)))
            case .distinct(let names):
                let keyNames = names.isEmpty ? table.columnNames : names
                var keys: [Column] = []
                for name in keyNames {
                    guard let column = table.column(name) else {
                        throw context(table).unknownColumn(name, node.span)
                    }
                    keys.append(column)
                }
                let groups = GroupIndex.build(keys: keys, rows: table.rowCount)
                table =
                    names.isEmpty
                    ? table.gather(groups.firstRows)
                    : Table(name: table.name, columns: keys.map { $0.gather(groups.firstRows) })
            case .join(let other, let on, let kind):
                let right = try engine.resolveSource(other, span: node.span, source: source, scope: scope, memo: memo)
                table = try Join.run(
                    left: table, right: right, on: on, kind: kind, span: node.span, context: context(table),
                    limit: engine.rowLimit)
            case .count:
                let n = selection?.count ?? table.rowCount
                table = Table(name: table.name, columns: [Column(name: "n", storage: .integer([Int64(n)]))])
                selection = nil
            case .top(let n, let expression):
                selection = try sortedRows(
                    table, [SortKey(expression: expression, descending: true)], selection, limit: n)
            case .rfm:
                table = try RFM.apply(table, span: node.span, context: context(table))
            case .histogram(let expression, let bins):
                table = try Histogram.build(table, expression, bins: bins, context: context(table))
            }
        }
        try faults.check()
        if let rows = selection { table = table.gather(rows) }
        if let group = pendingGroup {
            throw error(
                "group-needs-agg", "'group' must be followed by '| agg …' or '| count'", group.span,
                hint: "… | group status | agg n = count()")
        }
        rowsAfterStep?(query.operations.count, table.rowCount)
        return table
    }

    /// The rows (of the selection, or all of them) where `test` is true, written in place rather than appended:
    /// on millions of rows the append's checks cost more than the test.
    static func rows(of selection: [Int]?, rowCount: Int, where test: (Int) -> Bool?) -> [Int] {
        let candidates = selection?.count ?? rowCount
        let rows = [Int](unsafeUninitializedCapacity: candidates) { buffer, kept in
            var count = 0
            if let selection {
                for row in selection where test(row) == true {
                    buffer[count] = row
                    count += 1
                }
            } else {
                for row in 0..<rowCount where test(row) == true {
                    buffer[count] = row
                    count += 1
                }
            }
            kept = count
        }
        // A selective test would otherwise keep room for every candidate for as long as the selection lives.
        return rows.count < candidates / 2 ? rows.withUnsafeBufferPointer { Array($0) } : rows
    }

    func context(_ table: Table) -> CompileContext {
        var context = CompileContext(
            table: table, source: source, asof: engine.currentAsof, parameters: engine.parameters)
        context.faults = faults
        if table.entityIndex != nil {
            context.predictive = engine.predictive
            context.modelIsStale = engine.modelIsStale
            context.profile = try? engine.profile()
        }
        return context
    }

    func error(_ code: String, _ message: String, _ span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, message: message, span: span, in: source, hint: hint)
    }

    /// The column an item produces; its name is the given one, the column's own, or the expression's text.
    func materialize(_ item: NamedExpression, _ table: Table, context given: CompileContext? = nil) throws(Diagnostic)
        -> Column
    {
        let ctx = given ?? context(table)
        // A stored column is itself: its arrays are shared, not copied row by row.
        if case .column(let columnName, _) = item.expression, let column = ctx.table.column(columnName) {
            return column.renamed(name(of: item))
        }
        let vector = try ExpressionCompiler.compile(item.expression, ctx)
        return vector.materialize(name: name(of: item), count: ctx.table.rowCount)
    }

    func name(of item: NamedExpression) -> String {
        if let name = item.name { return name }
        if case .column(let name, _) = item.expression { return name }
        if case .call(let fn, let args, _) = item.expression, args.isEmpty { return fn }
        let span = item.expression.span
        guard span.start >= 0, span.end <= source.bytes.count, span.start < span.end else { return "expr" }
        return source.text(of: span)
    }

    private func uniqueNames(_ columns: [Column]) -> [Column] {
        var seen: Set<String> = []
        return columns.map { column in
            var name = column.name
            var n = 2
            while seen.contains(name.lowercased()) {
                name = "\(column.name)_\(n)"
                n += 1
            }
            seen.insert(name.lowercased())
            return column.renamed(name)
        }
    }

    /// group KEYS | agg ITEMS (or agg alone, one row).
    func aggregate(_ table: Table, keys: [NamedExpression], items: [NamedExpression], selection: [Int]? = nil)
        throws(Diagnostic) -> Table
    {
        var keyColumns: [Column] = []
        for key in keys { keyColumns.append(try materialize(key, table)) }
        if let selection { keyColumns = keyColumns.map { $0.gather(selection) } }
        let rows = selection?.count ?? table.rowCount
        var groups = keys.isEmpty ? GroupIndex.single(rows: rows) : GroupIndex.build(keys: keyColumns, rows: rows)
        let keyTable = Table(
            name: table.name, columns: keyColumns.map { $0.gather(groups.firstRows) }, rowCount: groups.count)
        // Aggregates read the unfiltered table, so each group's members become original row numbers.
        if let selection { groups = groups.mapped(to: selection) }
        let aggregation = CompileContext.Aggregation(
            rows: table, groups: groups, profile: table.entityIndex == nil ? nil : try engine.profile(),
            settings: engine.retentionSettings)
        let ctx = CompileContext(
            table: keyTable, source: source, asof: engine.currentAsof, parameters: engine.parameters,
            aggregation: aggregation, faults: faults)
        var columns = keyTable.columns
        for item in items { columns.append(try materialize(item, keyTable, context: ctx)) }
        return Table(name: table.name, columns: uniqueNames(columns), rowCount: groups.count)
    }

    /// The rows (of the selection, or of the whole table) in sorted order; the table itself is not copied.
    /// The rows in sort order (stable), or only the first `limit` of them.
    func sortedRows(_ table: Table, _ keys: [SortKey], _ selection: [Int]?, limit: Int? = nil) throws(Diagnostic)
        -> [Int]
    {
        var columns: [Column] = []
        for key in keys {
            var column = try materialize(NamedExpression(name: "key", expression: key.expression), table)
            if let selection { column = column.gather(selection) }
            columns.append(column)
        }
        let order = Sorting.permutation(columns, descending: keys.map(\.descending), limit: limit)
        guard let selection else { return order }
        return order.map { selection[$0] }
    }
}
