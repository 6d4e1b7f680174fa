import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLPostgres
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax

/// `churn` and `cohort` over attached orders: one query each on the server (SQLRetentionStatements), after one
/// small query for the orders' date range, which fixes asof and checks the number of periods first.
extension Engine {
    func serverChurnRows(_ period: Period, span: SourceSpan, source: SourceText?) throws(Diagnostic)
        -> [ChurnPeriodRow]
    {
        let (attachment, asof) = try serverPeriods(period, statement: "churn", span: span, source: source)
        let sql = try SQLRetentionStatements.churnSeries(
            period, asof: asof, dialect: .postgres, context: sqlContext(), span: span,
            source: source ?? SourceText(name: nil, text: ""))
        let schema = Schema(
            tableName: "churn",
            columns: [
                ColumnSchema("period_start", .date), ColumnSchema("base", .integer),
                ColumnSchema("churned", .integer), ColumnSchema("new", .integer),
                ColumnSchema("reactivated", .integer), ColumnSchema("churn_rate", .decimal),
                ColumnSchema("retention_rate", .decimal),
            ])
        let table = try serverTable(sql, schema, attachment, source: source) { _ in span }
        return (0..<table.rowCount).map { row in
            func int(_ i: Int) -> Int {
                if case .integer(let n) = table.columns[i].value(at: row) { return Int(n) }
                return 0
            }
            guard case .date(let start) = table.columns[0].value(at: row) else {
                return ChurnPeriodRow(periodStart: 0, base: 0, churned: 0, new: 0, reactivated: 0)
            }
            return ChurnPeriodRow(periodStart: start, base: int(1), churned: int(2), new: int(3), reactivated: int(4))
        }
    }

    func serverCohortCells(_ period: Period, span: SourceSpan, source: SourceText?) throws(Diagnostic)
        -> [CohortCell]
    {
        let (attachment, asof) = try serverPeriods(period, statement: "cohort", span: span, source: source)
        let sql = try SQLRetentionStatements.cohorts(
            period, asof: asof, dialect: .postgres, context: sqlContext(), span: span,
            source: source ?? SourceText(name: nil, text: ""))
        let schema = Schema(
            tableName: "cohort",
            columns: [
                ColumnSchema("cohort_start", .date), ColumnSchema("period", .integer), ColumnSchema("size", .integer),
                ColumnSchema("active", .integer), ColumnSchema("revenue", .decimal),
            ])
        let table = try serverTable(sql, schema, attachment, source: source) { _ in span }
        return (0..<table.rowCount).compactMap { row in
            guard case .date(let start) = table.columns[0].value(at: row),
                case .integer(let k) = table.columns[1].value(at: row),
                case .integer(let size) = table.columns[2].value(at: row),
                case .integer(let active) = table.columns[3].value(at: row),
                case .decimal(let revenue) = table.columns[4].value(at: row)
            else { return nil }
            return CohortCell(
                cohortStart: start, period: Int(k), size: Int(size), active: Int(active), revenue: revenue)
        }
    }

    /// The attachment and asof for a statement over calendar periods; refuses more than `periodLimit` periods.
    private func serverPeriods(_ period: Period, statement: String, span: SourceSpan, source: SourceText?)
        throws(Diagnostic) -> (Attachment, Int32)
    {
        guard let attachment = ordersAttachment, let range = try serverDateRange(), let first = range.first else {
            throw Self.noOrders
        }
        let asof = asofOverride ?? range.last
        let calendar = CalendarPeriod(rawValue: period.rawValue) ?? .monthly
        let count = calendar.distance(from: first, to: asof) + 1
        if count > Self.periodLimit {
            throw Diagnostic(
                code: "too-many-periods",
                message:
                    "\(statement) \(period.rawValue) would cover \(count) periods from \(Dates.format(first)) to asof \(Dates.format(asof)), more than \(Self.periodLimit)",
                span: span, in: source, hint: "set asof nearer the data (set asof = …), or use a longer period")
        }
        return (attachment, asof)
    }

    /// Runs compiled SQL on the attachment's server into a table of `schema`; a server error is located where
    /// `locate` puts the character position the server names (nil when it names none).
    func serverTable(
        _ sql: SQLText, _ schema: Schema, _ attachment: Attachment, source: SourceText?,
        locate: (Int?) -> SourceSpan
    ) throws(Diagnostic) -> Table {
        var reader = ServerResultReader(schema: schema, cellLimit: Self.serverResultCellLimit)
        do throws(PostgresError) {
            try attachment.connection.query(
                sql.parameterizedText, parameters: sql.parameters, isCancelled: isCancelled,
                columns: { columns throws(PostgresError) in try reader.describe(columns) },
                row: { row throws(PostgresError) in try reader.append(row) })
        } catch {
            throw error.diagnostic(
                span: locate(error.position), in: source, server: attachment.connection.displayName)
        }
        return reader.table(name: schema.tableName)
    }
}
