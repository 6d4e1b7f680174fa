import ChurnQLDiagnostics
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
    var profile: CustomerProfile?
    /// Shared by every context of one statement; the step that evaluates rows throws the first fault.
    var faults = EvaluationFaults()

    struct Aggregation {
        let rows: Table
        let groups: GroupIndex
        let profile: CustomerProfile?
        let settings: RetentionSettings?
    }

    func error(_ code: String, _ message: String, _ span: SourceSpan, hint: String? = nil) -> Diagnostic {
        Diagnostic(code: code, message: message, span: span, in: source, hint: hint)
    }

    /// The error for a name that is not a column, with the closest column as a hint.
    func unknownColumn(_ name: String, _ span: SourceSpan) -> Diagnostic {
        let names = table.columnNames.filter { !$0.hasPrefix("__") }
        if name == "p_alive" && names.contains("frequency") {
            // A customers table without p_alive: no model, or one fitted on other orders or past asof (stale).
            return error(
                "no-model", "p_alive needs a transaction model fitted on the current data", span,
                hint: "fit bgnbd (a model fitted before a reload, or calibrated past asof, is stale: fit again)")
        }
        if let suggestion = Suggestions.closest(to: name, in: names) {
            return error(
                "unknown-column", "unknown column '\(name)'; did you mean '\(suggestion)'?", span,
                hint: "columns of \(table.name): \(Self.preview(names))")
        }
        return error(
            "unknown-column", "unknown column '\(name)'", span, hint: "columns of \(table.name): \(Self.preview(names))"
        )
    }

    static func preview(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", …"
    }
}
