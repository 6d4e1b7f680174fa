import ChurnQLDiagnostics
import Foundation
import ChurnQLPlanner
import ChurnQLPostgres
import ChurnQLSQL
import ChurnQLStore

/// Queries over attached tables: the bound plan is compiled to PostgreSQL's SQL and run on the server with its
/// literals as bind parameters; only the result comes back, row by row, into a table.
extension Engine {
    /// Results larger than this many cells are stopped: a query that would pull a whole table of orders.
    static let serverResultCellLimit = 250_000_000

    /// The database a plan runs on, nil when it reads only memory. A plan that reads both, or two databases, is
    /// refused at the step that reads the second place.
    func serverRunning(_ bound: BoundQuery) throws(Diagnostic) -> Attachment? {
        guard !attachments.isEmpty else { return nil }
        var place: (attachment: Attachment?, span: SourceSpan, name: String)?
        let plans = bound.views.map(\.plan) + [bound.plan]
        for plan in plans {
            for step in plan.steps {
                let source: PlanSource
                switch step.op {
                case .scan(let from, _): source = from
                case .join(let from, _, _): source = from
                default: continue
                }
                let here: (Attachment?, String)
                switch source {
                case .view: continue
                case .table(let name): here = (remoteTable(name)?.attachment, name)
                case .customers: here = (ordersAttachment, "customers")
                }
                let span = step.spans.first ?? .none
                guard let first = place else {
                    place = (here.0, span, here.1)
                    continue
                }
                if first.attachment !== here.0 {
                    func where_(_ a: Attachment?, _ name: String) -> String {
                        a.map { "'\(name)' is on \($0.name)" } ?? "'\(name)' is in memory"
                    }
                    throw Diagnostic(
                        code: "mixed-sources",
                        message:
                            "\(where_(here.0, here.1)) but \(where_(first.attachment, first.name)): a query reads one place",
                        span: span, in: plan.source,
                        hint: "copy the server table into memory first: load \"postgresql://…\" table NAME")
                }
            }
        }
        return place?.attachment
    }

    /// Runs the plan on the attachment's server and reads its result.
    func runOnServer(_ bound: BoundQuery, _ attachment: Attachment) throws(Diagnostic) -> Table {
        let sql: SQLText
        do {
            sql = try SQLCompiler.compile(bound: bound, dialect: .postgres, context: sqlContext())
        } catch {
            guard error.code == "not-in-sql" else { throw error }
            var located = error
            located.code = "not-on-server"
            located.message = error.message.replacingOccurrences(
                of: "cannot be compiled to postgres SQL yet", with: "cannot run on the server yet")
            located.hint =
                "copy the rows in and run it in memory: load \"postgresql://…\" table NAME (or `export` a narrowed "
                + "result and load that)"
            throw located
        }
        // The protocol numbers bind parameters with 16 bits.
        guard sql.parameters.count <= 65_535 else {
            throw Diagnostic(
                code: "too-many-values",
                message:
                    "the query has \(sql.parameters.count) values, and PostgreSQL takes at most 65,535 bind parameters",
                span: bound.plan.steps.first?.spans.first ?? .none, in: bound.plan.source,
                hint: "load the list as a table on the server and join it, or split the query")
        }
        return try serverTable(sql, bound.plan.schema, attachment, source: bound.plan.source) { position in
            Self.step(at: position, in: sql.parameterizedText, bound.plan)
        }
    }

    /// The span of the plan step whose CTE holds character `position` (1-based, as the server reports it) of
    /// the query text; the first step's when it is elsewhere or unknown.
    static func step(at position: Int?, in text: String, _ plan: LogicalPlan) -> SourceSpan {
        let first = plan.steps.first?.spans.first ?? .none
        guard let position, position > 0 else { return first }
        let before = String(text.prefix(position))
        // CTEs of the statement's own steps are named `"step_N_…" AS (`; a view's carry its name first.
        guard
            let marker = before.range(of: "\n\"step_", options: .backwards)
                ?? before.range(of: "\"step_", options: .backwards)
        else {
            return first
        }
        let digits = before[marker.upperBound...].prefix { $0.isNumber }
        guard let n = Int(digits), n >= 1, n <= plan.steps.count else { return first }
        return plan.steps[n - 1].spans.first ?? first
    }
}

/// Collects a server's result into columns of the plan's types, refusing values that would change on the way
/// (a date the server writes as 'infinity', a fraction where the plan has an integer).
struct ServerResultReader {
    let schema: Schema
    let cellLimit: Int
    private var builders: [ColumnBuilder]
    private var serverTypes: [DataType] = []
    private var names: [String] = []
    private var rows = 0

    init(schema: Schema, cellLimit: Int) {
        self.schema = schema
        self.cellLimit = cellLimit
        builders = schema.columns.map { ColumnBuilder(type: $0.type) }
    }

    mutating func describe(_ columns: [PostgresColumn]) throws(PostgresError) {
        guard columns.count == schema.columns.count else {
            throw PostgresError(
                .protocolError, "the server answered with \(columns.count) columns, not \(schema.columns.count)")
        }
        serverTypes = columns.map(\.type)
        names = columns.map(\.name)
    }

    mutating func append(_ row: PostgresRow) throws(PostgresError) {
        rows += 1
        guard rows * max(1, builders.count) <= cellLimit else {
            throw PostgresError(
                .value, "the result has more than \(cellLimit / max(1, builders.count)) rows",
                hint: "narrow it on the server: add `where`, `group`/`agg` or `take`")
        }
        for i in builders.indices {
            guard let text = row.text(i) else {
                builders[i].append(.null)
                continue
            }
            guard let value = PostgresTypes.value(text, serverTypes[i]),
                let converted = Self.convert(value, to: builders[i].type)
            else {
                throw PostgresError(
                    .value,
                    "the value '\(text.prefix(40))' of column '\(names[i])' cannot be read as \(builders[i].type.rawValue)",
                    hint: "convert it on the server, or leave the column out")
            }
            builders[i].append(converted)
        }
    }

    /// The value in the plan's type, nil when it cannot be without changing it.
    static func convert(_ value: Value, to type: DataType) -> Value? {
        switch (value, type) {
        case (.decimal(let x), .integer):
            guard x.rounded() == x, abs(x) < 9.2e18 else { return nil }
            return .integer(Int64(x))
        case (.integer(let n), .decimal): return .decimal(Double(n))
        case (.integer, .integer), (.decimal, .decimal), (.boolean, .boolean), (.date, .date), (.timestamp, .timestamp):
            return value
        case (.timestamp(let seconds), .date): return .date(Dates.day(ofTimestamp: seconds))
        case (_, .text), (_, .null): return .text(value.plainText)
        default: return nil
        }
    }

    func table(name: String) -> Table {
        let columns = zip(builders, schema.columns).map { builder, column in builder.build(name: column.name) }
        return Table(name: name, columns: columns, rowCount: rows)
    }
}
