import ChurnQLStore
import Testing

@testable import ChurnQLMetrics

/// The byte-keyed match of customer keys (`KeyDictionaryMatch`, read by the import report and the profile) against
/// the plain definitions written with `[ExactText: …]` dictionaries, on random keys: loose key_match cases, Unicode
/// normalisation variants (equal as Strings, different bytes), duplicates, nulls, and customers only in one file.
struct KeyDictionaryMatchTests {
    /// Pieces that differ only by what each rule ignores, or by bytes that String equality ignores.
    static let stems = ["42", "0042", "7", "007", "0", "000", "café", "cafe\u{301}", "Å", "A\u{30A}", "x", "", "X9"]
    static let paddings = ["", "", "", " ", "\t", "  ", " \u{301}"]

    static func randomKey(_ random: inout FuzzTests.Random) -> String {
        random.pick(paddings) + random.pick(stems) + (random.below(4) == 0 ? String(random.below(30)) : "")
            + random.pick(paddings)
    }

    /// A key column: text with some nulls (or, for a few seeds, integers), built as the loader would.
    static func randomColumn(_ random: inout FuzzTests.Random, rows: Int, integers: Bool) -> Column {
        var builder = ColumnBuilder(type: integers ? .integer : .text)
        for _ in 0..<rows {
            if random.below(10) == 0 {
                builder.append(.null)
            } else if integers {
                builder.append(.integer(Int64(random.below(40))))
            } else {
                builder.append(.text(randomKey(&random)))
            }
        }
        return builder.build(name: "customer_id")
    }

    struct Seed: CustomTestStringConvertible, Sendable {
        var seed: UInt64
        var testDescription: String { "seed \(seed)" }
    }

    static let seeds = (1...60).map { Seed(seed: UInt64($0)) }

    static func columns(_ seed: Seed) -> (orders: Column, customers: Column) {
        var random = FuzzTests.Random(state: seed.seed)
        let integers = seed.seed % 15 == 0
        let orders = randomColumn(&random, rows: 1 + random.below(60), integers: integers)
        let customers = randomColumn(&random, rows: random.below(40), integers: integers)
        return (orders, customers)
    }

    @Test(arguments: seeds)
    func reportEqualsThePlainDefinition(_ seed: Seed) {
        let (orders, customers) = Self.columns(seed)
        for mode in KeyMatch.allCases {
            let fast = KeyMatchReport(orders: orders, customers: customers, mode: mode)
            let plain = PlainKeyMatch.report(orders: orders, customers: customers, mode: mode)
            #expect(fast.summary == plain.summary, "\(mode)")
            #expect(fast.customerCount == plain.customerCount, "\(mode)")
            #expect(fast.orderCustomers == plain.orderCustomers, "\(mode)")
            #expect(fast.sharedForms == plain.sharedForms, "\(mode)")
            #expect(fast.warnings.map(\.message) == plain.warnings, "\(mode)")
        }
    }

    @Test(arguments: seeds)
    func profileAttributesEqualThePlainDefinition(_ seed: Seed) throws {
        let (orderKeys, customerKeys) = Self.columns(seed)
        var random = FuzzTests.Random(state: seed.seed &* 31)
        let days = Column(
            name: "order_date", storage: .date((0..<orderKeys.count).map { _ in Int32(random.below(20)) }))
        // Orders after asof leave some keys out of the history, so that the history is not the orders' keys.
        let history = OrderHistory.build(customer: orderKeys, date: days, amount: nil, asof: 15)
        let region = Column(name: "region", storage: .integer((0..<customerKeys.count).map(Int64.init)))
        let attributes = Table(name: "customers", columns: [customerKeys, region], rowCount: customerKeys.count)
        for mode in KeyMatch.allCases {
            let expected = PlainKeyMatch.attributeRows(history: history, keys: customerKeys, mode: mode)
            let shared = KeyDictionaryMatch(orders: orderKeys, customers: customerKeys, mode: mode)
            for sharedMatch in [nil, shared] {
                let profile = CustomerProfile(
                    history: history, settings: RetentionSettings(asof: 15), keyName: "customer_id",
                    attributes: (attributes, "customer_id"), keyMatch: mode, sharedMatch: sharedMatch)
                let table = profile.table(columns: [])
                let keys = try #require(table.column("customer_id"))
                let regions = try #require(table.column("region"))
                let got = (0..<table.rowCount).map { (keys.value(at: $0).plainText, regions.value(at: $0)) }
                #expect(got.map(\.0) == expected.map(\.key), "\(mode), shared: \(sharedMatch != nil)")
                #expect(
                    got.map(\.1) == expected.map { $0.row.map { Value.integer(Int64($0)) } ?? .null },
                    "\(mode), shared: \(sharedMatch != nil)")
            }
        }
    }

    /// A header-only customers file: every customer gets null attributes (this used to trap on row 0 of an empty
    /// column).
    @Test(arguments: KeyMatch.allCases.map(\.rawValue))
    func emptyCustomersTableGivesNullAttributes(_ mode: String) throws {
        let keyMatch = try #require(KeyMatch(rawValue: mode))
        let orders = Column(name: "customer_id", storage: .text(codes: [0, 1, 0], dictionary: ["a", "b"]))
        let history = OrderHistory.build(
            customer: orders, date: Column(name: "order_date", storage: .date([1, 2, 3])), amount: nil, asof: 10)
        let empty = Table(
            name: "customers",
            columns: [
                Column(name: "customer_id", storage: .text(codes: [], dictionary: [])),
                Column(name: "region", storage: .text(codes: [], dictionary: [])),
                Column(name: "since", storage: .date([])),
            ], rowCount: 0)
        let profile = CustomerProfile(
            history: history, settings: RetentionSettings(asof: 10), keyName: "customer_id",
            attributes: (empty, "customer_id"), keyMatch: keyMatch)
        let table = profile.table(columns: [])
        #expect(table.rowCount == 2)
        for name in ["region", "since"] {
            let column = try #require(table.column(name))
            #expect(column.count == 2 && (0..<2).allSatisfy(column.isNull), "\(name)")
        }
    }

    /// Customers without orders are appended to the history's text keys by bytes: a text already in the dictionary
    /// keeps its code (each byte string stays once in it), a canonically equal text with other bytes is new.
    @Test func appendedKeysReuseEqualBytesOnly() {
        let dictionary = ["café", "b", "late"]
        let appended = ["late", "cafe\u{301}", "new", "new", "café"]
        let result = TextKeyAppend.appending(appended, to: [1, 0], dictionary)
        #expect(result.dictionary.count == Set(result.dictionary.map(ExactText.init)).count)
        #expect(result.dictionary.count == 5)
        let texts = result.codes.map { result.dictionary[Int($0)] }
        #expect(texts.map(ExactText.init) == (["b", "café"] + appended).map(ExactText.init))
    }

    /// A shared match is used only for the columns it was made from: another customers column gets its own.
    @Test func sharedMatchOfOtherColumnsIsNotUsed() throws {
        let orders = Column(name: "customer_id", storage: .text(codes: [0, 1], dictionary: ["a", "b"]))
        let customers = Column(name: "customer_id", storage: .text(codes: [0], dictionary: ["b"]))
        let other = Column(name: "customer_id", storage: .text(codes: [0], dictionary: ["a"]))
        let days = Column(name: "order_date", storage: .date([1, 2]))
        let history = OrderHistory.build(customer: orders, date: days, amount: nil, asof: 10)
        let stale = KeyDictionaryMatch(orders: orders, customers: other, mode: .exact)
        let region = Column(name: "region", storage: .text(codes: [0], dictionary: ["north"]))
        let profile = CustomerProfile(
            history: history, settings: RetentionSettings(asof: 10), keyName: "customer_id",
            attributes: (Table(name: "customers", columns: [customers, region], rowCount: 1), "customer_id"),
            sharedMatch: stale)
        let table = profile.table(columns: [])
        let regions = try #require(table.column("region"))
        #expect((0..<table.rowCount).map { regions.value(at: $0) } == [.null, .text("north")])
    }
}

/// The definitions the byte-keyed match must agree with, written plainly: `[ExactText: …]` dictionaries over every
/// key's form (the code before the match was made once by bytes).
enum PlainKeyMatch {
    static func keys(_ column: Column) -> [ExactText: Int] {
        var rows: [ExactText: Int] = [:]
        for row in 0..<column.count where !column.isNull(row) {
            rows[ExactText(column.value(at: row).plainText), default: 0] += 1
        }
        return rows
    }

    static func report(orders: Column, customers: Column, mode: KeyMatch)
        -> (summary: String, customerCount: Int, orderCustomers: Int, sharedForms: Int, warnings: [String])
    {
        let orderRows = keys(orders)
        // In order of first appearance, as a loaded column's dictionary has them (ties in sorting keep that order).
        var customerKeys: [ExactText] = []
        var seen: Set<ExactText> = []
        for row in 0..<customers.count where !customers.isNull(row) {
            let key = ExactText(customers.value(at: row).plainText)
            if seen.insert(key).inserted { customerKeys.append(key) }
        }
        let rules = KeyMatch.allCases.filter { $0 == mode || KeyMatchReport.looser($0, than: mode) }
        func orderKey(_ rule: KeyMatch, _ key: String) -> String? {
            var best: String?
            for candidate in orderRows.keys.map(\.text)
            where ExactText(rule.normalized(candidate)) == ExactText(rule.normalized(key)) {
                if best.map({ candidate < $0 }) ?? true { best = candidate }
            }
            return best
        }
        var customerForms: [ExactText: Int] = [:]
        for key in customerKeys { customerForms[ExactText(mode.normalized(key.text)), default: 0] += 1 }
        let sharedForms = mode == .exact ? 0 : customerForms.values.reduce(0) { $0 + ($1 > 1 ? $1 : 0) }
        var matchedForms: Set<ExactText> = []
        var loosened: [(String, String)] = []
        var unmatched: [String] = []
        for key in customerKeys {
            guard let matched = orderKey(mode, key.text) else {
                unmatched.append(key.text)
                continue
            }
            matchedForms.insert(ExactText(mode.normalized(matched)))
            if orderRows[key] == nil { loosened.append((key.text, matched)) }
        }
        var unknownCustomers = 0
        var unknownRows = 0
        for (key, rows) in orderRows where !matchedForms.contains(ExactText(mode.normalized(key.text))) {
            unknownCustomers += 1
            unknownRows += rows
        }
        var near: [KeyMatch: (count: Int, examples: [(String, String)])] = [:]
        for key in unmatched.sorted() {
            for rule in rules where rule != mode {
                guard let matched = orderKey(rule, key) else { continue }
                near[rule, default: (0, [])].count += 1
                if (near[rule]?.examples.count ?? 0) < 3 { near[rule]?.examples.append((key, matched)) }
                break
            }
        }
        var report = KeyMatchReport(
            orders: Column(name: "o", storage: .text(codes: [], dictionary: [])),
            customers: Column(name: "c", storage: .text(codes: [], dictionary: [])), mode: mode)
        report.customerCount = customerKeys.count
        report.customersWithoutOrders = unmatched.count
        report.orderCustomers = orderRows.count
        report.orderCustomersUnknown = unknownCustomers
        report.orderRowsUnknown = unknownRows
        report.loosened = (loosened.count, Array(loosened.sorted { $0.0 < $1.0 }.prefix(3)))
        report.sharedForms = sharedForms
        report.nearMatches = rules.compactMap { rule in near[rule].map { (rule, $0.count, $0.examples) } }
        return (
            report.summary, report.customerCount, report.orderCustomers, sharedForms, report.warnings.map(\.message)
        )
    }

    /// Each history customer with the first customers row of its form, then the customers rows whose form no
    /// history customer has (one per form, in row order).
    static func attributeRows(history: OrderHistory, keys: Column, mode: KeyMatch) -> [(key: String, row: Int?)] {
        func form(_ value: Value) -> ExactText { ExactText(mode.normalized(value.plainText)) }
        var firstRow: [ExactText: Int] = [:]
        for row in 0..<keys.count where !keys.isNull(row) && firstRow[form(keys.value(at: row))] == nil {
            firstRow[form(keys.value(at: row))] = row
        }
        let historyForms = Set((0..<history.customerCount).map { form(history.keys.value(at: $0)) })
        var result = (0..<history.customerCount).map {
            (key: history.keys.value(at: $0).plainText, row: firstRow[form(history.keys.value(at: $0))])
        }
        for row in 0..<keys.count where !keys.isNull(row) {
            let f = form(keys.value(at: row))
            if firstRow[f] == row && !historyForms.contains(f) { result.append((keys.value(at: row).plainText, row)) }
        }
        return result
    }
}
