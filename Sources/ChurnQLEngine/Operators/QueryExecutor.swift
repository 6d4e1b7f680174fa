import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// Runs a bound plan over the store, one step at a time. Names and types were checked by the binder before the
/// first step; the compilers keep their checks as a guard.
struct QueryExecutor {
    let engine: Engine
    let source: SourceText
    /// Faults met by this query's row closures (overflow, dates beyond the calendar), thrown after the step.
    let faults = EvaluationFaults()
    /// The views this statement has computed.
    let memo: ViewMemo

    init(engine: Engine, source: SourceText, memo: ViewMemo = ViewMemo()) {
        self.engine = engine
        self.source = source
        self.memo = memo
    }

    /// Computes the views the plan reads (deepest first, each once), then the plan.
    /// `rowsAfterStep(k, n)`: after plan step k (0: the scan) there are n rows, for `explain`.
    func run(_ bound: BoundQuery, rowsAfterStep: ((Int, Int) -> Void)? = nil) throws(Diagnostic) -> Table {
        for view in bound.views where memo[view.definition] == nil {
            let executor = QueryExecutor(engine: engine, source: view.definition.source, memo: memo)
            memo[view.definition] = try executor.run(view.plan)
        }
        return try run(bound.plan, rowsAfterStep: rowsAfterStep)
    }

    func run(_ plan: LogicalPlan, rowsAfterStep: ((Int, Int) -> Void)? = nil) throws(Diagnostic) -> Table {
        var table = Table(name: plan.sourceName, columns: [])
        // Rows are only selected by filters, sorts and limits; the table is gathered when a step needs whole
        // columns, so where → group/agg/count never copies the columns it does not read.
        var selection: [Int]?
        let stop = StopCheck()
        for (index, step) in plan.steps.enumerated() {
            try engine.checkCancelled()
            engine.stepsExecuted += 1
            switch step.op {
            case .filter, .aggregate, .sort, .limit, .scan: break
            default:
                if let rows = selection {
                    table = try table.gather(rows, stop: stop)
                    selection = nil
                }
            }
            switch step.op {
            case .scan(let from, let columns):
                table = try resolve(from, needing: columns)
            case .filter(let predicate):
                let compiled = try ExpressionCompiler.compile(predicate.syntax, context(table))
                if case .boolean(let test) = compiled {
                    selection = try Self.rows(of: selection, rowCount: table.rowCount, where: test)
                } else {
                    // `where null` keeps nothing (the binder allows only true/false or null).
                    selection = []
                }
            case .project(let items):
                let ctx = context(table)
                var columns: [Column] = []
                for item in items { columns.append(try materialize(item, table, context: ctx)) }
                table = Table(
                    name: table.name, columns: columns, rowCount: table.rowCount, entityIndex: table.entityIndex)
            case .extend(let items):
                for item in items {
                    let column = try materialize(item, table)
                    if let i = table.columns.firstIndex(where: { $0.name.lowercased() == column.name.lowercased() }) {
                        table.columns[i] = column
                    } else {
                        table.columns.append(column)
                    }
                }
            case .aggregate(let keys, let items):
                table = try aggregate(table, keys: keys, items: items, selection: selection)
                selection = nil
            case .sort(let keys, let limit):
                selection = try sortedRows(table, keys, selection, limit: limit)
            case .limit(let n):
                let rows = selection ?? Array(0..<Swift.min(n, table.rowCount))
                selection = Array(rows.prefix(n))
            case .distinct(let names):
                let keys = names.isEmpty ? table.columns : names.compactMap { table.column($0) }
                let groups = try GroupIndex.grouping(keys: keys, rows: table.rowCount)
                table =
                    names.isEmpty
                    ? try table.gather(groups.firstRows, stop: stop)
                    : try Table(name: table.name, columns: keys, rowCount: table.rowCount)
                        .gather(groups.firstRows, stop: stop)
            case .join(let other, let on, let kind):
                let right = try resolve(other, needing: nil)
                table = try Join.run(
                    left: table, right: right, on: on, kind: kind, span: step.spans.first ?? .none,
                    context: context(table), limit: engine.rowLimit)
            case .rfm:
                table = try RFM.apply(table, span: step.spans.first ?? .none, context: context(table))
            case .histogram(let value, let bins):
                table = try Histogram.build(table, value.syntax, bins: bins, context: context(table))
            }
            // A step stopped by Ctrl-C may have left a partial value: it goes no further.
            try stop()
            try faults.check()
            rowsAfterStep?(index, selection?.count ?? table.rowCount)
        }
        if let rows = selection { table = try table.gather(rows, stop: stop) }
        return table
    }

    /// A plan's source: a table, the derived customers table (only the columns the plan reads, when it says), or
    /// a view computed earlier in this statement.
    private func resolve(_ from: PlanSource, needing columns: Set<String>?) throws(Diagnostic) -> Table {
        switch from {
        case .customers: return try engine.customersTable(needing: columns)
        case .table(let name):
            if let table = engine.catalog[name] { return table }
        case .view(let view):
            if let table = memo[view] { return table }
        }
        throw Diagnostic(code: "internal", message: "a source of the plan is missing", hint: "run the statement again")
    }

    /// The rows (of the selection, or all of them) where `test` is true, written in place rather than appended:
    /// on millions of rows the append's checks cost more than the test.
    static func rows(of selection: [Int]?, rowCount: Int, where test: (Int) -> Bool?) throws(Diagnostic) -> [Int] {
        let candidates = selection?.count ?? rowCount
        let stop = StopCheck()
        let rows = [Int](unsafeUninitializedCapacity: candidates) { buffer, kept in
            var count = 0
            _ = stop.chunksUnlessStopped(candidates) { chunk in
                if let selection {
                    for position in chunk where test(selection[position]) == true {
                        buffer[count] = selection[position]
                        count += 1
                    }
                } else {
                    for row in chunk where test(row) == true {
                        buffer[count] = row
                        count += 1
                    }
                }
            }
            kept = count
        }
        try stop()
        // A selective test would otherwise keep room for every candidate for as long as the selection lives.
        return rows.count < candidates / 2 ? rows.withUnsafeBufferPointer { Array($0) } : rows
    }

    private func profileSource() -> CompileContext.ProfileSource {
        CompileContext.ProfileSource { [engine] () throws(Diagnostic) in try engine.profile() }
    }

    func context(_ table: Table) -> CompileContext {
        var context = CompileContext(
            table: table, source: source, asof: engine.currentAsof, parameters: engine.parameters)
        context.faults = faults
        if table.entityIndex != nil {
            context.predictive = engine.predictive
            context.modelIsStale = engine.modelIsStale
            context.profile = profileSource()
        }
        return context
    }

    /// The column an item produces, under the name the binder gave it; with `rows`, only for those rows (in
    /// that order), so that rows a filter dropped are never evaluated (they could fail, e.g. a date out of range).
    func materialize(
        _ item: BoundItem, _ table: Table, context given: CompileContext? = nil, rows: [Int]? = nil
    ) throws(Diagnostic) -> Column {
        let ctx = given ?? context(table)
        // A stored column is itself: its arrays are shared, not copied row by row.
        if case .column(let columnName, _) = item.expression.syntax, let column = ctx.table.column(columnName) {
            guard let rows else { return column.renamed(item.name) }
            return try column.gather(rows, stop: StopCheck()).renamed(item.name)
        }
        let vector = try ExpressionCompiler.compile(item.expression.syntax, ctx)
        guard let rows else {
            return try vector.materialize(name: item.name, count: ctx.table.rowCount, stop: StopCheck())
        }
        return try vector.gathered(rows).materialize(name: item.name, count: rows.count, stop: StopCheck())
    }

    /// group KEYS | agg ITEMS (or agg alone, one row).
    func aggregate(_ table: Table, keys: [BoundItem], items: [BoundItem], selection: [Int]? = nil)
        throws(Diagnostic) -> Table
    {
        var keyColumns: [Column] = []
        let rowContext = context(table)
        let rows = selection?.count ?? table.rowCount
        var groups: GroupIndex
        let keyTable: Table
        if let (key, computed) = try computedIntegerGroups(keys, rowContext, selection) {
            groups = computed
            keyTable = Table(name: table.name, columns: [key], rowCount: groups.count)
        } else {
            for key in keys { keyColumns.append(try materialize(key, table, context: rowContext, rows: selection)) }
            groups =
                keys.isEmpty
                ? GroupIndex.single(rows: rows) : try GroupIndex.grouping(keys: keyColumns, rows: rows)
            var keys: [Column] = []
            for column in keyColumns { keys.append(try column.gather(groups.firstRows, stop: StopCheck())) }
            keyTable = Table(name: table.name, columns: keys, rowCount: groups.count)
        }
        // Aggregates read the unfiltered table, so each group's members become original row numbers.
        if let selection { groups = groups.mapped(to: selection) }
        let aggregation = CompileContext.Aggregation(
            rows: table, groups: groups, profile: table.entityIndex == nil ? nil : profileSource(),
            settings: engine.retentionSettings)
        var ctx = CompileContext(
            table: keyTable, source: source, asof: engine.currentAsof, parameters: engine.parameters,
            aggregation: aggregation, faults: faults)
        ctx.predictive = rowContext.predictive
        ctx.modelIsStale = rowContext.modelIsStale
        var columns = keyTable.columns
        for item in items { columns.append(try materialize(item, keyTable, context: ctx)) }
        return Table(name: table.name, columns: columns, rowCount: groups.count)
    }

    /// One computed integer key (`group y = year(first_order)`): the groups straight from the expression and only
    /// the groups' key values written; nil for any other key (or values spanning too wide a range).
    private func computedIntegerGroups(_ keys: [BoundItem], _ ctx: CompileContext, _ selection: [Int]?)
        throws(Diagnostic) -> (Column, GroupIndex)?
    {
        guard keys.count == 1 else { return nil }
        if case .column(let name, _) = keys[0].expression.syntax, ctx.table.column(name) != nil { return nil }
        let vector = try ExpressionCompiler.compile(keys[0].expression.syntax, ctx)
        guard case .integer = vector else { return nil }
        let read = selection.map { vector.gathered($0) } ?? vector
        guard case .integer(let value) = read,
            let groups = try GroupIndex.build(integer: value, rows: selection?.count ?? ctx.table.rowCount)
        else { return nil }
        return (read.gathered(groups.firstRows).materialize(name: keys[0].name, count: groups.count), groups)
    }

    /// The rows (of the selection, or of the whole table) in sort order (stable), or only the first `limit`.
    func sortedRows(_ table: Table, _ keys: [BoundSortKey], _ selection: [Int]?, limit: Int? = nil)
        throws(Diagnostic) -> [Int]
    {
        var columns: [Column] = []
        let ctx = context(table)
        // A few rows of a selection by stored columns: read them through the selection, copy nothing.
        if let selection, let limit, limit < selection.count / 4 {
            let stored = keys.compactMap { key -> Column? in
                guard case .column(let name, _) = key.expression.syntax else { return nil }
                return table.column(name)
            }
            if stored.count == keys.count, !stored.isEmpty {
                let stop = StopCheck()
                let positions = SelectedTopRows.positions(
                    stored, descending: keys.map(\.descending), limit: limit, of: selection, stop: stop)
                // A stopped selection saw only some of the rows.
                try stop()
                return positions.map { selection[$0] }
            }
        }
        for key in keys {
            columns.append(
                try materialize(
                    BoundItem(name: "key", expression: key.expression), table, context: ctx, rows: selection))
        }
        var order = try Sorting.order(columns, descending: keys.map(\.descending), limit: limit)
        // The permutation may order every row when the limit is a large share of them.
        if let limit, order.count > limit { order = Array(order.prefix(limit)) }
        guard let selection else { return order }
        return order.map { selection[$0] }
    }
}

/// The views computed during one statement, so that a view read several times (a self-join, a shared base of
/// several views) runs once. Definitions never change, so one is its own key; the memo keeps it alive.
final class ViewMemo {
    private var tables: [ObjectIdentifier: (view: ViewDefinition, table: Table)] = [:]

    subscript(view: ViewDefinition) -> Table? {
        get { tables[ObjectIdentifier(view)]?.table }
        set { tables[ObjectIdentifier(view)] = newValue.map { (view, $0) } }
    }
}
