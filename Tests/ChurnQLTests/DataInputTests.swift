import CSQLite
import ChurnQLDiagnostics
import Foundation
import Testing

@testable import ChurnQLLoad

/// Inputs that are not plain files (WAL databases, FIFOs, process substitutions, symlink loops) and `.sql` dumps
/// that would run forever or take all memory.
struct DataInputTests {
    static let root = GoldenTests.root
    static let orders = root.appendingPathComponent("examples/shop/orders.csv").path

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Every file of a folder with a digest of its bytes.
    static func snapshot(_ directory: URL) throws -> [String: Int] {
        var result: [String: Int] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            var hasher = Hasher()
            hasher.combine(data)
            result[name] = hasher.finalize()
        }
        return result
    }

    static func exec(_ db: OpaquePointer, _ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(db, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "?"
            sqlite3_free(message)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: text])
        }
    }

    static func diagnostic(_ body: () throws(Diagnostic) -> [LoadedTable]) -> Diagnostic? {
        do throws(Diagnostic) {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: SQLite

    /// A WAL-mode database in a folder whose name needs escaping in a URI: loading it creates no -wal or -shm
    /// file and changes no byte.
    @Test func walDatabaseIsLeftExactlyAsItWas() throws {
        let parent = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: parent) }
        let directory = parent.appendingPathComponent("odd ?#% name")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("shop?.db").path
        var db: OpaquePointer?
        #expect(sqlite3_open(path, &db) == SQLITE_OK)
        let handle = try #require(db)
        try Self.exec(handle, "PRAGMA journal_mode=WAL")
        try Self.exec(handle, "CREATE TABLE orders (customer_id TEXT, order_date TEXT, amount REAL)")
        try Self.exec(handle, "INSERT INTO orders VALUES ('a', '2024-01-15', 10.5), ('b', '2024-02-01', 3)")
        sqlite3_close(handle)
        let before = try Self.snapshot(directory)
        #expect(before.keys.sorted() == ["shop?.db"])
        let tables = try SQLiteLoader.loadDatabase(path: path)
        #expect(tables.first?.table.rowCount == 2)
        #expect(try Self.snapshot(directory) == before)
        // The same through the binary, with a relative path.
        let r = try ChurnQLBinary.run(["shop?.db", "--format", "csv", "-c", "from orders | count"], in: directory)
        #expect(r.stdout == "n\n2\n")
        #expect(try Self.snapshot(directory) == before)
    }

    @Test(
        "an immutable URI escapes what SQLite would read as its own syntax",
        arguments: [("a?b.db", "a%3Fb.db"), ("c#d.db", "c%23d.db"), ("e%f.db", "e%25f.db"), ("//x/y.db", "////x/y.db")])
    func immutableURIEscapes(_ path: String, _ expectedEnd: String) {
        let uri = SQLiteLoader.immutableURI(path)
        #expect(uri.hasPrefix("file:///") || uri.hasPrefix("file:////"))
        #expect(uri.hasSuffix(expectedEnd + "?mode=ro&immutable=1"))
    }

    // MARK: Pipes

    /// A named FIFO and a process substitution are read as streams: every row arrives, none is taken by sniffing.
    @Test func fifoAndProcessSubstitutionLoad() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let expected = try ChurnQLBinary.run(
            [Self.orders, "--quiet", "--format", "csv", "-c", "from orders | agg n = count(), s = sum(amount)"],
            in: directory)
        #expect(expected.status == 0)
        let fifo = directory.appendingPathComponent("orders.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat '\(Self.orders)' > '\(fifo)'"]
        try writer.run()
        let fromFifo = try ChurnQLBinary.run(
            ["orders.csv", "--quiet", "--format", "csv", "-c", "from orders | agg n = count(), s = sum(amount)"],
            in: directory, hangGuard: 120)
        writer.waitUntilExit()
        #expect(fromFifo.status == 0)
        #expect(fromFifo.stdout == expected.stdout)
        let substitution = try ShellCommand.run(
            "\"$CHURNQL\" <(cat '\(Self.orders)') --quiet --format csv -c 'from orders | agg n = count(), s = sum(amount)'",
            shell: "/bin/bash", in: directory)
        #expect(substitution.status == 0)
        #expect(substitution.stdout == expected.stdout)
    }

    /// Paths that are not readable files: exit 2 on the command line with the path named; the shell goes on.
    @Test func unreadablePathsAreNamed() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("loop1").path, withDestinationPath: "loop2")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("loop2").path, withDestinationPath: "loop1")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("folder.csv"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: directory.appendingPathComponent("file"))
        let cases: [(String, String)] = [
            ("loop1", "loop1: too many levels of symbolic links"),
            ("folder.csv", "folder.csv is a directory"),
            ("~/orders.csv", "no such file: \(directory.path)/orders.csv"),
            ("file/orders.csv", "a part of the path is not a directory"),
            ("missing.csv", "no such file: missing.csv"),
        ]
        for (path, message) in cases {
            let r = try ChurnQLBinary.run(
                [path, "-c", "from orders | count"], in: directory, environment: ["HOME": directory.path])
            #expect(r.status == 2, "\(path)")
            #expect(r.stderr.contains(message), "\(path): \(r.stderr)")
            // In a session the error is reported and the next statement runs.
            let session = try ChurnQLBinary.run(
                ["--format", "csv"], in: directory, stdin: "load \"\(path)\"\n", environment: ["HOME": directory.path])
            #expect(session.status == 1)
            #expect(session.stderr.contains(message), "\(path): \(session.stderr)")
        }
    }

    /// `~` and `~/x` name $HOME in every path churnql takes: files given without a shell, `load`, `-f`, `.read`
    /// and outputs. The same run with the expanded paths written out is the reference.
    @Test func tildeNamesTheHomeFolderInEveryPath() throws {
        let home = try Self.temporaryDirectory()
        let elsewhere = try Self.temporaryDirectory()
        defer {
            try? FileManager.default.removeItem(at: home)
            try? FileManager.default.removeItem(at: elsewhere)
        }
        try FileManager.default.copyItem(atPath: Self.orders, toPath: home.appendingPathComponent("orders.csv").path)
        func script(_ prefix: String) -> String {
            """
            load "\(prefix)/orders.csv" as again
            .read \(prefix)/inner.cql
            export from again | count to "\(prefix)/count.csv"
            """
        }
        try "from customers | group status | agg n = count() | sort status\n".write(
            to: home.appendingPathComponent("inner.cql"), atomically: true, encoding: .utf8)
        try script("~").write(to: home.appendingPathComponent("tilde.cql"), atomically: true, encoding: .utf8)
        try script(home.path).write(to: home.appendingPathComponent("plain.cql"), atomically: true, encoding: .utf8)
        let environment = ["HOME": home.path]
        let reference = try ChurnQLBinary.run(
            ["\(home.path)/orders.csv", "--format", "csv", "-f", "\(home.path)/plain.cql"], in: elsewhere,
            environment: environment)
        #expect(reference.status == 0, "\(reference.stderr)")
        let expected = try String(contentsOf: home.appendingPathComponent("count.csv"), encoding: .utf8)
        try FileManager.default.removeItem(at: home.appendingPathComponent("count.csv"))
        let tilde = try ChurnQLBinary.run(
            ["~/orders.csv", "--format", "csv", "-f", "~/tilde.cql"], in: elsewhere, environment: environment)
        #expect(tilde.status == 0, "\(tilde.stderr)")
        #expect(tilde.stdout == reference.stdout)
        #expect(tilde.stdout.contains("active"))
        #expect(try String(contentsOf: home.appendingPathComponent("count.csv"), encoding: .utf8) == expected)
        // The loaded input is protected under its ~ name too.
        let overwrite = try ChurnQLBinary.run(
            ["~/orders.csv", "-c", "export from orders | take 1 to \"~/orders.csv\""], in: elsewhere,
            environment: environment)
        #expect(overwrite.status == 1)
        #expect(overwrite.stderr.contains("loaded input"), "\(overwrite.stderr)")
    }

    // MARK: Dump budgets

    @Test func runawayDumpStopsAtItsTimeBudget() throws {
        let path = Self.root.appendingPathComponent("Tests/corpus/runaway_recursive.sql").path
        var limits = DumpLimits()
        limits.timeoutSeconds = 0.3
        let error = try #require(Self.diagnostic { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: path, limits: limits) })
        #expect(error.code == "dump-timeout")
        #expect(error.file == path)
        #expect(error.line == 5)
        #expect(error.message.contains("time budget (0.3 s)"))
    }

    /// Through the binary: SQLite's heap limit is per process, and tests in this process load databases in parallel.
    @Test func runawayDumpStopsAtItsMemoryBudget() throws {
        let r = try ChurnQLBinary.run(
            ["-c", "load \"Tests/corpus/runaway_insert.sql\" with (memory_mb: 16, timeout: 600)"], in: Self.root,
            hangGuard: 300)
        #expect(r.status == 1)
        #expect(r.stderr.contains("runaway_insert.sql:6:1: error: this statement of the dump needs more memory than its budget (16 MB)"))
        // The next statement runs with SQLite working normally again.
        let next = try ChurnQLBinary.run(
            [
                "--format", "csv", "--keep-going", "-c",
                "load \"Tests/corpus/runaway_insert.sql\" with (memory_mb: 16, timeout: 600)",
                "-c", "load \"Tests/corpus/rejected_statement.sql\"", "-c", "load \"examples/shop/orders.csv\"",
                "-c", "from orders | count",
            ], in: Self.root, hangGuard: 300)
        #expect(next.stdout == "n\n9119\n")
        #expect(next.stderr.contains("SQLite rejected a statement"))
    }

    @Test func dumpStopsOnInterrupt() throws {
        let path = Self.root.appendingPathComponent("Tests/corpus/runaway_recursive.sql").path
        let started = Date()
        let progress = LoadProgress(total: 1) { Date().timeIntervalSince(started) > 0.2 }
        let error = try #require(
            Self.diagnostic { () throws(Diagnostic) in try SQLiteLoader.loadDump(path: path, progress: progress) })
        #expect(error.code == "interrupted")
    }

    /// Through the load statement's options, as a user writes them.
    @Test func budgetsAreLoadOptions() throws {
        let r = try ChurnQLBinary.run(
            ["-c", "load \"Tests/corpus/runaway_recursive.sql\" with (timeout: 0.5)"], in: Self.root, hangGuard: 120)
        #expect(r.status == 1)
        #expect(r.stderr.contains("Tests/corpus/runaway_recursive.sql:5:1: error: this statement of the dump ran longer than its time budget"))
        let bad = try ChurnQLBinary.run(
            ["-c", "load \"Tests/corpus/runaway_recursive.sql\" with (memory_mb: -1)"], in: Self.root, hangGuard: 120)
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("option memory_mb expects a number of megabytes"))
    }
}
