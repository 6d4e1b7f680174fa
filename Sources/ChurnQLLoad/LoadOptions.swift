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
    /// Columns kept as text whatever their values look like (the `customer:` option; columns named like customer
    /// keys and order ids always are).
    public var keyColumns: [String] = []
    /// Columns that must hold numbers (the `amount:` option; columns named like amounts, quantities, prices and
    /// profits always must): a value that is not a number is an error, a skipped row or a null, never text.
    public var numericColumns: [String] = []
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
