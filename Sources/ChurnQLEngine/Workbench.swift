import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// The CRM workbench: each section is a plain churnql query over the customers table, shown with its query so
/// that every list can be checked, changed and rerun by hand.
struct WorkbenchSection {
    var name: String
    var title: String
    var query: Query
    /// The column that explains the ranking, shown after the common ones.
    var detail: String
    /// Customers-table columns the section needs (contacts or contracts).
    var needs: String?
}

/// The queries churnql writes itself, built as syntax values: a rep's name or a profile key is a value in the tree,
/// so no quote, backquote or `|` in it can change the query.
enum Workbench {
    private static let customers = QueryBuilder(from: "customers")
    private static let asof = Expression.named("asof")

    private static func column(_ name: String) -> Expression { .named(name) }

    /// `date_trunc("unit", value)`.
    private static func truncated(_ unit: String, _ value: Expression) -> Expression {
        .function("date_trunc", .text(unit), value)
    }

    /// `year(last_order + (L + 1)d)`: the year a lost customer became lost.
    private static func yearBecameLost(lostWindow: Int) -> Expression {
        .function("year", column("last_order").combined(.add, .days(lostWindow + 1)))
    }

    static func sections(churnWindow: Int, lostWindow: Int) -> [WorkbenchSection] {
        let nextContact = column("next_contact")
        let byRevenue = SortKey.descending("revenue")
        func contractEnding(_ unit: String) -> QueryBuilder {
            customers.filter(
                .allOf(
                    column("contract_end").combined(.greaterEqual, asof),
                    truncated(unit, column("contract_end")).combined(.equal, truncated(unit, asof)))
            ).sort(.ascending("contract_end"))
        }
        func contractStartedLast(_ unit: String) -> QueryBuilder {
            let previous = truncated(unit, truncated(unit, asof).combined(.subtract, .days(1)))
            return customers.filter(truncated(unit, column("contract_start")).combined(.equal, previous))
                .sort(.descending("contract_start"))
        }
        return [
            WorkbenchSection(
                name: "contact_today", title: "to contact today",
                query: customers.filter(nextContact.combined(.equal, asof)).sort(byRevenue).query,
                detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_tomorrow", title: "to contact tomorrow",
                query: customers.filter(nextContact.combined(.equal, asof.combined(.add, .days(1)))).sort(byRevenue)
                    .query,
                detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_this_week", title: "to contact later this week (next 7 days)",
                query: customers.filter(
                    .allOf(
                        nextContact.combined(.greater, asof.combined(.add, .days(1))),
                        nextContact.combined(.lessEqual, asof.combined(.add, .days(7))))
                ).sort(.ascending("next_contact"), byRevenue).query,
                detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_overdue", title: "contacts overdue (next_contact has passed)",
                query: customers.filter(column("contact_overdue")).sort(byRevenue).query, detail: "next_contact",
                needs: "next_contact"),
            WorkbenchSection(
                name: "bought_recently", title: "bought in the last 7 days",
                query: customers.filter(column("days_since_last").combined(.less, .integer(7)))
                    .sort(.ascending("days_since_last"), byRevenue).query,
                detail: "days_since_last", needs: nil),
            WorkbenchSection(
                name: "new_customers", title: "new customers (first order within new_window)",
                query: customers.filter(column("is_new")).sort(.descending("first_order"), byRevenue).query,
                detail: "first_order", needs: nil),
            WorkbenchSection(
                name: "overdue_cycle", title: "overdue against their own purchase cycle: likely to be lost next",
                query: customers.filter(column("lifecycle").combined(.equal, .text("at_risk"))).sort(byRevenue).query,
                detail: "overdue_days", needs: nil),
            WorkbenchSection(
                name: "recently_lapsed", title: "became lapsed in the last 30 days",
                query: customers.filter(
                    .allOf(
                        column("status").combined(.equal, .text("lapsed")),
                        column("days_since_last").combined(.lessEqual, .integer(Int64(churnWindow) + 30)))
                ).sort(.ascending("days_since_last"), byRevenue).query,
                detail: "days_since_last", needs: nil),
            WorkbenchSection(
                name: "lost_this_year", title: "lost this year",
                query: customers.filter(
                    .allOf(
                        column("status").combined(.equal, .text("lost")),
                        yearBecameLost(lostWindow: lostWindow).combined(.equal, .function("year", asof)))
                ).sort(byRevenue).query,
                detail: "last_order", needs: nil),
            WorkbenchSection(
                name: "contracts_ending_month", title: "contracts ending this month",
                query: contractEnding("month").query, detail: "contract_end", needs: "contract_end"),
            WorkbenchSection(
                name: "contracts_ending_quarter", title: "contracts ending this quarter",
                query: contractEnding("quarter").query, detail: "contract_end", needs: "contract_end"),
            WorkbenchSection(
                name: "new_contracts_last_month", title: "new contracts last month",
                query: contractStartedLast("month").query, detail: "contract_start", needs: "contract_start"),
            WorkbenchSection(
                name: "new_contracts_last_quarter", title: "new contracts last quarter",
                query: contractStartedLast("quarter").query, detail: "contract_start", needs: "contract_start"),
        ]
    }

    /// The overview's last table: lost customers by the year they became lost.
    static func lostByYearQuery(lostWindow: Int) -> Query {
        customers.filter(column("status").combined(.equal, .text("lost")))
            .group(yearBecameLost(lostWindow: lostWindow).labeled("year"))
            .agg(Expression.function("count").labeled("lost"))
            .sort(.ascending("year")).query
    }

    /// `sum(if(status == "lost", 1, 0))`.
    private static var lostCount: Expression {
        .function(
            "sum", .function("if", column("status").combined(.equal, .text("lost")), .integer(1), .integer(0)))
    }

    /// `round(sum(revenue), 2)`.
    private static var totalRevenue: Expression {
        .function("round", .function("sum", column("revenue")), .integer(2))
    }

    /// `team`'s per-rep figures over the customers whose latest contact was with the rep.
    static let teamQuery: Query =
        customers.filter(column("rep").isNotNull)
        .group(.column("rep"))
        .agg(
            Expression.function("count").labeled("customers"), totalRevenue.labeled("revenue"),
            Expression.function("churn_rate").labeled("churn"), lostCount.labeled("lost"),
            Expression.function(
                "avg",
                .function("if", column("overdue_days").combined(.greater, .integer(0)), .decimal(1), .decimal(0))
            ).labeled("overdue_share")
        )
        .sort(.ascending("rep")).query

    static func handoverQuery(_ rep: String) -> Query {
        customers.filter(column("rep").combined(.equal, .text(rep))).sort(.descending("revenue"))
            .select(["customer_id", "revenue", "status", "last_order", "last_contact", "next_contact", "contacts"])
            .query
    }

    static func profileQuery(_ key: String) -> Query {
        customers.group(.column(key))
            .agg(
                Expression.function("count").labeled("customers"), totalRevenue.labeled("revenue"),
                Expression.function("churn_rate").labeled("churn"),
                Expression.function("repeat_rate").labeled("repeat"),
                Expression.function("avg_purchase_cycle").labeled("cycle"), lostCount.labeled("lost")
            )
            .sort(.ascending(key)).query
    }
}
