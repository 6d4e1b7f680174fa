import ChurnQLDiagnostics
import ChurnQLStore

/// Options that override what loading would guess; given as `load "f" with (key: value, …)`.
public struct LoadOptions: Sendable {
    /// One byte: `,` `;` `\t` `|` or any other single ASCII character.
    public var delimiter: UInt8?
    public var header: Bool?
    public var dateFormat: String?
    /// Extra tokens read as null besides empty, NA, NULL and N/A.
    public var nullTokens: [String] = []
    public var skipBadRows = false
    /// A `.sql` dump's budgets (`timeout`, `memory_mb`): a runaway statement stops with an error naming its line.
    public var dumpLimits = DumpLimits()

    public init() {}
}

/// A table that was loaded, with what loading noticed (warnings, skipped rows, guesses).
public struct LoadedTable: Sendable {
    public var table: Table
    public var notes: [Diagnostic]
    public init(table: Table, notes: [Diagnostic] = []) {
        self.table = table
        self.notes = notes
    }
}
