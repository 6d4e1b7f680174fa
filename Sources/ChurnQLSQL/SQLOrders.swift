/// The orders table as every derived query reads it: customer keys as text, a timestamp's day, amounts as
/// doubles (0 when missing), and only orders with a customer and a date on or before asof.
public struct SQLOrders {
    let dialect: SQLDialect
    let context: SQLContext
    let table: String
    let customer: String
    let date: String

    init(dialect: SQLDialect, context: SQLContext, table: String, customer: String, date: String) {
        (self.dialect, self.context, self.table, self.customer, self.date) = (dialect, context, table, customer, date)
    }

    /// The session's orders table, nil when no orders table is detected.
    public init?(_ context: SQLContext, _ dialect: SQLDialect) {
        guard let table = context.ordersTable, let customer = context.customerColumn, let date = context.dateColumn
        else { return nil }
        self.init(dialect: dialect, context: context, table: table, customer: customer, date: date)
    }

    private func q(_ name: String) -> String { dialect.quote(name) }

    /// The table as the SQL names it, and its customer column.
    public var reference: String { context.reference(table, dialect) }
    public var customerColumn: String { q(customer) }

    /// Customer keys are text, as in memory, whatever the column's type in the database (a number key of a
    /// server table is compared and ordered as its written digits).
    public var customerKey: String {
        context.tables[table]?.column(customer)?.type == .text
            ? q(customer) : "CAST(\(q(customer)) AS \(dialect.textType))"
    }

    /// A timestamp's day, in the session's time zone (UTC when churnql runs the query).
    public var day: String {
        context.tables[table]?.column(date)?.type == .timestamp ? "CAST(\(q(date)) AS DATE)" : q(date)
    }

    public var amount: String {
        context.amountColumn.map { "COALESCE(CAST(\(q($0)) AS \(dialect.doubleType)), 0)" }
            ?? "CAST(0 AS \(dialect.doubleType))"
    }

    /// The latest order day, as a one-row CTE body with the column `asof`.
    var latestDay: String { "SELECT MAX(\(day)) AS \(q("asof")) FROM \(context.reference(table, dialect))" }

    /// `customer`, `day`, `amount` of every order that counts.
    func validOrders(asof: String) -> String {
        """
        SELECT \(customerKey) AS \(q("customer")), \(day) AS \(q("day")), \(amount) AS \(q("amount"))
            FROM \(context.reference(table, dialect))
            WHERE \(q(customer)) IS NOT NULL AND \(q(date)) IS NOT NULL AND \(day) <= \(asof)
        """
    }
}
