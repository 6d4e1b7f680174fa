import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The queries churnql writes itself (workbench, team, handover, profile) read the base tables and the derived
/// customers table whatever views the session defines, and take any rep name or column name as a value.
struct InternalQueryTests {
    static func execute(_ engine: Engine, _ text: String) throws -> StatementResult {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        if let first = parsed.diagnostics.first { throw first }
        var last = StatementResult.nothing
        for node in parsed.statements { last = try engine.execute(node, source: source) }
        return last
    }

    static func rows(_ table: Table) -> [String] {
        [table.columnNames.joined(separator: ",")]
            + (0..<table.rowCount).map { row in table.columns.map { $0.value(at: row).plainText }.joined(separator: ",")
            }
    }

    /// Every title, note and cell of a result, for comparing two sessions.
    static func contents(_ result: StatementResult) -> [String] {
        switch result {
        case .table(let table): return rows(table)
        case .report(let parts, let notes, _): return parts.flatMap { [$0.title] + rows($0.table) } + notes
        case .workbench(let parts, let long, let notes):
            return parts.flatMap { [$0.title] + rows($0.table) } + long.flatMap { [$0.0] + rows($0.1) } + notes
        default: return ["unexpected result"]
        }
    }

    static func shopEngine() throws -> Engine {
        let engine = Engine()
        for name in ["customers", "orders", "contacts", "contracts"] {
            _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/\(name).csv").path)
        }
        return engine
    }

    @Test(
        "user views named customers and orders do not change the internal queries",
        arguments: ["workbench", "workbench overdue_cycle", "profile by source", "handover \"Emil\"", "team"])
    func viewsDoNotChangeInternalQueries(statement: String) throws {
        let plain = try Self.shopEngine()
        let withViews = try Self.shopEngine()
        _ = try Self.execute(withViews, "let customers = from customers | where revenue > 1000")
        _ = try Self.execute(withViews, "let orders = from orders | take 3")
        // The views are in force for the user's own queries…
        let count = "from customers | count"
        #expect(Self.contents(try Self.execute(withViews, count)) != Self.contents(try Self.execute(plain, count)))
        // …and not for the statement's.
        let expected = Self.contents(try Self.execute(plain, statement))
        #expect(expected.count > 2)
        #expect(Self.contents(try Self.execute(withViews, statement)) == expected)
    }

    /// The text shown for each internal query parses back to the very query that runs.
    @Test func shownTextIsTheQueryThatRuns() throws {
        var queries = Workbench.sections(churnWindow: 90, lostWindow: 365).map(\.query)
        queries += [
            Workbench.lostByYearQuery(lostWindow: 365), Workbench.teamQuery, Workbench.handoverQuery(Self.rep),
            Workbench.profileQuery(Self.attribute),
        ]
        for query in queries {
            let text = QueryPrinter.text(of: query)
            #expect(SpanFree.query(try QueryPrinterTests.parseQuery(text)) == SpanFree.query(query), "\(text)")
        }
    }

    /// A rep name and an attribute name holding a backquote, a double quote and `|`.
    static let rep = "A`l\"|x -- y"
    static let attribute = "se\"g`|x"

    static func hostileEngine() throws -> Engine {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("internal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func csvField(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let files = [
            (
                "orders.csv",
                """
                customer_id,order_date,amount
                A,2024-01-10,100
                A,2024-06-30,50
                B,2024-03-01,20
                C,2024-06-25,70
                """
            ),
            (
                "customers.csv",
                """
                customer_id,\(csvField(attribute))
                A,x|y`z
                B,x|y`z
                C,plain
                """
            ),
            (
                "contacts.csv",
                """
                customer_id,contact_date,rep,outcome,next_contact
                A,2024-05-02,\(csvField(rep)),reached,2024-05-20
                B,2024-06-01,\(csvField(rep)),won,2024-06-10
                C,2024-06-02,Bo,reached,
                """
            ),
        ]
        let engine = Engine()
        for (name, text) in files {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            _ = try engine.loadFile(path: path)
        }
        return engine
    }

    @Test func handoverTakesAnyRepName() throws {
        let engine = try Self.hostileEngine()
        guard case .table(let table) = try Self.execute(engine, "handover \(Lexer.quoted(Self.rep))") else {
            Issue.record("handover gave no table")
            return
        }
        // A (revenue 150) and B (20), by revenue; C belongs to Bo.
        #expect(Self.rows(table).dropFirst().map { $0.prefix(while: { $0 != "," }) } == ["A", "B"])
    }

    @Test func profileTakesAnyColumnName() throws {
        let engine = try Self.hostileEngine()
        let key = QueryPrinter.name(Self.attribute)
        #expect(key == "`se\"g``|x`")
        guard case .table(let table) = try Self.execute(engine, "profile by \(key)") else {
            Issue.record("profile gave no table")
            return
        }
        #expect(table.columnNames.first == Self.attribute)
        let groups = try #require(table.column(Self.attribute))
        let customers = try #require(table.column("customers"))
        let revenue = try #require(table.column("revenue"))
        #expect((0..<table.rowCount).map { groups.value(at: $0).plainText } == ["plain", "x|y`z"])
        #expect((0..<table.rowCount).map { customers.value(at: $0) } == [.integer(1), .integer(2)])
        #expect((0..<table.rowCount).map { revenue.value(at: $0).plainText } == ["70", "170"])
    }

    @Test func teamTakesAnyRepName() throws {
        let engine = try Self.hostileEngine()
        guard case .report(let parts, _, _) = try Self.execute(engine, "team"), let table = parts.first?.table else {
            Issue.record("team gave no report")
            return
        }
        let reps = try #require(table.column("rep"))
        let contacts = try #require(table.column("contacts"))
        let customers = try #require(table.column("customers"))
        let byRep = Dictionary(
            uniqueKeysWithValues: (0..<table.rowCount).map {
                (reps.value(at: $0).plainText, (contacts.value(at: $0), customers.value(at: $0)))
            })
        #expect(byRep[Self.rep]?.0 == .integer(2))
        #expect(byRep[Self.rep]?.1 == .integer(2))
        #expect(byRep["Bo"]?.1 == .integer(1))
    }

    @Test func anErrorInAnInternalQueryShowsThePrintedQuery() throws {
        let engine = Engine()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("internal-\(UUID().uuidString).csv")
            .path
        try "customer_id,order_date,amount\nA,2024-01-10,100\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try engine.loadFile(path: path, alias: "orders")
        // Without a span of the user's, an internal query's error points into its printed text.
        #expect {
            _ = try engine.runQuery(Workbench.handoverQuery("a`b"))
        } throws: { error in
            guard let diagnostic = error as? Diagnostic else { return false }
            let line = diagnostic.sourceLine ?? ""
            let caret = line.utf8.dropFirst(diagnostic.column - 1).prefix(3)
            return diagnostic.message == "unknown column 'rep'" && line.hasPrefix("from customers | where rep == ")
                && String(decoding: caret, as: UTF8.self) == "rep"
        }
        // `handover` itself says what it needs, at the user's statement.
        #expect {
            _ = try Self.execute(engine, "handover \"a`b\"")
        } throws: { error in
            (error as? Diagnostic)?.code == "no-contacts" && (error as? Diagnostic)?.column == 1
        }
    }
}
