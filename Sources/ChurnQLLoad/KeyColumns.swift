/// Columns that name customers or orders. Their values are identifiers, so they are kept as text exactly as
/// written: read as numbers or dates, `10.1` and `10.10` would become one customer and `20230115` a date.
public enum KeyColumns {
    /// Whether a column of this name is a customer key or an order id by the role detector's name lists.
    public static func isKeyName(_ name: String) -> Bool {
        let normalized = RoleDetector.normalize(name)
        return RoleDetector.customerNames.contains(normalized) || RoleDetector.orderIDNames.contains(normalized)
    }

    /// The indices of the key columns among `names`: those named like keys, and those named in `explicit`
    /// (the `customer:` load option), compared without regard to case.
    static func indices(names: [String], explicit: [String]) -> Set<Int> {
        let wanted = Set(explicit.map { $0.lowercased() })
        return Set(names.indices.filter { isKeyName(names[$0]) || wanted.contains(names[$0].lowercased()) })
    }
}
