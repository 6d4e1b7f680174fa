import ChurnQLStore

/// What joining a customers table to the orders found: customers without orders, orders whose customer is not in
/// the customers table, and keys that match only under a looser rule than the one in force (counted, with
/// examples, so that no buyer loses its attributes and no phantom customer appears in silence).
public struct KeyMatchReport: Sendable {
    public let mode: KeyMatch
    /// Distinct keys of the customers table.
    public var customerCount = 0
    public var customersWithoutOrders = 0
    /// Distinct customer keys of the orders, and how many of them (and of their rows) have no customers row.
    public var orderCustomers = 0
    public var orderCustomersUnknown = 0
    public var orderRowsUnknown = 0
    /// Customer keys that matched only through `mode` (not as written), with examples (customers key, orders key).
    public var loosened: (count: Int, examples: [(String, String)]) = (0, [])
    /// Customer keys that share their form under `mode` with another customer key: only the first row is used.
    public var sharedForms = 0
    /// Unmatched customer keys that a looser rule would match, by that rule.
    public var nearMatches: [(mode: KeyMatch, count: Int, examples: [(String, String)])] = []

    public init(orders: Column, customers: Column, mode: KeyMatch) {
        self.init(KeyDictionaryMatch(orders: orders, customers: customers, mode: mode))
    }

    /// The report of a match already made (the profile's attribute match reads the same one).
    public init(_ match: KeyDictionaryMatch) {
        mode = match.mode
        // Rules other than exact also need the exact match (which keys matched only through the rule).
        let exact =
            mode == .exact ? match : KeyDictionaryMatch(orders: match.orders, customers: match.customers, mode: .exact)
        let orders = match.orders
        let customers = match.customers
        // One code per distinct key as written (a dictionary holds each byte string once; this does not rely on it).
        let orderCodes = orders.dictionary.indices.filter {
            orders.used[$0] && exact.smallestOrderCode[Int(exact.orderForm[$0])] == Int32($0)
        }
        let customerCodes = customers.dictionary.indices.filter {
            guard customers.used[$0] else { return false }
            let first = exact.firstCustomerRow[Int(exact.customerForm[$0])]
            return customers.codes[Int(first)] == Int32($0)
        }
        orderCustomers = orderCodes.count
        customerCount = customerCodes.count
        if mode != .exact {
            var customersPerForm = [Int](repeating: 0, count: match.firstCustomerRow.count)
            for code in customerCodes { customersPerForm[Int(match.customerForm[code])] += 1 }
            sharedForms = customersPerForm.reduce(0) { $0 + ($1 > 1 ? $1 : 0) }
        }
        var matchedCount = 0
        var loosenedPairs: [(String, String)] = []
        var unmatched: [Int] = []
        for code in customerCodes {
            let orderCode = match.smallestOrderCode[Int(match.customerForm[code])]
            guard orderCode >= 0 else {
                unmatched.append(code)
                continue
            }
            matchedCount += 1
            if mode != .exact && exact.smallestOrderCode[Int(exact.customerForm[code])] < 0 {
                loosenedPairs.append((customers.dictionary[code], orders.dictionary[Int(orderCode)]))
            }
        }
        loosened = (loosenedPairs.count, Array(loosenedPairs.sorted { $0.0 < $1.0 }.prefix(3)))
        customersWithoutOrders = unmatched.count
        let looserRules = KeyMatch.allCases.filter { Self.looser($0, than: mode) }
        // A looser rule's match, of the unmatched keys only, is made when some key does not match.
        var looserMatches: [KeyMatch: KeyDictionaryMatch] = [:]
        func matched(_ rule: KeyMatch) -> KeyDictionaryMatch {
            if let known = looserMatches[rule] { return known }
            let made = KeyDictionaryMatch(
                orders: match.orders, customers: match.customers.restricted(to: unmatched), mode: rule)
            looserMatches[rule] = made
            return made
        }
        var near: [KeyMatch: (count: Int, examples: [(String, String)])] = [:]
        for code in unmatched.sorted(by: { customers.dictionary[$0] < customers.dictionary[$1] }) {
            for rule in looserRules {
                let looser = matched(rule)
                let orderCode = looser.smallestOrderCode[Int(looser.customerForm[code])]
                guard orderCode >= 0 else { continue }
                var entry = near[rule] ?? (0, [])
                entry.count += 1
                if entry.examples.count < 3 {
                    entry.examples.append((customers.dictionary[code], orders.dictionary[Int(orderCode)]))
                }
                near[rule] = entry
                break
            }
        }
        // Orders' customers that no customers row matched: none when every orders key was matched exactly.
        if mode != .exact || matchedCount < orderCustomers {
            let unknown = { (code: Int) in match.firstCustomerRow[Int(match.orderForm[code])] < 0 }
            orderCustomersUnknown = orderCodes.filter(unknown).count
            for row in orders.codes.indices where !orders.isNull(row) && unknown(Int(orders.codes[row])) {
                orderRowsUnknown += 1
            }
        }
        nearMatches = looserRules.compactMap { rule in near[rule].map { (rule, $0.count, $0.examples) } }
    }

    /// The import report's note, e.g. `customers: 10 of 2,000 without orders; orders: 25 rows (3 customers) …`.
    public var summary: String {
        if customersWithoutOrders == 0 && orderCustomersUnknown == 0 {
            return "all \(Self.count(customerCount)) customers have orders, and every order's customer is in the "
                + "customers table"
        }
        return "customers: \(Self.count(customersWithoutOrders)) of \(Self.count(customerCount)) without orders; "
            + "orders: \(Self.count(orderRowsUnknown)) row\(orderRowsUnknown == 1 ? "" : "s") "
            + "(\(Self.count(orderCustomersUnknown)) of \(Self.count(orderCustomers)) customers) "
            + "whose customer is not in the customers table"
    }

    /// Warnings about keys that matched only through a looser rule, or that a looser rule would match.
    public var warnings: [(code: String, message: String, hint: String?)] {
        var result: [(code: String, message: String, hint: String?)] = []
        if loosened.count > 0 {
            result.append(
                (
                    "keys-matched-loosely",
                    "\(Self.count(loosened.count)) customer key\(loosened.count == 1 ? "" : "s") matched the "
                        + "orders' keys only after \(mode.action) (key_match: \(mode.rawValue)), e.g. "
                        + Self.examples(loosened.examples), nil
                ))
        }
        if sharedForms > 0 {
            result.append(
                (
                    "keys-share-a-form",
                    "\(Self.count(sharedForms)) customer keys are the same key after \(mode.action) "
                        + "(key_match: \(mode.rawValue)); each such customer gets the first of those rows", nil
                ))
        }
        for near in nearMatches {
            result.append(
                (
                    "keys-match-loosely",
                    "\(Self.count(near.count)) customer key\(near.count == 1 ? " matches" : "s match") the orders' keys "
                        + "only after \(near.mode.action), e.g. \(Self.examples(near.examples)); they are kept apart",
                    "load the customers file with (key_match: \"\(near.mode.rawValue)\") to join them"
                ))
        }
        return result
    }

    static func looser(_ a: KeyMatch, than b: KeyMatch) -> Bool {
        let order = KeyMatch.allCases
        return (order.firstIndex(of: a) ?? 0) > (order.firstIndex(of: b) ?? 0)
    }

    private static func examples(_ pairs: [(String, String)]) -> String {
        pairs.map { "'\($0.0)' ~ '\($0.1)'" }.joined(separator: ", ")
    }

    private static func count(_ n: Int) -> String { NumberFormat.grouped(String(n)) }
}
