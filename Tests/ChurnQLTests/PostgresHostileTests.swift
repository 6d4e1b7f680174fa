import ChurnQLDiagnostics
import ChurnQLPostgres
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// Attached servers under hostile input: names and values that would end a statement if pasted into SQL,
/// passwords that must never be shown, a server that goes away, a table without roles, a query cancelled.
/// After every case the scratch schema holds the same tables with the same rows.
struct PostgresHostileTests {
    static let table = "\"; drop table orders; --"
    static let customer = "customer \"id\" 's"
    static let date = "order date; drop"
    static let amount = "amount ü 💰"
    static let note = "it's"
    static let hostileValue = "x'); drop table orders; --"

    /// The hostile table (orders on hostile column names) and a plain `orders` table the injections aim at.
    static func scratch(_ uri: String) throws -> (PostgresScratch, [[Value]]) {
        let scratch = try PostgresScratch(uri: uri)
        var rows: [[Value]] = []
        for i in 0..<60 {
            let day = Dates.dayNumber(year: 2024, month: 1 + i % 12, day: 1 + i % 27)
            let value = i % 5 == 0 ? hostileValue : i % 3 == 0 ? "plain" : "ü \"q\" \(i % 4)"
            rows.append([.text("c'\(i % 9)"), .date(day), .decimal(Double(i) * 1.5), .text(value)])
        }
        try scratch.create(
            table, columns: [(customer, "text"), (date, "date"), (amount, "numeric"), (note, "text")], rows: rows)
        try scratch.create(
            "orders", columns: [("customer_id", "text"), ("order_date", "date"), ("amount", "numeric")],
            rows: [[.text("a"), .date(Dates.dayNumber(year: 2024, month: 1, day: 1)), .decimal(1)]])
        return (scratch, rows)
    }

    static func cell(_ engine: Engine, _ text: String) throws -> Value {
        let table = try #require(try MetricsTests.run(engine, text))
        return try #require(table.columns.last).value(at: 0)
    }

    @Test("hostile table, column and parameter values are data, never SQL")
    func hostileNames() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "hostile names") else { return }
        let (scratch, rows) = try Self.scratch(uri)
        defer { scratch.drop() }
        let before = try scratch.fingerprint()
        do {
            let engine = Engine()
            try MetricsTests.run(
                engine,
                """
                attach "\(scratch.userURI)" as db with (orders: "\(Self.table.replacingOccurrences(of: "\"", with: "\\\""))", \
                customer: "\(Self.customer.replacingOccurrences(of: "\"", with: "\\\""))", date: "\(Self.date)", \
                amount: "\(Self.amount)")
                """)
            #expect(engine.catalog.names.isEmpty)
            // Counted here, independently of both engines.
            let hostileCount = rows.filter { $0[3] == .text(Self.hostileValue) }.count
            let customers = Set(rows.map { $0[0] }).count
            #expect(try Self.cell(engine, "from customers | count") == .integer(Int64(customers)))
            let quotedTable = "`" + Self.table + "`"
            let where_ = "where `\(Self.note)` == \"x'); drop table orders; --\""
            #expect(
                try Self.cell(engine, "from \(quotedTable) | \(where_) | count") == .integer(Int64(hostileCount)))
            #expect(try Self.cell(engine, "from \(quotedTable) | count") == .integer(Int64(rows.count)))
            let groups = try #require(
                try MetricsTests.run(engine, "from \(quotedTable) | group `\(Self.note)` | agg n = count()"))
            #expect(groups.rowCount == Set(rows.map { $0[3] }).count)
            // A parameter value with quotes and semicolons, as `--set` gives it.
            engine.parameters["v"] = .text(Self.hostileValue)
            #expect(
                try Self.cell(engine, "from \(quotedTable) | where `\(Self.note)` == $v | count")
                    == .integer(Int64(hostileCount)))
        }
        #expect(try scratch.fingerprint() == before)
    }

    @Test("a --set value with quotes and semicolons filters on the server")
    func setValueOnCommandLine() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "--set value") else { return }
        let (scratch, rows) = try Self.scratch(uri)
        defer { scratch.drop() }
        let before = try scratch.fingerprint()
        let directory = try ShellCommand.temporaryFolder("pg-set")
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = "param v = \"none\"\nfrom `\(Self.table)` | where `\(Self.note)` == $v | count\n"
        let attach =
            "attach \"\(scratch.userURI)\" as db with (orders: \"\\\"; drop table orders; --\", customer: \"customer \\\"id\\\" 's\", date: \"\(Self.date)\")\n"
        try (attach + script).write(to: directory.appendingPathComponent("q.cql"), atomically: true, encoding: .utf8)
        let result = try ChurnQLBinary.run(
            ["--quiet", "--format", "csv", "--set", "v=\(Self.hostileValue)", "-f", "q.cql"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let expected = rows.filter { $0[3] == .text(Self.hostileValue) }.count
        #expect(result.stdout.split(separator: "\n").last.map(String.init) == String(expected), "\(result.stdout)")
        #expect(try scratch.fingerprint() == before)
    }

    @Test("a wrong password is refused without showing it")
    func wrongPassword() throws {
        guard let base = PostgresTestServer.required("CHURNQL_TEST_PG_PASSWORD_URI", test: "wrong password") else {
            return
        }
        let wrong = "wr0ng;pass'word\"x"
        let encoded = wrong.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "wrong"
        let uri = PostgresTestServer.uri(base, user: "churnql_pw", password: encoded)
        let engine = Engine()
        do {
            _ = try engine.attach(uri: uri)
            Issue.record("attach with a wrong password succeeded")
        } catch {
            #expect(error.code == "server-connection")
            for secret in [wrong, encoded] {
                #expect(!error.message.contains(secret) && !(error.hint ?? "").contains(secret), "\(error.message)")
            }
        }
        #expect(engine.remoteTableNames.isEmpty)
    }

    @Test("a password in the URI is never printed")
    func passwordNeverShown() throws {
        guard let base = PostgresTestServer.required("CHURNQL_TEST_PG_PASSWORD_URI", test: "password URI"),
            let password = PostgresTestServer.required("CHURNQL_TEST_PG_PASSWORD", test: "password URI"),
            let uri = PostgresTestServer.required(PostgresTestServer.single, test: "password URI")
        else { return }
        let (scratch, _) = try Self.scratch(uri)
        defer { scratch.drop() }
        let before = try scratch.fingerprint()
        let secretURI = PostgresTestServer.uri(base, user: "churnql_pw", password: password)
        let directory = try ShellCommand.temporaryFolder("pg-pw")
        defer { try? FileManager.default.removeItem(at: directory) }
        let orders = "\(scratch.name).orders"
        let script = """
            attach "\(secretURI)" as pw with (orders: "\(orders)")
            .tables
            from orders | count
            from nosuch | count
            attach "\(secretURI)" as pw2 with (orders: "no_such_table")
            load "\(secretURI)" table no_such_table
            detach pw
            attach "\(secretURI)" as pw with (orders: "\(orders)", customer: "missing")
            """
        try script.write(to: directory.appendingPathComponent("s.cql"), atomically: true, encoding: .utf8)
        let result = try ChurnQLBinary.run(["--keep-going", "-f", "s.cql"], in: directory)
        #expect(result.stdout.contains("1"), "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains(password) && !result.stderr.contains(password))
        // The URI on the command line, and an error that quotes it.
        let direct = try ChurnQLBinary.run(
            [secretURI, "-c", "from orders | count", "-c", "from nosuch"], in: directory, stdin: "")
        #expect(!direct.stdout.contains(password) && !direct.stderr.contains(password))
        #expect(direct.stderr.contains("nosuch"), "\(direct.stderr)")
        #expect(try scratch.fingerprint() == before)
    }

    @Test("a table without customer and date columns is refused clearly")
    func tableWithoutRoles() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "no roles") else { return }
        let scratch = try PostgresScratch(uri: uri)
        defer { scratch.drop() }
        try scratch.create("events", columns: [("x", "bigint"), ("label", "text")], rows: [[.integer(1), .text("a")]])
        let before = try scratch.fingerprint()
        let engine = Engine()
        do {
            _ = try engine.attach(uri: scratch.userURI, overrides: ["orders": "events"])
            Issue.record("attach with orders on a table without roles succeeded")
        } catch {
            #expect(error.code == "no-roles")
            #expect(error.message.contains("events"), "\(error.message)")
        }
        #expect(engine.remoteTableNames.isEmpty)
        #expect(try scratch.fingerprint() == before)
    }

    @Test("a server that goes away gives server-connection; memory still answers")
    func serverGoesAway() throws {
        guard PostgresTestServer.required(PostgresTestServer.single, test: "server goes away") != nil else { return }
        let script = GoldenTests.root.appendingPathComponent("scripts/pg-server").path
        // Short: the Unix socket path must fit in 107 bytes.
        let directory = "/tmp/cqpg-\(UUID().uuidString.prefix(8))"
        defer {
            try? Self.shell([script, "stop", directory])
            try? FileManager.default.removeItem(atPath: directory)
        }
        try Self.shell([script, "start", directory])
        let output = try String(contentsOfFile: directory + "/env", encoding: .utf8)
        let line = try #require(output.split(separator: "\n").first { $0.hasPrefix("export CHURNQL_TEST_PG=") })
        let uri = line.dropFirst("export CHURNQL_TEST_PG=".count).trimmingCharacters(
            in: CharacterSet(charactersIn: "'"))
        let admin = try PostgresConnection(uri)
        _ = try admin.rows("CREATE TABLE events (x bigint)")
        _ = try admin.rows("INSERT INTO events VALUES (1), (2)")
        let engine = Engine()
        let path = GoldenTests.root.appendingPathComponent("examples/shop/orders.csv").path
        _ = try engine.loadFile(path: path, alias: "orders")
        let expected = try #require(engine.catalog["orders"]).rowCount
        _ = try engine.attach(uri: uri, alias: "gone")
        #expect(try PostgresHostileTests.cell(engine, "from events | count") == .integer(2))
        try Self.shell([script, "stop", directory])
        do {
            _ = try MetricsTests.run(engine, "from events | count")
            Issue.record("a query on a stopped server answered")
        } catch let error as Diagnostic {
            #expect(error.code == "server-connection", "\(error.code): \(error.message)")
        }
        #expect(try PostgresHostileTests.cell(engine, "from orders | count") == .integer(Int64(expected)))
    }

    /// Runs a script. scripts/pg-server starts the server without the descriptors it inherits (Foundation's end
    /// of the child's socket pair among them), so `waitUntilExit` returns once the script has.
    static func shell(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PostgresError(.connection, "\(arguments) failed with status \(process.terminationStatus)")
        }
    }

    @Test("a session asks the server to stop its query once the client is gone")
    func deadClientCheck() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "dead client check") else {
            return
        }
        let connection = try PostgresConnection(uri)
        // A killed churnql cannot cancel: the server notices the closed socket at this interval instead.
        #expect(try connection.rows("SHOW client_connection_check_interval") == [["1s"]])
    }

    @Test("a cancelled query stops within a couple of seconds")
    func cancel() throws {
        guard let uri = PostgresTestServer.required(PostgresTestServer.single, test: "cancel") else { return }
        let connection = try PostgresConnection(uri)
        let start = Date()
        do {
            try connection.query(
                "SELECT pg_sleep(30)", isCancelled: { Date().timeIntervalSince(start) > 0.2 }, columns: { _ in },
                row: { _ in })
            Issue.record("pg_sleep(30) was not cancelled")
        } catch {
            #expect(error.kind == .cancelled, "\(error.message)")
        }
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 3, "cancel took \(elapsed) s")
        // The connection is usable afterwards.
        #expect(try connection.rows("SELECT 1") == [["1"]])
    }
}
