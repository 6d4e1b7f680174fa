import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// The checks and output schemas of the steps that are not expressions: shared by the binder, which applies
/// them before any data is read, and the engine's operators, which keep them as a guard.
public enum StepRules {
    /// A join may not produce wider rows than this.
    public static let joinColumnLimit = 10_000

    public static func groupNeedsAgg(_ span: SourceSpan, in source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "group-needs-agg", message: "'group' must be followed by '| agg …' or '| count'", span: span,
            in: source, hint: "… | group status | agg n = count()")
    }

    public static func whereNeedsCondition(_ type: DataType, _ span: SourceSpan, in source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "type-mismatch", message: "'where' needs a true/false condition, not \(type.rawValue)", span: span,
            in: source, hint: "compare it: where revenue > 100")
    }

    public static func histogramNeedsNumbers(_ type: DataType, _ span: SourceSpan, in source: SourceText)
        -> Diagnostic
    {
        Diagnostic(
            code: "type-mismatch", message: "histogram needs numbers, not \(type.rawValue)", span: span, in: source,
            hint: "histogram purchase_cycle_days")
    }

    public static func takeNeedsCount(_ name: String, _ value: Value?, _ span: SourceSpan, in source: SourceText)
        -> Diagnostic
    {
        Diagnostic(
            code: "missing-parameter",
            message: "take needs a whole number, and $\(name) is \(value?.plainText ?? "not set")", span: span,
            in: source, hint: "--set \(name)=10, or param \(name) = 10 in the script")
    }

    /// The columns `rfm` scores, from the customers table.
    public static let rfmInputs = ["days_since_last", "frequency", "revenue"]

    public static func rfmNeeds(_ name: String, _ span: SourceSpan, in source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "needs-customers", message: "rfm needs the column '\(name)' of the customers table", span: span,
            in: source, hint: "from customers | rfm")
    }

    /// `rfm`'s output: the input with r/f/m scores, the rfm code and the segment (replacing columns so named).
    public static func rfmColumns(_ input: [ColumnSchema]) -> [ColumnSchema] {
        var columns = input
        for name in ["r_score", "f_score", "m_score"] {
            columns.removeAll { $0.name == name }
            columns.append(ColumnSchema(name, .integer))
        }
        columns.removeAll { $0.name == "rfm" || $0.name == "segment" }
        return columns + [ColumnSchema("rfm", .text), ColumnSchema("segment", .text)]
    }

    public static let histogramColumns = [
        ColumnSchema("from", .decimal), ColumnSchema("to", .decimal), ColumnSchema("n", .integer),
        ColumnSchema("share", .decimal), ColumnSchema("bar", .text),
    ]

    public static func joinMissingRight(_ name: String, right: Schema, _ span: SourceSpan, in source: SourceText)
        -> Diagnostic
    {
        let suggestion = Suggestions.closest(to: name, in: right.names)
        return Diagnostic(
            code: "unknown-column", message: "table \(right.tableName) has no column '\(name)'", span: span, in: source,
            hint: suggestion.map { "did you mean '\($0)'?" }
                ?? "columns of \(right.tableName): \(Schema.preview(right.names))")
    }

    public static func joinTooWide(_ width: Int, _ span: SourceSpan, in source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "result-too-large", message: "the join would produce \(width) columns, more than \(joinColumnLimit)",
            span: span, in: source,
            hint: "select the columns you need before joining: … | select customer_id, amount | join …")
    }

    /// A join's columns: the left's, then the right's except the keys, a name the left has taking the right
    /// table's name as a prefix.
    public static func joinColumns(left: Schema, right: Schema, on keys: [String]) -> [ColumnSchema] {
        let keyNames = Set(keys.map { $0.lowercased() })
        let taken = Set(left.names.map { $0.lowercased() })
        var columns = left.columns
        for column in right.columns where !keyNames.contains(column.name.lowercased()) {
            let name = taken.contains(column.name.lowercased()) ? "\(right.tableName)_\(column.name)" : column.name
            columns.append(ColumnSchema(name, column.type))
        }
        return columns
    }
}
