import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// What an expression can see while it is compiled: the table's columns, settings and parameters, and, inside
/// `agg`, the rows of each group.
struct CompileContext {
    let table: Table
    let source: SourceText
    let asof: Int32?
    let parameters: [String: Value]
    /// Set inside `agg`: aggregates read the input rows grouped by `groups`; plain columns read `table` (keys).
    var aggregation: Aggregation?
    /// Fitted models and the customer profile, for prediction functions.
    var predictive: PredictiveState?
    /// A model was fitted on other data: prediction functions say so instead of "fit first".
    var modelIsStale = false
    /// The customer profile, made only when a function needs it: a query that reads only stored columns (a
    /// reopened snapshot's customers table) then never reads the order history.
    var profile: ProfileSource?
    /// Shared by every context of one statement; the step that evaluates rows throws the first fault.
    var faults = EvaluationFaults()

    struct Aggregation {
        let rows: Table
        let groups: GroupIndex
        let profile: ProfileSource?
        let settings: RetentionSettings?
    }

    /// Asks for the profile when first called; an error (say, Ctrl-C while it is built) is the caller's.
    struct ProfileSource {
        let make: () throws(Diagnostic) -> CustomerProfile
        func callAsFunction() throws(Diagnostic) -> CustomerProfile { try make() }
    }

    func error(_ code: String, _ message: String, _ span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, message: message, span: span, in: source, hint: hint)
    }

    /// The error for a name that is not a column, with the closest column as a hint.
    func unknownColumn(_ name: String, _ span: SourceSpan) -> Diagnostic {
        Schema(of: table).unknownColumn(name, span, in: source)
    }
}
