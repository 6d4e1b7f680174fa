import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// The CRM workbench: each section is a plain churnql query over the customers table, shown with its query so
/// that every list can be checked, changed and rerun by hand.
struct WorkbenchSection {
    var name: String
    var title: String
    var query: String
    /// The column that explains the ranking, shown after the common ones.
    var detail: String
    /// Customers-table columns the section needs (contacts or contracts).
    var needs: String?
}

enum Workbench {
    static func sections(churnWindow: Int, lostWindow: Int) -> [WorkbenchSection] {
        let q = "from customers | where "
        return [
            WorkbenchSection(
                name: "contact_today", title: "to contact today", query: q + "next_contact == asof | sort -revenue",
                detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_tomorrow", title: "to contact tomorrow",
                query: q + "next_contact == asof + 1d | sort -revenue", detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_this_week", title: "to contact later this week (next 7 days)",
                query: q + "next_contact > asof + 1d and next_contact <= asof + 7d | sort next_contact, -revenue",
                detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "contact_overdue", title: "contacts overdue (next_contact has passed)",
                query: q + "contact_overdue | sort -revenue", detail: "next_contact", needs: "next_contact"),
            WorkbenchSection(
                name: "bought_recently", title: "bought in the last 7 days",
                query: q + "days_since_last < 7 | sort days_since_last, -revenue", detail: "days_since_last", needs: nil
            ),
            WorkbenchSection(
                name: "new_customers", title: "new customers (first order within new_window)",
                query: q + "is_new | sort -first_order, -revenue", detail: "first_order", needs: nil),
            WorkbenchSection(
                name: "overdue_cycle", title: "overdue against their own purchase cycle: likely to be lost next",
                query: q + "lifecycle == \"at_risk\" | sort -revenue", detail: "overdue_days", needs: nil),
            WorkbenchSection(
                name: "recently_lapsed", title: "became lapsed in the last 30 days",
                query: q
                    + "status == \"lapsed\" and days_since_last <= \(churnWindow + 30) | sort days_since_last, -revenue",
                detail: "days_since_last", needs: nil),
            WorkbenchSection(
                name: "lost_this_year", title: "lost this year",
                query: q + "status == \"lost\" and year(last_order + \(lostWindow + 1)d) == year(asof) | sort -revenue",
                detail: "last_order", needs: nil),
            WorkbenchSection(
                name: "contracts_ending_month", title: "contracts ending this month",
                query: q
                    + "contract_end >= asof and date_trunc(\"month\", contract_end) == date_trunc(\"month\", asof) | sort contract_end",
                detail: "contract_end", needs: "contract_end"),
            WorkbenchSection(
                name: "contracts_ending_quarter", title: "contracts ending this quarter",
                query: q
                    + "contract_end >= asof and date_trunc(\"quarter\", contract_end) == date_trunc(\"quarter\", asof) | sort contract_end",
                detail: "contract_end", needs: "contract_end"),
            WorkbenchSection(
                name: "new_contracts_last_month", title: "new contracts last month",
                query: q
                    + "date_trunc(\"month\", contract_start) == date_trunc(\"month\", date_trunc(\"month\", asof) - 1d) | sort -contract_start",
                detail: "contract_start", needs: "contract_start"),
            WorkbenchSection(
                name: "new_contracts_last_quarter", title: "new contracts last quarter",
                query: q
                    + "date_trunc(\"quarter\", contract_start) == date_trunc(\"quarter\", date_trunc(\"quarter\", asof) - 1d) | sort -contract_start",
                detail: "contract_start", needs: "contract_start"),
        ]
    }

    static func handoverQuery(_ rep: String) -> String {
        "from customers | where rep == \(Lexer.quoted(rep)) | sort -revenue"
            + " | select customer_id, revenue, status, last_order, last_contact, next_contact, contacts"
    }

    static func profileQuery(_ key: String) -> String {
        "from customers | group `\(key)` | agg customers = count(), revenue = round(sum(revenue), 2), churn = churn_rate(),"
            + " repeat = repeat_rate(), cycle = avg_purchase_cycle(), lost = sum(if(status == \"lost\", 1, 0)) | sort `\(key)`"
    }
}
