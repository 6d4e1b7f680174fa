import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Hand-computed CRM columns and workbench sections. asof = 2024-06-30 (the latest order).
struct WorkbenchTests {
    static func engine() throws -> Engine {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let files = [
            "orders.csv": """
            customer_id,order_date,amount
            A,2024-01-10,100
            A,2024-06-30,50
            B,2024-03-01,20
            C,2024-06-25,70
            """,
            // A: latest contact (Jun 20, by Bo) schedules Jun 30 = today; the May contact by Al is older.
            // B: the contact on Jul 5 is after asof and ignored; the latest (Jun 1) scheduled Jun 10: overdue.
            // C: no contacts.
            "contacts.csv": """
            customer_id,contact_date,rep,outcome,next_contact
            A,2024-05-02,Al,reached,2024-05-20
            A,2024-06-20,Bo,won,2024-06-30
            B,2024-06-01,Al,no answer,2024-06-10
            B,2024-07-05,Bo,reached,2024-07-06
            """,
            "contracts.csv": """
            customer_id,start_date,end_date,value
            A,2023-07-15,2024-07-14,1000
            C,2024-05-10,2025-05-09,500
            """,
        ]
        let engine = Engine()
        for (name, text) in files.sorted(by: { $0.key > $1.key }) {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try engine.loadFile(path: path)
        }
        return engine
    }

    static func cell(_ engine: Engine, _ customer: String, _ column: String) throws -> Value {
        let query = QueryBuilder(from: "customers")
            .filter(Expression.named("customer_id").combined(.equal, .text(customer))).select([column]).query
        let table = try engine.runQuery(query)
        return try #require(table.columns.first).value(at: 0)
    }

    static func day(_ y: Int, _ m: Int, _ d: Int) -> Value { .date(Dates.dayNumber(year: y, month: m, day: d)) }

    @Test(
        "CRM columns",
        arguments: [
            ("A", "last_contact", day(2024, 6, 20)), ("A", "contacts", Value.integer(2)), ("A", "rep", .text("Bo")),
            ("A", "next_contact", day(2024, 6, 30)), ("A", "days_since_contact", .integer(10)),
            ("A", "contact_overdue", .boolean(false)), ("A", "contract_end", day(2024, 7, 14)),
            ("A", "in_contract", .boolean(true)),
            ("B", "contacts", .integer(1)), ("B", "rep", .text("Al")), ("B", "next_contact", day(2024, 6, 10)),
            ("B", "contact_overdue", .boolean(true)), ("B", "in_contract", .boolean(false)),
            ("C", "contacts", .integer(0)), ("C", "last_contact", .null), ("C", "rep", .null),
            ("C", "contract_start", day(2024, 5, 10)),
        ])
    func crmColumn(customer: String, column: String, expected: Value) throws {
        let engine = try Self.engine()
        #expect(try Self.cell(engine, customer, column) == expected)
    }

    @Test func sectionsSelectByTheirRules() throws {
        let engine = try Self.engine()
        func ids(_ name: String) throws -> [String] {
            let section = try #require(Workbench.sections(churnWindow: 90, lostWindow: 365).first { $0.name == name })
            let table = try engine.runQuery(section.query)
            let column = try #require(table.column("customer_id"))
            return (0..<table.rowCount).map { column.value(at: $0).plainText }
        }
        #expect(try ids("contact_today") == ["A"])
        #expect(try ids("contact_overdue") == ["B"])
        // Bought within the last 7 days: A (Jun 30) and C (Jun 25, 5 days ago), ranked by recency.
        #expect(try ids("bought_recently") == ["A", "C"])
        // A's contract ends Jul 14: this quarter (Q3 starts Jul 1, so not this quarter) — June's quarter is Q2.
        #expect(try ids("contracts_ending_quarter").isEmpty)
        // C's contract started May 10: last month relative to June.
        #expect(try ids("new_contracts_last_month") == ["C"])
    }

    /// Boundary days of the date-window sections, on customers made for them (asof 2024-06-30, W 90d, L 365d).
    @Test func sectionBoundaries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("crm-b-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        // asof = 2024-06-30 (Z's order). Lapsed since: P 120 days (= W + 30, in), Q 121 days (out).
        // Lost: R's last order 2023-06-29 → lost from 2024-06-29 (this year); S 2022-01-01 → lost in 2023.
        // Contacts: T next 2024-07-01 (tomorrow), U 2024-07-07 (asof + 7, in this week), V 2024-07-08 (out).
        let orders = """
            customer_id,order_date,amount
            Z,2024-06-30,1
            P,2024-03-02,1
            Q,2024-03-01,1
            R,2023-06-29,1
            S,2022-01-01,1
            T,2024-06-01,1
            U,2024-06-01,1
            V,2024-06-01,1
            """
        let contacts = """
            customer_id,contact_date,rep,next_contact
            T,2024-06-20,Al,2024-07-01
            U,2024-06-20,Al,2024-07-07
            V,2024-06-20,Al,2024-07-08
            """
        let engine = Engine()
        for (name, text) in [("orders.csv", orders), ("contacts.csv", contacts)] {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try engine.loadFile(path: path)
        }
        func ids(_ name: String) throws -> [String] {
            let section = try #require(Workbench.sections(churnWindow: 90, lostWindow: 365).first { $0.name == name })
            let table = try engine.runQuery(section.query)
            let column = try #require(table.column("customer_id"))
            return (0..<table.rowCount).map { column.value(at: $0).plainText }.sorted()
        }
        #expect(try ids("recently_lapsed") == ["P"])
        #expect(try ids("lost_this_year") == ["R"])
        #expect(try ids("contact_tomorrow") == ["T"])
        #expect(try ids("contact_this_week") == ["U"])
        #expect(try ids("bought_recently") == ["Z"])
    }
}
