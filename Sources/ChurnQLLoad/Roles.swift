import ChurnQLDiagnostics
import ChurnQLStore

/// Which columns of an orders table play the customer, date and amount roles.
public struct OrderRoles: Sendable, Equatable {
    public var customer: String
    public var date: String
    /// nil when the amount is quantity × unit price, or missing.
    public var amount: String?
    public var quantity: String?
    public var unitPrice: String?
    public var orderID: String?
    /// Profit or margin per order, when the file has one: historical CLV then uses it.
    public var profit: String?

    /// How the roles read in the load message, e.g. `customer: customer_id, date: order_date, amount: amount`.
    public var summary: String {
        var parts = ["customer: \(customer)", "date: \(date)"]
        if let amount {
            parts.append("amount: \(amount)")
        } else if let quantity, let unitPrice {
            parts.append("amount: \(quantity) × \(unitPrice)")
        } else {
            parts.append("amount: none (revenue is 0)")
        }
        if let profit { parts.append("profit: \(profit)") }
        return parts.joined(separator: ", ")
    }
}

/// Detects roles from common column names; explicit overrides win.
public enum RoleDetector {
    static let customerNames = [
        "customerid", "customer", "custid", "clientid", "client", "customerkey", "customerno", "customernumber",
        "customercode", "userid", "user", "buyerid", "memberid", "accountid", "account", "shopperid",
    ]
    static let dateNames = [
        "orderdate", "invoicedate", "date", "purchasedate", "transactiondate", "orderdatetime", "ordertime",
        "orderedat", "createdat", "timestamp", "day", "saledate", "txndate", "datetime", "time",
    ]
    static let amountNames = [
        "amount", "total", "revenue", "sales", "sale", "ordervalue", "value", "totalamount", "ordertotal",
        "grandtotal", "net", "netamount", "spend", "monetary", "payment", "price", "totalprice", "linetotal",
    ]
    static let quantityNames = ["quantity", "qty", "units", "count"]
    static let unitPriceNames = ["unitprice", "price", "unitcost", "itemprice"]
    static let profitNames = ["profit", "margin", "grossprofit", "grossmargin", "netprofit", "contribution"]
    static let orderIDNames = [
        "orderid", "invoiceno", "invoice", "invoiceid", "transactionid", "orderno", "ordernumber",
    ]

    /// Letters and digits only, lowercased: `Invoice Date` → `invoicedate`.
    public static func normalize(_ name: String) -> String {
        String(name.lowercased().filter { $0.isLetter || $0.isNumber })
    }

    /// The column whose normalized name comes first in `names`, among columns passing `accept`.
    static func find(_ table: Table, _ names: [String], accept: (Column) -> Bool = { _ in true }) -> String? {
        let normalized = table.columns.map { normalize($0.name) }
        for candidate in names {
            if let i = normalized.firstIndex(of: candidate), accept(table.columns[i]) { return table.columns[i].name }
        }
        return nil
    }

    /// The customer key of any table (orders or customers), or nil.
    public static func customerKey(_ table: Table) -> String? { find(table, customerNames) }

    /// Detects order roles; nil when the table has no customer or no date column. `describesRows`: the table is
    /// a schema whose rows are elsewhere (a server's table), judged by its column names and types alone.
    public static func detect(_ table: Table, overrides: [String: String] = [:], describesRows: Bool = false)
        throws(Diagnostic) -> OrderRoles?
    {
        func column(_ role: String) throws(Diagnostic) -> String? {
            guard let name = overrides[role] else { return nil }
            guard let column = table.column(name) else {
                let suggestion = Suggestions.closest(to: name, in: table.columnNames)
                throw Diagnostic(
                    code: "unknown-column", message: "the \(role) column '\(name)' is not in table \(table.name)",
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "columns: \(table.columnNames.joined(separator: ", "))")
            }
            return column.name
        }
        let isDate: (Column) -> Bool = { $0.type == .date || $0.type == .timestamp }
        let isNumber: (Column) -> Bool = { $0.type.isNumeric }
        // An empty table (a header without rows) has no values to judge roles by.
        guard table.rowCount > 0 || describesRows, let customer = try column("customer") ?? customerKey(table) else {
            return nil
        }
        let explicitDate = try column("date")
        if let explicitDate, let c = table.column(explicitDate), !isDate(c) {
            throw Diagnostic(
                code: "date-role-not-date",
                message: "the date column '\(explicitDate)' holds \(c.type.rawValue), not dates",
                hint: "load with (date_format: \"%d.%m.%Y\") to say how its dates are written")
        }
        guard
            let date = explicitDate ?? find(table, dateNames, accept: isDate)
                ?? table.columns.first(where: isDate)?.name
        else {
            if let textual = find(table, dateNames) {
                throw Diagnostic(
                    code: "date-role-not-date",
                    message: "column '\(textual)' looks like the order date but its values are not dates churnql reads",
                    hint: "load with (date_format: \"%d.%m.%Y\") (or the format your file uses)")
            }
            return nil
        }
        var roles = OrderRoles(customer: customer, date: date)
        roles.amount = try column("amount") ?? find(table, amountNames.filter { $0 != "price" }, accept: isNumber)
        if roles.amount == nil {
            roles.quantity = find(table, quantityNames, accept: isNumber)
            roles.unitPrice = find(table, unitPriceNames, accept: isNumber)
            if roles.quantity == nil || roles.unitPrice == nil {
                roles.quantity = nil
                roles.unitPrice = nil
                roles.amount = find(table, ["price"], accept: isNumber)
            }
        }
        roles.orderID = find(table, orderIDNames)
        roles.profit = find(table, profitNames, accept: isNumber)
        return roles
    }
}

/// Which columns of a contacts table play the CRM roles.
public struct ContactRoles: Sendable, Equatable {
    public var customer: String
    public var date: String
    public var rep: String?
    public var outcome: String?
    public var nextContact: String?
    public var channel: String?

    public var summary: String {
        var parts = ["customer: \(customer)", "date: \(date)"]
        if let rep { parts.append("rep: \(rep)") }
        if let outcome { parts.append("outcome: \(outcome)") }
        if let nextContact { parts.append("next_contact: \(nextContact)") }
        return parts.joined(separator: ", ")
    }
}

/// Which columns of a contracts table give the customer, start, end and value.
public struct ContractRoles: Sendable, Equatable {
    public var customer: String
    public var start: String
    public var end: String
    public var value: String?

    public var summary: String {
        "customer: \(customer), start: \(start), end: \(end)" + (value.map { ", value: \($0)" } ?? "")
    }
}

extension RoleDetector {
    static let contactDateNames = [
        "contactdate", "contactedat", "contacted", "date", "calldate", "interactiondate", "day",
    ]
    static let repNames = ["rep", "salesrep", "owner", "agent", "salesperson", "employee", "accountmanager", "seller"]
    static let outcomeNames = ["outcome", "result", "status", "disposition"]
    static let nextContactNames = [
        "nextcontact", "nextcontactdate", "followup", "followupdate", "nextcall", "callback",
    ]
    static let contractStartNames = ["startdate", "start", "contractstart", "begin", "validfrom"]
    static let contractEndNames = ["enddate", "end", "contractend", "expires", "expiry", "validto", "validuntil"]
    static let contractValueNames = ["value", "amount", "contractvalue", "annualvalue", "total"]

    /// Contact roles when the table is a contacts table (its name says so and it has a customer and a date).
    public static func contacts(_ table: Table) -> ContactRoles? {
        guard table.name.lowercased().contains("contact"), let customer = customerKey(table) else { return nil }
        let isDate: (Column) -> Bool = { $0.type == .date || $0.type == .timestamp }
        guard let date = find(table, contactDateNames, accept: isDate) ?? table.columns.first(where: isDate)?.name
        else {
            return nil
        }
        var roles = ContactRoles(customer: customer, date: date)
        roles.rep = find(table, repNames)
        roles.outcome = find(table, outcomeNames)
        roles.nextContact = find(table, nextContactNames, accept: isDate)
        roles.channel = find(table, ["channel", "medium", "type"])
        return roles
    }

    /// Contract roles when the table is a contracts table.
    public static func contracts(_ table: Table) -> ContractRoles? {
        guard table.name.lowercased().contains("contract"), let customer = customerKey(table) else { return nil }
        let isDate: (Column) -> Bool = { $0.type == .date || $0.type == .timestamp }
        guard let start = find(table, contractStartNames, accept: isDate),
            let end = find(table, contractEndNames, accept: isDate)
        else { return nil }
        return ContractRoles(
            customer: customer, start: start, end: end, value: find(table, contractValueNames) { $0.type.isNumeric })
    }
}
