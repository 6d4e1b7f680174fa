import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPostgres
import ChurnQLSQL
import ChurnQLStore

/// Model fits over attached orders: the server sends the compressed sufficient statistics — each distinct
/// (x, t_x, T, mean repeat spend) with its number of customers — in one query, and the fit runs on them here
/// exactly as on a history in memory (docs/metrics.md's definitions; days as whole numbers).
extension Engine {
    /// The analysis date: the `asof` setting, else the orders' latest date on the server now.
    func serverAsof() throws(Diagnostic) -> Int32? {
        if let asofOverride { return asofOverride }
        return try serverDateRange()?.last
    }

    /// The first day of an order that counts (with a customer, on or before asof; nil if none) and the latest
    /// order day, from the server in one query.
    func serverDateRange() throws(Diagnostic) -> (first: Int32?, last: Int32)? {
        guard let attachment = ordersAttachment, let parts = serverOrders() else { return nil }
        let sql =
            "SELECT MIN(CASE WHEN \(parts.customer) IS NOT NULL THEN \(parts.day) END), MAX(\(parts.day)) FROM \(parts.table)"
        do throws(PostgresError) {
            guard let row = try attachment.connection.rows(sql).first, row.count == 2,
                let last = row[1].flatMap(Dates.parseISO)
            else { return nil }
            let first = row[0].flatMap(Dates.parseISO)
            let asof = asofOverride ?? last
            return (first.flatMap { $0 <= asof ? $0 : nil }, last)
        } catch {
            throw error.diagnostic(server: attachment.connection.displayName)
        }
    }

    /// The orders table and its role columns as SQL, for the statistics queries: read as the customers table
    /// reads them (text keys, a timestamp's day, missing amounts as 0).
    private func serverOrders() -> (table: String, customer: String, day: String, amount: String)? {
        guard let orders = SQLOrders(sqlContext(), .postgres) else { return nil }
        return (orders.reference, orders.customerColumn, orders.day, orders.amount)
    }

    /// Each customer whose first purchase is on or before `cutoff`, as (x, t_x, T, mean repeat spend), grouped
    /// on the server; the first purchase day of all.
    /// `spend`: the statistics of Gamma-Gamma, else those of the purchase models.
    func serverCalibrationData(
        cutoff: Int32, unitDays: Double, spend: Bool, span: SourceSpan, source: SourceText
    )
        throws(Diagnostic) -> (CalibrationData, Int32?)
    {
        guard let attachment = ordersAttachment, let parts = serverOrders() else { throw Self.noOrders }
        if let limit = sqlContext().customersLimit, limit.concernsOrders {
            throw onlyInMemory("a fit over \(limit.reason)")
        }
        // Same-day orders are one purchase day; the first day's spend is not a repeat purchase's. Purchase
        // models need (x, t_x, T), Gamma-Gamma (x, mean repeat spend): each grouped with its count.
        let statistics = """
            WITH "days" AS (
                SELECT \(parts.customer) AS "c", \(parts.day) AS "d", SUM(\(parts.amount)) AS "spend"
                FROM \(parts.table)
                WHERE \(parts.customer) IS NOT NULL AND \(parts.day) IS NOT NULL AND \(parts.day) <= $1
                GROUP BY 1, 2
            ), "ranked" AS (
                SELECT "c", "d", "spend", MIN("d") OVER (PARTITION BY "c") AS "first" FROM "days"
            ), "customers" AS (
                SELECT COUNT(*) - 1 AS "x", MAX("d") - MIN("d") AS "tx", $1 - MIN("d") AS "age",
                       SUM(CASE WHEN "d" <> "first" THEN "spend" ELSE 0 END) AS "repeat_spend", MIN("d") AS "first"
                FROM "ranked" GROUP BY "c"
            )
            SELECT \(spend ? "\"x\", 0, 0, CASE WHEN \"x\" = 0 THEN 0 ELSE \"repeat_spend\" / \"x\" END" : "\"x\", \"tx\", \"age\", 0")
                   AS "s", COUNT(*) AS "n", MIN("first") AS "first"
            FROM "customers" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
            """
        var (xs, txs, ages): ([Int32], [Int32], [Int32]) = ([], [], [])
        var monetary: [Double] = []
        var first: Int32?
        var failure: String?
        do throws(PostgresError) {
            try attachment.connection.query(
                statistics, parameters: [.date(cutoff)], isCancelled: isCancelled, columns: { _ in }
            ) { row throws(PostgresError) in
                guard let x = row.text(0).flatMap({ Int32($0) }), let tx = row.text(1).flatMap({ Int32($0) }),
                    let age = row.text(2).flatMap({ Int32($0) }), let spend = row.text(3).flatMap({ Double($0) }),
                    let n = row.text(4).flatMap({ Int($0) }), n > 0, let day = row.text(5).flatMap(Dates.parseISO)
                else {
                    failure = "a row of the statistics could not be read"
                    return
                }
                xs += repeatElement(x, count: n)
                txs += repeatElement(tx, count: n)
                ages += repeatElement(age, count: n)
                monetary += repeatElement(spend, count: n)
                first = min(first ?? day, day)
            }
        } catch {
            throw error.diagnostic(span: span, in: source, server: attachment.connection.displayName)
        }
        if let failure {
            throw Diagnostic(code: "server-error", message: failure, span: span, in: source)
        }
        var data = CalibrationData(
            x: xs.map { Double($0) }, tx: txs.map { Double($0) / unitDays }, T: ages.map { Double($0) / unitDays },
            monetary: monetary)
        data.days = CalibrationDays(x: xs, tx: txs, T: ages, unitDays: unitDays)
        return (data, first)
    }

    /// `evaluate` over attached orders: the customers' calibration histories and holdout purchases grouped on the
    /// server, and the holdout's purchase days per week, in two queries.
    func serverHoldout(cutoff: Int32, asof: Int32, unitDays: Double, span: SourceSpan, source: SourceText)
        throws(Diagnostic) -> HoldoutSummary
    {
        guard let attachment = ordersAttachment, let parts = serverOrders() else { throw Self.noOrders }
        let days = """
            WITH "days" AS (
                SELECT \(parts.customer) AS "c", \(parts.day) AS "d" FROM \(parts.table)
                WHERE \(parts.customer) IS NOT NULL AND \(parts.day) IS NOT NULL AND \(parts.day) <= $2
                GROUP BY 1, 2
            ), "members" AS (
                SELECT "c", COUNT(*) FILTER (WHERE "d" <= $1) - 1 AS "x",
                    MAX("d") FILTER (WHERE "d" <= $1) - MIN("d") AS "tx", $1 - MIN("d") AS "age",
                    COUNT(*) FILTER (WHERE "d" > $1) AS "holdout"
                FROM "days" GROUP BY "c" HAVING MIN("d") <= $1
            )
            """
        let groups =
            days + """
                SELECT "x", "tx", "age", "holdout", COUNT(*) FROM "members" GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
                """
        let weekly =
            days + """
                SELECT ("d" - $1 - 1) / 7 + 1 AS "week", COUNT(*) FROM "days" JOIN "members" USING ("c")
                WHERE "d" > $1 GROUP BY 1 ORDER BY 1
                """
        var summary = HoldoutSummary()
        var purchasesInWeek = [Int](repeating: 0, count: HoldoutSummary.weeks(cutoff: cutoff, asof: asof))
        var unreadable = false
        do throws(PostgresError) {
            let parameters: [Value] = [.date(cutoff), .date(asof)]
            try attachment.connection.query(
                groups, parameters: parameters, isCancelled: isCancelled, columns: { _ in }
            ) { row throws(PostgresError) in
                let numbers = (0..<5).map { row.text($0).flatMap { Int($0) } }
                guard let x = numbers[0], let tx = numbers[1], let age = numbers[2], let holdout = numbers[3],
                    let n = numbers[4]
                else {
                    unreadable = true
                    return
                }
                summary.x.append(Double(x))
                summary.tx.append(Double(tx) / unitDays)
                summary.T.append(Double(age) / unitDays)
                summary.actual.append(holdout)
                summary.customers.append(n)
            }
            try attachment.connection.query(
                weekly, parameters: parameters, isCancelled: isCancelled, columns: { _ in }
            ) { row throws(PostgresError) in
                guard let week = row.text(0).flatMap({ Int($0) }), let n = row.text(1).flatMap({ Int($0) }),
                    week >= 1, week <= purchasesInWeek.count
                else {
                    unreadable = true
                    return
                }
                purchasesInWeek[week - 1] += n
            }
        } catch {
            throw error.diagnostic(span: span, in: source, server: attachment.connection.displayName)
        }
        if unreadable {
            throw Diagnostic(
                code: "server-error", message: "the server's holdout summary could not be read", span: span,
                in: source)
        }
        var total = 0
        for n in purchasesInWeek {
            total += n
            summary.cumulativeActual.append(Double(total))
        }
        return summary
    }
}
