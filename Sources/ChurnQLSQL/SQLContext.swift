import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore

/// What the compiler needs from the session besides the plan: where the orders are, which columns play which
/// role, the retention settings and the parameters' values. No rows.
public struct SQLContext: Sendable {
    /// The orders table's name in the database (the catalog name) and its role columns.
    public var ordersTable: String?
    public var customerColumn: String?
    public var dateColumn: String?
    /// nil: revenue is 0 (no amount column).
    public var amountColumn: String?
    /// The analysis date when `asof` is set; nil: the latest order date, computed in SQL.
    public var asof: Int32?
    public var churnWindow: Int
    public var lostWindow: Int
    public var newWindow: Int
    /// Why the customers table cannot be written in SQL for this session, if it cannot (e.g. a customers
    /// attributes table, whose key matching runs only in memory for now).
    public var customersLimit: CustomersLimit?
    public var parameters: [String: Value]
    /// The tables' schemas by name (a join's right side).
    public var tables: [String: Schema]
    /// The derived customers table's schema, when there is one (a join with customers).
    public var customersSchema: Schema?
    /// The fitted BG/NBD (or MBG/NBD) model whose `p_alive` column the customers table has, when one is fitted.
    public var aliveModel: SQLAliveModel?
    /// The customers attributes table joined to the derived table by exact key, when it can be in SQL.
    public var attributes: SQLAttributes?
    /// Where a table is in the database, when that is not its own name: an attached table in another schema is
    /// `["sales", "orders"]`, written `"sales"."orders"`.
    public var tableReferences: [String: [String]] = [:]

    /// The table as the SQL names it: its qualified reference, each part quoted.
    public func reference(_ table: String, _ dialect: SQLDialect) -> String {
        (tableReferences[table] ?? [table]).map(dialect.quote).joined(separator: ".")
    }

    public init(
        ordersTable: String? = nil, customerColumn: String? = nil, dateColumn: String? = nil,
        amountColumn: String? = nil, asof: Int32? = nil, churnWindow: Int = 90, lostWindow: Int = 365,
        newWindow: Int = 30, customersLimit: CustomersLimit? = nil, parameters: [String: Value] = [:],
        tables: [String: Schema] = [:]
    ) {
        self.tables = tables
        self.ordersTable = ordersTable
        self.customerColumn = customerColumn
        self.dateColumn = dateColumn
        self.amountColumn = amountColumn
        self.asof = asof
        self.churnWindow = churnWindow
        self.lostWindow = lostWindow
        self.newWindow = newWindow
        self.customersLimit = customersLimit
        self.parameters = parameters
    }
}

/// A BG/NBD model's parameters, with the length of its time unit in days: `p_alive` is plain arithmetic over a
/// customer's frequency, active span and tenure.
public struct SQLAliveModel: Sendable {
    public var r: Double, alpha: Double, a: Double, b: Double
    public var modified: Bool
    public var unitDays: Double

    public init(r: Double, alpha: Double, a: Double, b: Double, modified: Bool, unitDays: Double) {
        (self.r, self.alpha, self.a, self.b, self.modified, self.unitDays) = (r, alpha, a, b, modified, unitDays)
    }
}

/// A customers table whose columns join the derived customers table: its key column and, for each customers
/// column it gives, that column's name in the table (`region`, or `customer_status` for a clash).
public struct SQLAttributes: Sendable {
    public var table: String
    public var key: String
    public var columns: [String: String]

    public init(table: String, key: String, columns: [String: String]) {
        self.table = table
        self.key = key
        self.columns = columns
    }
}

/// The diagnostic for anything the SQL backends cannot express exactly: located, and saying where it runs.
enum NotInSQL {
    static let hint = "runs in memory: drop `compile`"

    static func error(_ what: String, _ dialect: SQLDialect, _ span: SourceSpan, _ source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "not-in-sql",
            message: "\(what) cannot be compiled to \(dialect.rawValue) SQL yet; it runs only in memory",
            span: span, in: source, hint: hint)
    }
}
