import ChurnQLDiagnostics
import ChurnQLEngine

import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad
@testable import ChurnQLMetrics

/// Keys are text as written: customer keys and order ids never merge through number or date inference, and a
/// customers table joins the orders by a documented rule.
struct KeyColumnTests {
    struct KeyCase: CustomTestStringConvertible, Sendable {
        var name: String
        var keys: [String]
        var testDescription: String { name }
    }

    /// Keys that number or date inference would merge, reorder or break.
    static let collisions: [KeyCase] = [
        KeyCase(name: "decimals with trailing zeros", keys: ["10.1", "10.10", "10.100"]),
        KeyCase(name: "exponent forms", keys: ["1E5", "1e5", "100000", "1e+5", "1.0e5"]),
        KeyCase(name: "leading zeros", keys: ["42", "042", "0042", "0"]),
        KeyCase(name: "leading and trailing spaces", keys: ["7", " 7", "7 ", " 7 "]),
        KeyCase(name: "20-digit ids", keys: ["12345678901234567890", "12345678901234567891", "99999999999999999999"]),
        KeyCase(name: "ids around 2^63", keys: ["9223372036854775807", "9223372036854775808", "18446744073709551616"]),
        KeyCase(name: "date-like ids", keys: ["20230115", "20230116", "2023-01-15", "15/01/2023"]),
        KeyCase(name: "negative-looking ids", keys: ["-5", "5", "-0", "0", "-05"]),
        KeyCase(name: "ids with +", keys: ["+7", "7", "+07", "+7.0"]),
        KeyCase(name: "boolean-looking ids", keys: ["true", "TRUE", "yes", "no"]),
        KeyCase(name: "money-looking ids", keys: ["$1,000", "1000", "1,000", "1.000,00"]),
    ]

    static func csvField(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// An orders file with one order per key (each key twice, so grouping is tested too).
    static func ordersCSV(_ keys: [String], idColumn: String = "customer_id") -> String {
        var lines = ["order_id,\(idColumn),order_date,amount"]
        for (i, key) in (keys + keys).enumerated() {
            lines.append("\(20_230_115 + i),\(csvField(key)),2024-01-\(String(format: "%02d", i % 28 + 1)),\(i + 1)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func temporaryFile(_ name: String, _ text: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "churnql-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static func texts(_ table: Table?, _ column: String) -> [String] {
        guard let table, let c = table.column(column) else { return [] }
        return (0..<table.rowCount).map { c.value(at: $0).plainText }
    }

    @Test(arguments: collisions)
    func keysStayDistinctAndPrintAsWritten(_ c: KeyCase) throws {
        let loaded = try CSVLoader.parse(text: Self.ordersCSV(c.keys), path: "orders.csv", name: "orders").table
        let column = try #require(loaded.column("customer_id"))
        #expect(column.type == .text)
        #expect(Self.texts(loaded, "customer_id") == c.keys + c.keys)
        // The order id column (20230115…) is an id, not a date: plain integers, kept as written.
        #expect(loaded.column("order_id")?.type == .integer)
        #expect(Self.texts(loaded, "order_id").first == "20230115")

        let url = try Self.temporaryFile("orders.csv", Self.ordersCSV(c.keys))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let engine = Engine()
        _ = try engine.loadFile(path: url.path)
        let customers = try MetricsTests.run(engine, "from customers | select customer_id, orders")
        #expect(customers?.rowCount == Set(c.keys).count)
        #expect(Set(Self.texts(customers, "customer_id")) == Set(c.keys))
        #expect(Self.texts(customers, "orders").allSatisfy { $0 == "2" })
    }

    /// Order ids are text unless every one is a plain integer, whose text is exactly its value's.
    @Test(arguments: [
        (["20230115", "20230116", "7"], DataType.integer),
        (["20230115", "+7"], .text), (["20230115", "007"], .text), (["1", "-0"], .text), (["1.5", "2"], .text),
        (["2023-01-15", "2023-01-16"], .text), (["99999999999999999999", "1"], .text), (["-7", "8"], .integer),
    ])
    func orderIDsKeepTheirText(_ ids: [String], _ type: DataType) throws {
        let text =
            "invoice_no,customer_id,order_date,amount\n"
            + ids.map { "\($0),A,2024-01-01,1" }.joined(separator: "\n")
        let table = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders").table
        #expect(table.column("invoice_no")?.type == type)
        #expect(Self.texts(table, "invoice_no") == ids)
    }

    /// A non-plain order id far past the type-guessing sample still turns the column to text, losing nothing.
    @Test func lateOrderIDThatIsNotPlainMakesTheColumnText() throws {
        var lines = ["order_id,customer_id,order_date,amount"]
        for i in 0..<5000 { lines.append("\(i + 1),C\(i % 7),2024-01-01,1") }
        lines.append("+5,C1,2024-01-01,1")
        let table = try CSVLoader.parse(text: lines.joined(separator: "\n"), path: "o.csv", name: "orders").table
        #expect(table.column("order_id")?.type == .text)
        #expect(Self.texts(table, "order_id").last == "+5")
        #expect(Self.texts(table, "order_id").first == "1")
    }

    /// Differential: on ordinary files (text keys in the shop, numeric keys made from them) the customers table
    /// agrees with a reference computed from the raw lines: one row per key as written, its orders and revenue.
    @Test(arguments: [false, true])
    func customersTableMatchesAReferenceOnAnOrdinaryFile(numericKeys: Bool) throws {
        let shop = try String(
            contentsOf: GoldenTests.root.appendingPathComponent("examples/shop/orders.csv"), encoding: .utf8)
        var lines = shop.split(separator: "\n").map(String.init)
        if numericKeys {
            // C01133 → 1133: plain numbers, which inference used to read as integers.
            lines = lines.enumerated().map { i, line in
                guard i > 0 else { return line }
                var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                fields[1] = String(Int(fields[1].dropFirst()) ?? 0)
                return fields.joined(separator: ",")
            }
        }
        var reference: [String: (orders: Int, revenue: Double)] = [:]
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            let entry = reference[String(fields[1])] ?? (0, 0)
            reference[String(fields[1])] = (entry.orders + 1, entry.revenue + (Double(fields[3]) ?? .nan))
        }
        let url = try Self.temporaryFile("orders.csv", lines.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let engine = Engine()
        _ = try engine.loadFile(path: url.path)
        let table = try #require(try MetricsTests.run(engine, "from customers | select customer_id, orders, revenue"))
        #expect(table.rowCount == reference.count)
        let keys = Self.texts(table, "customer_id")
        let orders = try #require(table.column("orders"))
        let revenue = try #require(table.column("revenue"))
        for (row, key) in keys.enumerated() {
            let expected = try #require(reference[key])
            #expect(orders.value(at: row) == .integer(Int64(expected.orders)))
            guard case .decimal(let r) = revenue.value(at: row) else {
                Issue.record("revenue of \(key) is not a decimal")
                continue
            }
            #expect(abs(r - expected.revenue) < 1e-6)
        }
        if numericKeys { #expect(keys == keys.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }) }
    }

    @Test func explicitCustomerColumnIsText() throws {
        let text = Self.ordersCSV(["10.1", "10.10"], idColumn: "cust")
        var options = LoadOptions()
        options.keyColumns = ["CUST"]
        let table = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders", options: options).table
        #expect(Self.texts(table, "cust") == ["10.1", "10.10", "10.1", "10.10"])
        // Without the option a column of another name is inferred as usual.
        let inferred = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders").table
        #expect(inferred.column("cust")?.type == .decimal)
    }

    @Test func plainNumberKeysListInNumericOrder() throws {
        let keys = ["10", "9", "100", "1", "25"]
        let table = try CSVLoader.parse(text: Self.ordersCSV(keys), path: "o.csv", name: "orders").table
        let history = try OrderHistory.build(
            customer: #require(table.column("customer_id")), date: #require(table.column("order_date")),
            amount: table.column("amount"), asof: Dates.dayNumber(year: 2025, month: 1, day: 1))
        let listed = (0..<history.customerCount).map { history.keys.value(at: $0).plainText }
        #expect(listed == keys.sorted { Int($0) ?? 0 < Int($1) ?? 0 })
        // Any key that is not a plain number: byte order.
        let mixed = ["10", "9", "09"]
        let mixedTable = try CSVLoader.parse(text: Self.ordersCSV(mixed), path: "o.csv", name: "orders").table
        let mixedHistory = try OrderHistory.build(
            customer: #require(mixedTable.column("customer_id")), date: #require(mixedTable.column("order_date")),
            amount: nil, asof: Dates.dayNumber(year: 2025, month: 1, day: 1))
        #expect((0..<3).map { mixedHistory.keys.value(at: $0).plainText } == mixed.sorted())
    }

    @Test func sqliteKeysAreTextAsSQLitePrintsThem() throws {
        let dump = """
            CREATE TABLE orders (customer_id, order_id INTEGER, order_date TEXT, amount REAL);
            INSERT INTO orders VALUES (12345678901234567, 20230115, '2024-01-01', 1.5);
            INSERT INTO orders VALUES (12345678901234568, 20230116, '2024-01-02', 2);
            INSERT INTO orders VALUES (100000.0, 3, '2024-01-03', 3);
            INSERT INTO orders VALUES ('1e5', 4, '2024-01-04', 4);
            INSERT INTO orders VALUES ('10.10', 5, '2024-01-05', 5);
            INSERT INTO orders VALUES ('10.1', 6, '2024-01-06', 6);
            """
        let url = try Self.temporaryFile("shop.sql", dump)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let orders = try #require(SQLiteLoader.loadDump(path: url.path).first).table
        #expect(
            Self.texts(orders, "customer_id") == [
                "12345678901234567", "12345678901234568", "100000.0", "1e5", "10.10", "10.1",
            ])
        #expect(orders.column("order_id")?.type == .integer)
        #expect(Self.texts(orders, "order_id") == ["20230115", "20230116", "3", "4", "5", "6"])
    }

    // MARK: Matching a customers table to the orders

    struct MatchCase: CustomTestStringConvertible, Sendable {
        var mode: KeyMatch
        var testDescription: String { mode.rawValue }
    }

    static let customerKeys = ["0042", "42 ", " A", "Z", "007", "x"]
    static let orderKeys = ["42", "A", "Q", "7", "7", "x"]

    /// The rule written out independently of KeyMatch: trim spaces and tabs; for digits, drop leading zeros.
    static func reference(_ key: String, _ mode: KeyMatch) -> String {
        guard mode != .exact else { return key }
        let trimmed = key.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        guard mode == .digits, !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return trimmed
        }
        let value = trimmed.drop { $0 == "0" }
        return value.isEmpty ? "0" : String(value)
    }

    @Test(arguments: KeyMatch.allCases.map { MatchCase(mode: $0) })
    func customersMatchOrdersByTheChosenRule(_ c: MatchCase) throws {
        let customers = Column(
            name: "customer_id",
            storage: .text(codes: Self.customerKeys.indices.map { Int32($0) }, dictionary: Self.customerKeys))
        let orders = Column(
            name: "customer_id",
            storage: .text(codes: Self.orderKeys.indices.map { Int32($0) }, dictionary: Self.orderKeys))
        let report = KeyMatchReport(orders: orders, customers: customers, mode: c.mode)
        let orderForms = Set(Self.orderKeys.map { Self.reference($0, c.mode) })
        let customerForms = Set(Self.customerKeys.map { Self.reference($0, c.mode) })
        #expect(
            report.customersWithoutOrders
                == Self.customerKeys.filter { !orderForms.contains(Self.reference($0, c.mode)) }.count)
        #expect(
            report.orderRowsUnknown
                == Self.orderKeys.filter { !customerForms.contains(Self.reference($0, c.mode)) }.count)
        let loosened = Self.customerKeys.filter {
            orderForms.contains(Self.reference($0, c.mode)) && !Self.orderKeys.contains($0)
        }
        #expect(report.loosened.count == loosened.count)
        // Every unmatched key that a looser rule would match is counted under the first such rule.
        let unmatched = Self.customerKeys.filter { !orderForms.contains(Self.reference($0, c.mode)) }
        let nearTotal = unmatched.filter { key in
            KeyMatch.allCases.contains { rule in
                KeyMatchReport.looser(rule, than: c.mode)
                    && Self.orderKeys.contains { Self.reference($0, rule) == Self.reference(key, rule) }
            }
        }.count
        #expect(report.nearMatches.reduce(0) { $0 + $1.count } == nearTotal)
        #expect((report.warnings.isEmpty) == (nearTotal == 0 && loosened.isEmpty))
    }

    @Test(arguments: KeyMatch.allCases.map { MatchCase(mode: $0) })
    func profileGivesBuyersTheirAttributes(_ c: MatchCase) throws {
        let customersText =
            "customer_id,region\n"
            + Self.customerKeys.enumerated().map { "\(Self.csvField($1)),R\($0)" }.joined(separator: "\n")
        let ordersText =
            "customer_id,order_date,amount\n"
            + Self.orderKeys.enumerated().map { "\(Self.csvField($1)),2024-01-0\($0 + 1),1" }.joined(separator: "\n")
        let customersURL = try Self.temporaryFile("customers.csv", customersText)
        let ordersURL = customersURL.deletingLastPathComponent().appendingPathComponent("orders.csv")
        try ordersText.write(to: ordersURL, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: customersURL.deletingLastPathComponent()) }
        let engine = Engine()
        var warnings: [Diagnostic] = []
        engine.warningDisplay = { warnings.append($0) }
        _ = try MetricsTests.run(
            engine, "load \"\(customersURL.path)\" with (key_match: \"\(c.mode.rawValue)\")\nload \"\(ordersURL.path)\""
        )
        let table = try #require(try MetricsTests.run(engine, "from customers | select customer_id, region, orders"))
        // Reference: each order key gets the first customers row with the same form; customers rows whose form no
        // order key has are customers without orders.
        let distinctOrders = Array(Set(Self.orderKeys))
        var expected: [String: String] = [:]
        for key in distinctOrders {
            let row = Self.customerKeys.firstIndex { Self.reference($0, c.mode) == Self.reference(key, c.mode) }
            expected[key] = row.map { "R\($0)" } ?? "null"
        }
        let orderForms = Set(Self.orderKeys.map { Self.reference($0, c.mode) })
        for (i, key) in Self.customerKeys.enumerated() where !orderForms.contains(Self.reference(key, c.mode)) {
            expected[key] = "R\(i)"
        }
        let keys = Self.texts(table, "customer_id")
        let regions = Self.texts(table, "region")
        #expect(Dictionary(zip(keys, regions), uniquingKeysWith: { a, _ in a }) == expected)
        #expect(table.rowCount == expected.count)
        #expect(warnings.contains { $0.code == "keys-match-loosely" } == (c.mode != .digits))
    }

    @Test func badKeyMatchOptionIsAnError() throws {
        let engine = Engine()
        #expect(throws: Diagnostic.self) {
            _ = try MetricsTests.run(engine, "load \"x.csv\" with (key_match: \"loose\")")
        }
    }
}
