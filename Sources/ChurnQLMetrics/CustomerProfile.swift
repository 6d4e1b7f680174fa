import ChurnQLStore
import Dispatch

/// The derived `customers` table: one row per customer with the fixed retention columns, plus attribute
/// columns from a loaded customers table. Row i describes history customer i (its entity index).
public struct CustomerProfile: Sendable {
    public let history: OrderHistory
    public let settings: RetentionSettings
    public let table: Table
    /// Derived per-customer figures, indexed by customer, reused by the retention aggregates.
    public let frequency: [Int64]
    public let purchaseCycle: PurchaseCycles

    /// The derived column names, in table order (after customer_id and attributes).
    public static let derivedColumns = [
        "first_order", "last_order", "orders", "purchase_days", "frequency", "revenue", "avg_order_value",
        "days_since_last", "tenure_days", "active_span_days", "purchase_cycle_days", "next_purchase", "overdue_days",
        "status", "is_new", "lifecycle", "reactivated",
    ]

    /// Builds the profile. `attributes` is a customers table and the name of its key column.
    public init(
        history baseHistory: OrderHistory, settings: RetentionSettings, keyName: String,
        attributes: (table: Table, key: String)?
    ) {
        var history = baseHistory
        var attributeRows: [Int] = []
        var attributeColumns: [Column] = []
        if let attributes, let keyIndex = attributes.table.columnIndex(attributes.key) {
            let matched = Self.matchAttributes(history: &history, table: attributes.table, keyIndex: keyIndex)
            attributeRows = matched
            let taken = Set(Self.derivedColumns + ["customer_id", keyName.lowercased()])
            for (i, column) in attributes.table.columns.enumerated() where i != keyIndex {
                let name = taken.contains(column.name.lowercased()) ? "customer_\(column.name)" : column.name
                attributeColumns.append(column.gatherOptional(matched).renamed(name))
            }
        }
        _ = attributeRows
        let n = history.customerCount
        let asof = settings.asof
        let spend = SpendColumns(history)
        var first = [Int32](repeating: 0, count: n)
        var last = [Int32](repeating: 0, count: n)
        var orders = [Int64](repeating: 0, count: n)
        var purchaseDays = [Int64](repeating: 0, count: n)
        var frequency = [Int64](repeating: 0, count: n)
        var sinceLast = [Int64](repeating: 0, count: n)
        var tenure = [Int64](repeating: 0, count: n)
        var span = [Int64](repeating: 0, count: n)
        var cycle = [Double](repeating: 0, count: n)
        var next = [Int32](repeating: 0, count: n)
        var overdue = [Int64](repeating: 0, count: n)
        var statusCodes = [Int32](repeating: 0, count: n)
        var isNew = [Bool](repeating: false, count: n)
        var noOrders = [Bool](repeating: false, count: n)
        var noCycle = [Bool](repeating: false, count: n)
        var lifecycle = [Int32](repeating: 0, count: n)
        var reactivated = [Bool](repeating: false, count: n)
        for c in 0..<n {
            let lower = history.offsets[c]
            let upper = history.offsets[c + 1]
            guard upper > lower else {
                noOrders[c] = true
                noCycle[c] = true
                continue
            }
            let f = history.days[lower]
            let l = history.days[upper - 1]
            var distinct = 1
            for i in (lower + 1)..<upper where history.days[i] != history.days[i - 1] { distinct += 1 }
            first[c] = f
            last[c] = l
            orders[c] = Int64(upper - lower)
            purchaseDays[c] = Int64(distinct)
            frequency[c] = Int64(distinct - 1)
            sinceLast[c] = Int64(asof - l)
            tenure[c] = Int64(asof - f)
            span[c] = Int64(l - f)
            if distinct > 1 {
                let days = Double(l - f) / Double(distinct - 1)
                cycle[c] = days
                next[c] = l + Int32(days.rounded())
                overdue[c] = Int64(Swift.max(0, asof - next[c]))
            } else {
                noCycle[c] = true
            }
            let since = Int(asof - l)
            statusCodes[c] = since <= settings.churnWindow ? 0 : (since <= settings.lostWindow ? 1 : 2)
            isNew[c] = Int(asof - f) <= settings.newWindow
            // Lifecycle: new → active → at_risk (overdue, still within the churn window) → lapsed → lost.
            if statusCodes[c] == 0 {
                lifecycle[c] = isNew[c] ? 0 : (overdue[c] > 0 ? 2 : 1)
            } else {
                lifecycle[c] = statusCodes[c] + 2
            }
            // Reactivated: some gap between consecutive purchase days exceeded the churn window.
            for i in (lower + 1)..<upper where Int(history.days[i] - history.days[i - 1]) > settings.churnWindow {
                reactivated[c] = true
                break
            }
        }
        let (revenue, aov) = spend.wait()
        let none: [Bool]? = noOrders.contains(true) ? noOrders : nil
        var columns: [Column] = [history.keys.renamed("customer_id")]
        if keyName.lowercased() != "customer_id" { columns.append(history.keys.renamed(keyName)) }
        columns += attributeColumns
        columns += [
            Column(name: "first_order", storage: .date(first), nulls: none),
            Column(name: "last_order", storage: .date(last), nulls: none),
            Column(name: "orders", storage: .integer(orders)),
            Column(name: "purchase_days", storage: .integer(purchaseDays)),
            Column(name: "frequency", storage: .integer(frequency), nulls: none),
            Column(name: "revenue", storage: .decimal(revenue)),
            Column(name: "avg_order_value", storage: .decimal(aov), nulls: none),
            Column(name: "days_since_last", storage: .integer(sinceLast), nulls: none),
            Column(name: "tenure_days", storage: .integer(tenure), nulls: none),
            Column(name: "active_span_days", storage: .integer(span), nulls: none),
            Column(name: "purchase_cycle_days", storage: .decimal(cycle), nulls: noCycle),
            Column(name: "next_purchase", storage: .date(next), nulls: noCycle),
            Column(name: "overdue_days", storage: .integer(overdue), nulls: noCycle),
            Column(
                name: "status", storage: .text(codes: statusCodes, dictionary: ["active", "lapsed", "lost"]),
                nulls: none),
            Column(name: "is_new", storage: .boolean(isNew), nulls: none),
            Column(
                name: "lifecycle",
                storage: .text(codes: lifecycle, dictionary: ["new", "active", "at_risk", "lapsed", "lost"]),
                nulls: none),
            Column(name: "reactivated", storage: .boolean(reactivated), nulls: none),
        ]
        self.history = history
        self.settings = settings
        self.frequency = frequency
        self.purchaseCycle = PurchaseCycles(days: cycle, missing: noCycle)
        self.table = Table(name: "customers", columns: columns, rowCount: n, entityIndex: (0..<n).map { Int32($0) })
    }

    /// For each history customer, the attribute-table row describing it (-1 if none); customers that appear only
    /// in the attribute table are appended to the history with no orders.
    private static func matchAttributes(history: inout OrderHistory, table: Table, keyIndex: Int) -> [Int] {
        let keyColumn = table.columns[keyIndex]
        var index: [String: Int] = [:]
        for c in 0..<history.customerCount { index[history.keys.value(at: c).plainText] = c }
        var rowFor = [Int](repeating: -1, count: history.customerCount)
        var extraKeys: [Value] = []
        for row in 0..<table.rowCount where !keyColumn.isNull(row) {
            let key = keyColumn.value(at: row).plainText
            if let c = index[key] {
                if rowFor[c] < 0 { rowFor[c] = row }
            } else {
                index[key] = history.customerCount + extraKeys.count
                extraKeys.append(keyColumn.value(at: row))
                rowFor.append(row)
            }
        }
        if !extraKeys.isEmpty { history = history.appendingCustomers(extraKeys) }
        return rowFor
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

/// Revenue and average order value per customer, computed on another core while the day-based columns are built.
private final class SpendColumns: @unchecked Sendable {
    private let group = DispatchGroup()
    private var revenue: [Double] = []
    private var averageOrderValue: [Double] = []

    init(_ history: OrderHistory) {
        DispatchQueue.global().async(group: group) { [self] in
            let n = history.customerCount
            var revenue = [Double](repeating: 0, count: n)
            var average = [Double](repeating: 0, count: n)
            for c in 0..<n {
                let lower = history.offsets[c]
                let upper = history.offsets[c + 1]
                guard upper > lower else { continue }
                var total = 0.0
                for i in lower..<upper { total += history.amounts[i] }
                revenue[c] = total
                average[c] = total / Double(upper - lower)
            }
            self.revenue = revenue
            self.averageOrderValue = average
        }
    }

    /// The two columns, once computed.
    func wait() -> ([Double], [Double]) {
        group.wait()
        return (revenue, averageOrderValue)
    }
}
