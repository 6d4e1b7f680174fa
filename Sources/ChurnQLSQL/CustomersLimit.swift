/// Why the derived customers table cannot be written in SQL for a session. Some limits concern only the
/// customers table's own columns (its attributes, its status rule); others concern how the orders are read, and
/// so also stop what reads the orders without the customers table (fits, `churn`, `cohort`).
public enum CustomersLimit: Sendable, Equatable {
    /// An attributes table joined in memory (a key_match other than exact, or a table outside the orders' database).
    case attributesInMemory
    /// `set lost_when = …`: a status rule the SQL does not write.
    case lostWhenRule
    /// Order dates that are timestamps outside a server (other dialects are not told the zone).
    case orderTimestamps
    /// An amount column that is not numeric.
    case textAmount
    /// Revenue as quantity × unit price.
    case quantityTimesPrice

    public var reason: String {
        switch self {
        case .attributesInMemory: return "the customers table with an attributes table in memory (key matching)"
        case .lostWhenRule: return "the customers table under a lost_when rule"
        case .orderTimestamps: return "the customers table over order timestamps"
        case .textAmount: return "revenue from a text amount column"
        case .quantityTimesPrice: return "revenue from quantity × unit price"
        }
    }

    /// Whether the limit is in how the orders are read (true), not only in the customers table's columns.
    public var concernsOrders: Bool {
        switch self {
        case .attributesInMemory, .lostWhenRule: return false
        case .orderTimestamps, .textAmount, .quantityTimesPrice: return true
        }
    }
}
