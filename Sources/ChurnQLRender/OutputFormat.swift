/// How result tables are printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    case table, csv, json, markdown, line
}
