/// The type of a column or of an expression's value.
public enum DataType: String, Sendable, CaseIterable {
    case integer, decimal, boolean, date, timestamp, text
    /// The type of a literal `null` before context gives it one.
    case null
    /// A calendar length such as `90d` or `6mo`; only as a value, never as a column.
    case duration

    /// Integer and decimal columns.
    public var isNumeric: Bool { self == .integer || self == .decimal }

    /// The type of a column holding values of this type: null and duration values are stored as text.
    public var storedType: DataType { self == .null || self == .duration ? .text : self }
}
