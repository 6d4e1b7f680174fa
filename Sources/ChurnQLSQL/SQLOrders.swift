/// The orders table as every derived query reads it: customer keys as text, a timestamp's day, amounts as
/// doubles (0 when missing), and only orders with a customer and a date on or before asof.
struct SQLOrders {
    let dialect: SQLDialect
    let context: SQLContext
    let table: String
    let customer: String
    let date: String

    private func q(_ name: String) -> String { dialect.quote(name) }

    /// Customer keys are text, as in memory, whatever the column's type in the database (a number key of a
    /// server table is compared and ordered as its written digits).
    var customerKey: String {
        context.tables[table]?.column(customer)?.type == .text
            ? q(customer) : "CAST(\(q(customer)) AS \(dialect.textType))"
    }

    /// A timestamp's day, in the session's time zone (UTC when churnql runs the query).
    var day: String {
        context.tables[table]?.column(date)?.type == .timestamp ? "CAST(\(q(date)) AS DATE)" : q(date)
    }

    var amount: String {
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
