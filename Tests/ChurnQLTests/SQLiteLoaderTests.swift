import CSQLite
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// SQLite fixtures are created here with the C API (never checked in as binaries).
@Suite("SQLite loader")
struct SQLiteLoaderTests {
    // MARK: Helpers

    private static func makeTempDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Creates a database file at `path` by running `sql`; records an issue when SQLite rejects it.
    private static func createDatabase(at path: String, sql: String) throws {
        var db: OpaquePointer?
        guard sqlite3_open(path, &db) == SQLITE_OK, let db else {
            sqlite3_close(db)
            throw FixtureError(message: "cannot create \(path)")
        }
        defer { sqlite3_close(db) }
        var error: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(db, sql, nil, nil, &error) != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "unknown"
            sqlite3_free(error)
            throw FixtureError(message: "fixture SQL failed: \(message)")
        }
    }

    struct FixtureError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    private static func failure(_ body: () throws(Diagnostic) -> [LoadedTable]) -> Diagnostic? {
        do throws(Diagnostic) {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    private static func values(_ table: Table, _ column: String) -> [Value] {
        guard let c = table.column(column) else { return [] }
        return (0..<c.count).map { c.value(at: $0) }
    }

    private static func day(_ y: Int, _ m: Int, _ d: Int) -> Value {
        .date(Dates.dayNumber(year: y, month: m, day: d))
    }

    static let schemaAndRows = """
        CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER, order_date TEXT, amount REAL);
        INSERT INTO orders VALUES (1, 10, '2024-01-15', 12.5);
        INSERT INTO orders VALUES (2, 11, '2024-02-29', 30.0);
        INSERT INTO orders VALUES (3, 10, '2024-03-10', 7.25);
        CREATE TABLE customers (customer_id INTEGER, name TEXT, signup TEXT, code TEXT);
        INSERT INTO customers VALUES (10, 'Ann', '2023-12-01', '00042');
        INSERT INTO customers VALUES (11, 'Bob', NULL, '00043');
        """

    private static func checkFixtureTables(_ tables: [LoadedTable]) throws {
        // Tables come back in creation order.
        #expect(tables.map(\.table.name) == ["orders", "customers"])
        let orders = try #require(tables.first { $0.table.name == "orders" }).table
        #expect(orders.columnNames == ["order_id", "customer_id", "order_date", "amount"])
        #expect(orders.rowCount == 3)
        // Customer keys are text as SQLite prints them (an INTEGER key as its decimal digits); order ids that are
        // all plain integers stay integers, whose text is the same.
        #expect(orders.column("order_id")?.type == .integer)
        #expect(orders.column("customer_id")?.type == .text)
        #expect(orders.column("order_date")?.type == .date)
        #expect(orders.column("amount")?.type == .decimal)
        #expect(values(orders, "order_id") == [.integer(1), .integer(2), .integer(3)])
        #expect(values(orders, "customer_id") == [.text("10"), .text("11"), .text("10")])
        #expect(values(orders, "order_date") == [day(2024, 1, 15), day(2024, 2, 29), day(2024, 3, 10)])
        // REAL 30.0 must stay a decimal 30, not become text.
        #expect(values(orders, "amount") == [.decimal(12.5), .decimal(30), .decimal(7.25)])

        let customers = try #require(tables.first { $0.table.name == "customers" }).table
        #expect(customers.rowCount == 2)
        #expect(customers.column("name")?.type == .text)
        #expect(customers.column("signup")?.type == .date)
        #expect(values(customers, "name") == [.text("Ann"), .text("Bob")])
        // A SQL NULL is a null cell.
        #expect(values(customers, "signup") == [day(2023, 12, 1), .null])
        // Leading-zero codes stay text, as in CSV.
        #expect(values(customers, "code") == [.text("00042"), .text("00043")])
    }

    // MARK: Database files

    @Test func loadsEveryTableOfADatabaseWithTypes() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("shop.db").path
        try Self.createDatabase(at: path, sql: Self.schemaAndRows)
        #expect(SQLiteLoader.isDatabase(path: path))

        let tables = try SQLiteLoader.loadDatabase(path: path)
        try Self.checkFixtureTables(tables)
        // Loading is read-only: nothing is created beside the input.
        let siblings = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(siblings == ["shop.db"])
    }

    /// Loads report their progress in bytes, and Ctrl-C (a cancelled progress) stops them as interrupted.
    @Test func progressCountsAndCancelStopsTheLoad() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("shop.db").path
        try Self.createDatabase(at: database, sql: Self.schemaAndRows)
        let dump = directory.appendingPathComponent("shop.sql").path
        try ("BEGIN TRANSACTION;\n" + Self.schemaAndRows + "\nCOMMIT;\n").write(
            toFile: dump, atomically: true, encoding: .utf8)
        let counting = LoadProgress(total: 1)
        try Self.checkFixtureTables(try SQLiteLoader.loadDatabase(path: database, progress: counting))
        #expect(counting.done > 0)
        let dumpCounting = LoadProgress(total: 1)
        try Self.checkFixtureTables(try SQLiteLoader.loadDump(path: dump, progress: dumpCounting))
        #expect(dumpCounting.done > counting.done)
        let cancelled = LoadProgress(total: 1, cancelled: { true })
        #expect(
            Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: dump, progress: cancelled) }?.code
                == "interrupted")
    }

    @Test func emptyTableStillReportsItsColumns() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("empty.sqlite").path
        try Self.createDatabase(at: path, sql: "CREATE TABLE t (a INTEGER, b TEXT);")
        let tables = try SQLiteLoader.loadDatabase(path: path)
        #expect(tables.count == 1)
        #expect(tables.first?.table.columnNames == ["a", "b"])
        #expect(tables.first?.table.rowCount == 0)
    }

    @Test func databaseWithoutTablesThrows() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("none.db").path
        // A real database whose only table was dropped: a valid header, but no tables.
        try Self.createDatabase(at: path, sql: "CREATE TABLE t (a); DROP TABLE t;")
        let d = try #require(Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDatabase(path: path) })
        #expect(d.code == "sqlite-empty")
    }

    @Test func randomBytesWithDbExtensionThrowAndDoNotCrash() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("noise.db").path
        // Deterministic pseudo-random bytes (a linear congruential generator), 8 KiB.
        var state: UInt32 = 12345
        var bytes: [UInt8] = []
        for _ in 0..<8192 {
            state = state &* 1_103_515_245 &+ 12345
            bytes.append(UInt8(truncatingIfNeeded: state >> 16))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(!SQLiteLoader.isDatabase(path: path))
        let d = Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDatabase(path: path) }
        #expect(d != nil)
        #expect(d?.severity == .error)
    }

    @Test func missingDatabaseFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("nope-\(UUID().uuidString).db").path
        let d = Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDatabase(path: path) }
        #expect(d?.code == "file-not-found")
        // And the failed open must not have created the file.
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    // MARK: Dumps

    @Test func loadsADump() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("shop.sql").path
        let dump = "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n" + Self.schemaAndRows + "\nCOMMIT;\n"
        try dump.write(toFile: path, atomically: true, encoding: .utf8)
        let tables = try SQLiteLoader.loadDump(path: path)
        try Self.checkFixtureTables(tables)
    }

    @Test(
        "a bad statement on line 3 is reported at line 3",
        arguments: [
            "CREATE TABLE oops (;",  // rejected by the parser
            "INSERT INTO missing VALUES (1);",  // rejected when prepared: no such table
        ])
    func badStatementInDump(_ statement: String) throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.sql").path
        let dump = """
            PRAGMA foreign_keys=OFF;
            BEGIN TRANSACTION;
            \(statement)
            CREATE TABLE t (a INTEGER);
            INSERT INTO t VALUES (1);
            COMMIT;

            """
        try dump.write(toFile: path, atomically: true, encoding: .utf8)
        let d = try #require(Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: path) })
        #expect(d.code == "sqlite-dump")
        #expect(d.line == 3)
        #expect(d.sourceLine == statement)
        #expect(d.file == path)
    }

    @Test func constraintViolationAtStepTimeIsLocated() throws {
        // The INSERT prepares fine but fails when stepped (duplicate primary key) on line 4.
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("dup.sql").path
        let dump = """
            BEGIN TRANSACTION;
            CREATE TABLE t (a INTEGER PRIMARY KEY);
            INSERT INTO t VALUES (1);
            INSERT INTO t VALUES (1);
            COMMIT;

            """
        try dump.write(toFile: path, atomically: true, encoding: .utf8)
        let d = try #require(Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: path) })
        #expect(d.code == "sqlite-dump")
        #expect(d.line == 4)
    }

    @Test func dumpThatIsNotUTF8() throws {
        let directory = try Self.makeTempDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("latin1.sql").path
        try Data([0x43, 0x52, 0xFF, 0xFE, 0x80, 0x0A]).write(to: URL(fileURLWithPath: path))
        let d = Self.failure { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: path) }
        #expect(d?.code == "bad-encoding")
    }
}
