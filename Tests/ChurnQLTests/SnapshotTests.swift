import CByteScan
import ChurnQLDiagnostics
@testable import ChurnQLEngine
import ChurnQLSnapshot
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

/// Snapshots: the hash, round trips of every column kind, a session's answers before and after reopening, and
/// every kind of bad file giving its error.
struct SnapshotTests {
    /// Published XXH64 values (xxhash.h test vectors, seed 0), computed independently of this code.
    @Test func hashMatchesPublishedVectors() {
        func xxh64(_ text: String) -> UInt64 {
            Array(text.utf8).withUnsafeBytes { churnql_hash64($0.baseAddress, $0.count, 0) }
        }
        #expect(xxh64("") == 0xEF46_DB37_51D8_E999)
        #expect(xxh64("a") == 0xD24E_C4F1_A98C_6E5B)
        #expect(xxh64("abc") == 0x44BC_2CF5_AD77_0999)
        // 32 bytes and more take the four-lane path.
        #expect(xxh64("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
    }

    static func bytes(_ contents: SnapshotContents) throws -> [UInt8] {
        var out: [UInt8] = []
        try SnapshotWriter.write(contents) { raw in out.append(contentsOf: raw) }
        return out
    }

    static func file(_ bytes: [UInt8], name: String = "s.cqs") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Every type, nulls, Unicode text, identifiers, an empty table and a table of no columns.
    static func sampleTables() -> [Table] {
        var ints = Column(name: "id", storage: .integer([1, -2, .max, .min]), nulls: [false, true, false, false])
        ints.isIdentifier = true
        let columns = [
            ints,
            Column(name: "x", storage: .decimal([0.1, -0.0, .infinity, 1e-300])),
            Column(name: "ok", storage: .boolean([true, false, true, false]), nulls: [false, false, true, false]),
            Column(name: "day", storage: .date([0, -1, 19_000, Int32.max])),
            Column(name: "at", storage: .timestamp([0, 1_700_000_000, -5, 86_399])),
            Column(
                name: "naïve ✓", storage: .text(codes: [0, 1, 2, 1], dictionary: ["", "Zürich 東京 🎉", "a\u{0}b"]),
                nulls: [true, false, false, false]),
        ]
        let empty = Table(
            name: "empty",
            columns: [
                Column(name: "t", storage: .text(codes: [], dictionary: [])), Column(name: "n", storage: .integer([])),
            ])
        return [Table(name: "mixed", columns: columns), empty, Table(name: "none", columns: [], rowCount: 0)]
    }

    static func cells(_ table: Table) -> [String] {
        [table.name, String(table.rowCount)]
            + table.columns.flatMap { column in
                ["\(column.name):\(column.type):\(column.isIdentifier)"]
                    + (0..<column.count).map { row -> String in
                        switch column.value(at: row) {
                        case .decimal(let v): return "d\(v.bitPattern)"
                        case let value: return "\(value)"
                        }
                    }
            }
    }

    @Test func roundTripKeepsEveryValue() throws {
        var session = SnapshotSession()
        session.settings = ["churn_window": "60"]
        session.views = [NamedText(name: "v", text: "from mixed | take 1")]
        session.parameters = [
            NamedValue(name: "p", value: .decimal(0.1)), NamedValue(name: "q", value: .text("ü")),
            NamedValue(name: "d", value: .duration(Duration(days: 3, months: 2))),
        ]
        let contents = SnapshotContents(tables: Self.sampleTables(), session: session)
        let read = try SnapshotReader.read(path: try Self.file(try Self.bytes(contents)))
        #expect(read.tables.map(Self.cells) == contents.tables.map(Self.cells))
        #expect(
            read.tables.map { $0.columns.map { $0.nulls != nil } }
                == contents.tables.map { $0.columns.map { $0.nulls != nil } })
        #expect(read.session == session)
        #expect(
            read.session.parameters.map(\.value) == [
                .decimal(0.1), .text("ü"), .duration(Duration(days: 3, months: 2)),
            ])
    }

    static func run(_ engine: Engine, _ text: String) throws -> [String] {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        if let first = parsed.diagnostics.first { throw first }
        var out: [String] = []
        for node in parsed.statements { out += InternalQueryTests.contents(try engine.execute(node, source: source)) }
        return out
    }

    static let queries = [
        "from customers | group status | agg n = count(), r = sum(revenue), c = churn_rate() | sort status",
        "from customers | sort -revenue, customer_id | take 5",
        "from top | take 3", "from orders | group year(order_date) | agg n = count() | sort 1", "show settings",
        "from customers | where revenue > $floor | count", "churn monthly", "tables",
    ]

    /// A session's answers after save and reopen equal its answers before.
    @Test func reopenedSessionAnswersTheSame() throws {
        let engine = try InternalQueryTests.shopEngine()
        _ = try Self.run(
            engine,
            """
            set churn_window = 45d
            set asof = 2024-11-30
            set lost_when = orders == 1 and days_since_last > 200
            param floor = 150
            let big = from customers | where revenue > 300
            let top = from big | sort -revenue | take 10
            """)
        let before = try Self.queries.map { try Self.run(engine, $0) }
        let (contents, _) = try engine.snapshotContents()
        let path = try Self.file(try Self.bytes(contents))
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        let after = try Self.queries.map { try Self.run(reopened, $0) }
        #expect(after == before)
        #expect(reopened.catalog.names == engine.catalog.names)
    }

    /// The stored history stands for the derived one: a reopened session derives no history.
    @Test func reopenedHistoryIsNotDerivedAgain() throws {
        let engine = try InternalQueryTests.shopEngine()
        let before = try Self.run(engine, Self.queries[0])
        let path = try Self.file(try Self.bytes(try engine.snapshotContents().contents))
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        // Seeding counts as the one computation; the query adds none.
        #expect(reopened.derived.history.computations == 1)
        #expect(try Self.run(reopened, Self.queries[0]) == before)
        #expect(reopened.derived.history.computations == 1)
        // A setting that moves asof derives it again, from the reopened orders.
        _ = try Self.run(reopened, "set asof = 2024-10-01")
        _ = try Self.run(engine, "set asof = 2024-10-01")
        #expect(try Self.run(reopened, Self.queries[0]) == (try Self.run(engine, Self.queries[0])))
        #expect(reopened.derived.history.computations == 2)
    }

    /// A valid snapshot to damage.
    static func sample() throws -> [UInt8] {
        try bytes(SnapshotContents(tables: sampleTables()))
    }

    static func error(_ bytes: [UInt8], name: String = "s.cqs") throws -> Diagnostic? {
        let path = try file(bytes, name: name)
        do throws(Diagnostic) {
            _ = try SnapshotReader.read(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func everyCutIsTruncated() throws {
        let whole = try Self.sample()
        for length in [0, 5, 8, 12, 64, 100, whole.count / 2, whole.count - 64, whole.count - 1] {
            let error = try Self.error(Array(whole.prefix(length)))
            let code = length < 8 ? "not-a-snapshot" : "snapshot-truncated"
            #expect(error?.code == code, "cut at \(length): \(String(describing: error))")
        }
    }

    /// A flipped bit anywhere in the arrays, the manifest or the trailer is found before any value is used.
    @Test func everyBitFlipInDataIsFound() throws {
        let whole = try Self.sample()
        let read = try SnapshotReader.read(path: try Self.file(whole))
        #expect(read.tables.count == 3)
        var found = 0
        var clean = 0
        for position in stride(from: 64, to: whole.count, by: 7) {
            var damaged = whole
            damaged[position] ^= 0x10
            if let error = try Self.error(damaged) {
                #expect(["snapshot-damaged", "snapshot-truncated"].contains(error.code), "\(error)")
                found += 1
            } else {
                // Only alignment padding is not covered; it is never read.
                let again = try SnapshotReader.read(path: try Self.file(damaged))
                #expect(again.tables.map(Self.cells) == read.tables.map(Self.cells))
                clean += 1
            }
        }
        #expect(found > clean)
    }

    @Test func newerVersionAndForeignFilesAreRefused() throws {
        var newer = try Self.sample()
        newer[8] = 2
        let error = try Self.error(newer)
        #expect(error?.code == "snapshot-version")
        #expect(error?.message.contains("format version 2") == true)
        let csv = Array("customer_id,order_date,amount\nA,2024-01-01,10\n".utf8)
        #expect(try Self.error(csv)?.code == "not-a-snapshot")
        #expect(SnapshotReader.isSnapshot(path: try Self.file(try Self.sample(), name: "any.name")))
        #expect(!SnapshotReader.isSnapshot(path: try Self.file(csv, name: "x.cqs")))
    }

    /// A snapshot opens as saved: `as` and role options are refused, not ignored.
    @Test func aliasAndOptionsAreRefused() throws {
        let path = try Self.file(try Self.sample())
        #expect(throws: Diagnostic.self) { try Engine().loadFile(path: path, alias: "other") }
        #expect(throws: Diagnostic.self) { try Engine().loadFile(path: path, overrides: ["customer": "id"]) }
        let engine = Engine()
        _ = try engine.loadFile(path: path)
        #expect(engine.catalog.names == ["mixed", "empty", "none"])
    }

    /// Through the binary: the message, never a crash (the corpus's written snapshot cases). A bad end or version
    /// stops the open (exit 2); a damaged column fails the statement that reads it (exit 1), as columns are read
    /// when first used.
    @Test(arguments: ["truncated", "bitflip", "newer"])
    func badSnapshotOnCommandLine(_ kind: String) throws {
        let engine = try InternalQueryTests.shopEngine()
        var bytes = try Self.bytes(try engine.snapshotContents().contents)
        let message: String
        switch kind {
        case "truncated":
            bytes = Array(bytes.prefix(bytes.count / 3))
            message = "the snapshot is truncated"
        case "bitflip":
            bytes[4096] ^= 1
            message = "the snapshot is damaged: the checksum of column"
        default:
            bytes[8] = 9
            message = "the snapshot has format version 9; this churnql reads version 1"
        }
        let path = try Self.file(bytes, name: "\(kind).cqs")
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        // Byte 4096 is in the first column saved, the customers' key. Another window derives the customers table
        // again (the stored one is for the saved settings), which reads that key to match the orders' keys.
        let query = "from customers | sort -customer_id | take 1"
        let r = try ChurnQLBinary.run(["\(kind).cqs", "-c", "set churn_window = 45d", "-c", query], in: dir)
        #expect(r.status == (kind == "bitflip" ? 1 : 2), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("\(kind).cqs: error: \(message)"), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Backtracing"))
    }

    /// `save` through the binary, then `churnql file.cqs` and `load "file.cqs"` answer like the CSV files did.
    @Test func saveAndReopenThroughTheBinary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("snap-bin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let shop = GoldenTests.root.appendingPathComponent("examples/shop").path
        let query = "from customers | group status | agg n = count(), r = sum(revenue) | sort status"
        let first = try ChurnQLBinary.run(
            [
                "\(shop)/orders.csv", "\(shop)/customers.csv", "--format", "csv", "-c", "set churn_window = 30d",
                "-c", "save \"shop.cqs\"", "-c", query,
            ], in: dir)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        let opened = try ChurnQLBinary.run(["shop.cqs", "--format", "csv", "-c", query], in: dir)
        #expect(opened.status == 0, "stderr: \(opened.stderr)")
        #expect(opened.stdout == first.stdout)
        let loaded = try ChurnQLBinary.run(["--format", "csv", "-c", "load \"shop.cqs\"", "-c", query], in: dir)
        #expect(loaded.stdout == first.stdout)
        // Never over a loaded input.
        let over = try ChurnQLBinary.run(["shop.cqs", "-c", "save \"shop.cqs\""], in: dir)
        #expect(over.status != 0)
    }
}
