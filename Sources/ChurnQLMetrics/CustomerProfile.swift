import ChurnQLStore

/// The derived `customers` table: one row per customer with the fixed retention columns, plus attribute
/// columns from a loaded customers table. Row i describes history customer i (its entity index). Each derived
/// column is computed when first asked for (on all cores) and kept: a query that reads two of them pays for two.
public struct CustomerProfile: Sendable {
    public let history: OrderHistory
    public let settings: RetentionSettings
    private let keyColumns: [Column]
    private let attributeColumns: [Column]
    private let derived: DerivedColumns

    /// The derived column names, in table order (after customer_id and attributes).
    public static let derivedColumns = [
        "first_order", "last_order", "orders", "purchase_days", "frequency", "revenue", "avg_order_value",
        "days_since_last", "tenure_days", "active_span_days", "purchase_cycle_days", "next_purchase", "overdue_days",
        "status", "is_new", "lifecycle", "reactivated",
    ]

    /// Builds the profile. `attributes` is a customers table and the name of its key column, whose keys match the
    /// orders' keys by `keyMatch`; `sharedMatch`, the orders' keys already matched to that column (the import
    /// report's), saves matching them again.
    public init(
        history baseHistory: OrderHistory, settings: RetentionSettings, keyName: String,
        attributes: (table: Table, key: String)?, keyMatch: KeyMatch = .exact, sharedMatch: KeyDictionaryMatch? = nil
    ) {
        var history = baseHistory
        var attributeColumns: [Column] = []
        if let attributes, let keyIndex = attributes.table.columnIndex(attributes.key) {
            let matched = Self.matchAttributes(
                history: &history, table: attributes.table, keyIndex: keyIndex, keyMatch: keyMatch,
                shared: sharedMatch)
            let taken = Set(Self.derivedColumns + ["customer_id", keyName.lowercased()])
            for (i, column) in attributes.table.columns.enumerated() where i != keyIndex {
                let name = taken.contains(column.name.lowercased()) ? "customer_\(column.name)" : column.name
                attributeColumns.append(column.gatherOptional(matched).renamed(name))
            }
        }
        var keyColumns = [history.keys.renamed("customer_id")]
        if keyName.lowercased() != "customer_id" { keyColumns.append(history.keys.renamed(keyName)) }
        self.history = history
        self.settings = settings
        self.keyColumns = keyColumns
        self.attributeColumns = attributeColumns
        self.derived = DerivedColumns(history: history, settings: settings)
    }

    /// The whole table.
    public var table: Table { table(columns: nil) }

    /// Every column name of the table, in order.
    public var columnNames: [String] { (keyColumns + attributeColumns).map(\.name) + Self.derivedColumns }

    /// The table with the key and attribute columns and, of the derived ones, those named in `needed`
    /// (lowercased; nil: all).
    public func table(columns needed: Set<String>?) -> Table {
        let names = Self.derivedColumns.filter { needed?.contains($0) ?? true }
        return Table(
            name: "customers", columns: keyColumns + attributeColumns + names.compactMap(derived.column),
            rowCount: history.customerCount, entityIndex: derived.entityIndex)
    }

    /// Distinct purchase days minus one, per customer (0 without orders).
    public var frequency: [Int64] { derived.frequency }

    /// Each customer's average days between purchase days.
    public var purchaseCycle: PurchaseCycles { PurchaseCycles(days: derived.cycle, missing: derived.noCycle) }

    /// Each customer's churn state for the period of `periodDays` ending at `asof`, kept for the next query.
    public func churnStates(asof: Int32, periodDays: Int, churnWindow: Int) -> [UInt8] {
        derived.churnStates(asof: asof, periodDays: periodDays, churnWindow: churnWindow)
    }

    /// For each history customer, the attribute-table row describing it (-1 if none); customers that appear only
    /// in the attribute table are appended to the history with no orders. Under a loose `keyMatch` several order
    /// keys may share one form (`42` and `042`): they stay distinct customers, and each gets the row. `shared` is
    /// the orders' match to this key column, used when the history's keys share the orders' dictionary.
    private static func matchAttributes(
        history: inout OrderHistory, table: Table, keyIndex: Int, keyMatch: KeyMatch, shared: KeyDictionaryMatch?
    ) -> [Int] {
        let keyColumn = table.columns[keyIndex]
        let sharedRows = shared.flatMap {
            $0.mode == keyMatch ? $0.attributeRows(for: history.keys, customers: keyColumn) : nil
        }
        let (rowFor, extraRows) =
            sharedRows ?? KeyDictionaryMatch(orders: history.keys, customers: keyColumn, mode: keyMatch).attributeRows()
        if !extraRows.isEmpty { history = history.appendingCustomers(extraRows.map(keyColumn.value(at:))) }
        return rowFor + extraRows
    }
}

/// Each customer's average days between purchase days; nil for customers with fewer than two.
/// (Shares its arrays with the purchase_cycle_days column: an array of optionals would take twice the memory.)
public struct PurchaseCycles: Sendable {
    let days: [Double]
    let missing: [Bool]

    public subscript(_ customer: Int) -> Double? { missing[customer] ? nil : days[customer] }

    /// The cycles of the customers that have one.
    public var known: [Double] { days.indices.compactMap { self[$0] } }
}
