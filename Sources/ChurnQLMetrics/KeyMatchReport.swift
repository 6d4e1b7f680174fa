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
        self.mode = mode
        let orderRows = Self.distinctKeys(orders)
        let customerKeys = Self.distinctTexts(customers)
        orderCustomers = orderRows.count
        customerCount = customerKeys.count
        // Orders' keys under a looser rule, to the smallest orders key written that way (so that examples do not
        // depend on hashing order); made only when some key does not match, the rare case on large tables.
        let rules = KeyMatch.allCases.filter { $0 == mode || Self.looser($0, than: mode) }
        var byRule: [KeyMatch: [ExactText: String]] = [:]
        func orderKey(_ rule: KeyMatch, _ key: String) -> String? {
            if rule == .exact { return orderRows[ExactText(key)] == nil ? nil : key }
            if byRule[rule] == nil {
                var map: [ExactText: String] = [:]
                for key in orderRows.keys.map(\.text) {
                    let form = ExactText(rule.normalized(key))
                    if let known = map[form], known <= key { continue }
                    map[form] = key
                }
                byRule[rule] = map
            }
            return byRule[rule]?[ExactText(rule.normalized(key))]
        }
        if mode != .exact {
            var customerForms: [ExactText: Int] = [:]
            for key in customerKeys { customerForms[ExactText(mode.normalized(key.text)), default: 0] += 1 }
            sharedForms = customerForms.values.reduce(0) { $0 + ($1 > 1 ? $1 : 0) }
        }
        var matchedOrderForms: Set<ExactText> = []
        var matchedCount = 0
        var loosenedPairs: [(String, String)] = []
        var unmatched: [String] = []
        for key in customerKeys {
            guard let matchedKey = orderKey(mode, key.text) else {
                unmatched.append(key.text)
                continue
            }
            matchedCount += 1
            if mode != .exact { matchedOrderForms.insert(ExactText(mode.normalized(matchedKey))) }
            if orderRows[key] == nil { loosenedPairs.append((key.text, matchedKey)) }
        }
        loosened = (loosenedPairs.count, Array(loosenedPairs.sorted { $0.0 < $1.0 }.prefix(3)))
        customersWithoutOrders = unmatched.count
        var near: [KeyMatch: (count: Int, examples: [(String, String)])] = [:]
        for key in unmatched.sorted() {
            for rule in rules where rule != mode {
                guard let matchedKey = orderKey(rule, key) else { continue }
                var entry = near[rule] ?? (0, [])
                entry.count += 1
                if entry.examples.count < 3 { entry.examples.append((key, matchedKey)) }
                near[rule] = entry
                break
            }
        }
        // Orders' customers that no customers row matched: none when every orders key was matched exactly.
        if mode != .exact || matchedCount < orderRows.count {
            let customerSet = mode == .exact ? Set(customerKeys) : []
            for (key, rows) in orderRows {
                let matched =
                    mode == .exact
                    ? customerSet.contains(key) : matchedOrderForms.contains(ExactText(mode.normalized(key.text)))
                if !matched {
                    orderCustomersUnknown += 1
                    orderRowsUnknown += rows
                }
            }
        }
        nearMatches = rules.compactMap { rule in near[rule].map { (rule, $0.count, $0.examples) } }
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

    /// Each distinct non-null key as text. A text column's dictionary holds each byte string once, so its used
    /// entries are the answer without hashing them.
    static func distinctTexts(_ column: Column) -> [ExactText] {
        guard case .text(let codes, let dictionary) = column.storage else { return Array(distinctKeys(column).keys) }
        var used = [Bool](repeating: false, count: dictionary.count)
        for row in 0..<column.count where !column.isNull(row) { used[Int(codes[row])] = true }
        return dictionary.indices.filter { used[$0] }.map { ExactText(dictionary[$0]) }
    }

    /// Each distinct non-null key as text, with its number of rows (text columns are counted by code).
    static func distinctKeys(_ column: Column) -> [ExactText: Int] {
        var rows: [ExactText: Int] = [:]
        if case .text(let codes, let dictionary) = column.storage {
            var perCode = [Int](repeating: 0, count: dictionary.count)
            for row in 0..<column.count where !column.isNull(row) { perCode[Int(codes[row])] += 1 }
            for (code, n) in perCode.enumerated() where n > 0 { rows[ExactText(dictionary[code]), default: 0] += n }
        } else {
            for row in 0..<column.count where !column.isNull(row) {
                rows[ExactText(column.value(at: row).plainText), default: 0] += 1
            }
        }
        return rows
    }
}
