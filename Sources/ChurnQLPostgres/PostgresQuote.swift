/// Identifiers in the SQL churnql writes itself (catalogue reads, COPY): always double-quoted, quotes doubled.
public enum PostgresQuote {
    public static func identifier(_ name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
