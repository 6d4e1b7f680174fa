import ChurnQLStore

/// Columns that name customers or orders. Their values are identifiers, so they are kept as text exactly as
/// written: read as numbers or dates, `10.1` and `10.10` would become one customer and `20230115` a date.
public enum KeyColumns {
    /// Whether a column of this name is a customer key or an order id by the role detector's name lists.
    public static func isKeyName(_ name: String) -> Bool {
        let normalized = RoleDetector.normalize(name)
        return RoleDetector.customerNames.contains(normalized) || RoleDetector.orderIDNames.contains(normalized)
    }

    /// How a key column is stored: text, except an order id column whose every value is a plain integer. Such ids
    /// keep their exact text as integers, and at 10 million orders a dictionary of distinct ids took 2.5 times the
    /// load time and 3 times the memory.
    static func kind(name: String, explicit: Bool, sniffer: TypeSniffer) -> ColumnKind {
        let normalized = RoleDetector.normalize(name)
        let orderIDOnly =
            !explicit && RoleDetector.orderIDNames.contains(normalized)
            && !RoleDetector.customerNames.contains(normalized)
        return orderIDOnly && sniffer.nonNull > 0 && sniffer.canonicalInteger ? .integerID : .text
    }

    /// The table with its integer key columns (order ids that are all plain integers) marked as identifiers, so
    /// tables print them as written.
    public static func markingIdentifiers(_ table: Table) -> Table {
        var table = table
        for i in table.columns.indices where table.columns[i].type == .integer && isKeyName(table.columns[i].name) {
            table.columns[i].isIdentifier = true
        }
        return table
    }

    /// The indices of the key columns among `names`: those named like keys, and those named in `explicit`
    /// (the `customer:` load option), compared without regard to case.
    static func indices(names: [String], explicit: [String]) -> Set<Int> {
        let wanted = Set(explicit.map { $0.lowercased() })
        return Set(names.indices.filter { isKeyName(names[$0]) || wanted.contains(names[$0].lowercased()) })
    }
}
