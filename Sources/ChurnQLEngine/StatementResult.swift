import ChurnQLDiagnostics
import ChurnQLSnapshot
import ChurnQLStore

/// What a statement produced, for the front end to render.
public enum StatementResult {
    /// A result table (queries, tables, describe, show settings).
    case table(Table)
    /// Text for standard output (print, explain).
    case text(String)
    /// Messages for standard error (load reports, settings changes).
    case notes([String])
    /// A table the front end writes to a file (export).
    case export(Table, path: String)
    /// A session snapshot the front end writes to a file (save), with notes on what it leaves out.
    case snapshot(SnapshotContents, path: String, notes: [String])
    /// A cohort analysis: the long table (csv/json) and the matrix (drawn as a heatmap in table mode).
    case cohort(Table, CohortMatrix)
    /// Several titled tables and notes (model fits, evaluations).
    case report([(title: String, table: Table)], notes: [String], chart: ChartSpec? = nil)
    /// Workbench sections: titled short lists for the terminal, and the long form for csv/json.
    case workbench([(title: String, table: Table)], long: [(String, Table)], notes: [String])
    case nothing
    /// A result to show, then an error (`verify` prints its table and fails when a figure differs).
    indirect case failed(StatementResult, Diagnostic)
}

/// A line chart drawn under a report on a terminal.
public struct ChartSpec {
    public var title: String
    public var series: [(name: String, values: [Double], mark: Character)]
    public var xLabel: String
}
