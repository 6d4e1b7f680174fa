import ChurnQLDiagnostics
@testable import ChurnQLEngine
import ChurnQLSnapshot
import ChurnQLStore
import Foundation
import Testing

/// Reopened snapshots read each column when first used: the answers equal the CSV session's, a column no
/// statement needs is never read, the stored customers table stands for the derived one while its settings hold,
/// and a file changed after opening fails the statement that needs it, not the session.
struct SnapshotLazyTests {
    static let queries = [
        "from customers | sort customer_id | take 25",
        "from customers | group status | agg n = count(), r = sum(revenue), c = churn_rate() | sort status",
        "from customers | group lifecycle, is_new, reactivated | agg n = count(), d = avg(days_since_last) | sort 1, 2, 3",
        "from customers | where overdue_days > 0 | agg n = count(), c = avg(purchase_cycle_days), m = max(next_purchase)",
        "from customers | agg f = sum(frequency), t = avg(tenure_days), s = max(active_span_days), o = min(first_order)",
        "from customers | group region | agg n = count(), v = avg(avg_order_value), p = sum(purchase_days) | sort 1",
        "from orders | group customer_id | agg n = count(), s = sum(amount) | sort -s, customer_id | take 5",
        "from orders | sort -order_id | take 3", "churn monthly", "workbench", "tables", "show settings",
    ]

    /// Settings the save is made under: none, and a lost_when rule with a parameter and another window.
    static let setups = [
        "", "set churn_window = 45d\nparam few = 1\nset lost_when = orders == $few and days_since_last > 200",
    ]

    static func saved(_ setup: String) throws -> (engine: Engine, path: String) {
        let engine = try InternalQueryTests.shopEngine()
        if !setup.isEmpty { _ = try SnapshotTests.run(engine, setup) }
        let path = try SnapshotTests.file(try SnapshotTests.bytes(try engine.snapshotContents().contents))
        return (engine, path)
    }

    @Test(arguments: setups)
    func reopenedAnswersEqualTheCSVSession(_ setup: String) throws {
        let (engine, path) = try Self.saved(setup)
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        for query in Self.queries {
            #expect(try SnapshotTests.run(reopened, query) == (try SnapshotTests.run(engine, query)), "\(query)")
        }
        // The stored customers table was used: seeded once, never derived.
        #expect(reopened.derived.customers.computations == 1)
        #expect(reopened.snapshotReads.log.columnsRead.contains("customers.table.status"))
        // Another window: the stored table no longer holds, so it is derived again, and still agrees.
        let change = "set new_window = 60d"
        _ = try SnapshotTests.run(reopened, change)
        _ = try SnapshotTests.run(engine, change)
        for query in Self.queries.prefix(3) {
            #expect(try SnapshotTests.run(reopened, query) == (try SnapshotTests.run(engine, query)), "\(query)")
        }
        #expect(reopened.derived.customers.computations == 2)
    }

    /// Opening reads no column; a query reads the columns it needs, each once.
    @Test func columnsAreReadWhenFirstUsed() throws {
        let (engine, path) = try Self.saved("")
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        let log = reopened.snapshotReads.log
        #expect(log.columnsRead.isEmpty)
        _ = try SnapshotTests.run(reopened, "from orders | count")
        #expect(log.columnsRead.isEmpty)
        let status = "from customers | group status | agg n = count() | sort status"
        #expect(try SnapshotTests.run(reopened, status) == (try SnapshotTests.run(engine, status)))
        let afterStatus = log.columnsRead
        #expect(afterStatus.contains("customers.table.status"))
        let history = ["history.offsets.offset", "history.orders.day", "history.orders.amount"]
        for unread in ["customers.table.revenue", "customers.table.lifecycle", "orders.order_id", "orders.amount"]
            + history
        {
            #expect(!afterStatus.contains(unread), "\(unread) read by \(afterStatus)")
        }
        _ = try SnapshotTests.run(reopened, status)
        #expect(log.columnsRead == afterStatus)
        _ = try SnapshotTests.run(reopened, "from customers | agg r = sum(revenue)")
        #expect(log.columnsRead == afterStatus + ["customers.table.revenue"])
        // A retention aggregate needs the customers' profile, made from the stored history.
        _ = try SnapshotTests.run(reopened, "from customers | agg c = churn_rate()")
        for read in history { #expect(log.columnsRead.contains(read), "\(read) not read: \(log.columnsRead)") }
        #expect(Set(log.columnsRead).count == log.columnsRead.count)
    }

    /// The byte offset of a column's values in a snapshot, from its manifest (located through the trailer).
    static func offset(of column: String, in table: String, path: String) throws -> Int {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let trailer = bytes.suffix(64).map { $0 }
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(trailer[at + $1]) << (8 * $1) } }
        let manifest = Data(bytes[u64(0)..<(u64(0) + u64(8))])
        let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        let tables = try #require(json["tables"] as? [[String: Any]]) + (json["derived"] as? [[String: Any]] ?? [])
        let entry = try #require(tables.first { $0["name"] as? String == table })
        let columns = try #require(entry["columns"] as? [[String: Any]])
        let values = try #require(columns.first { $0["name"] as? String == column }?["values"] as? [String: Any])
        return try #require(values["offset"] as? Int)
    }

    static func flip(_ path: String, at offset: Int) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(offset))
        let byte = try #require(try handle.read(upToCount: 1)?.first)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data([byte ^ 0x40]))
    }

    static func failure(_ engine: Engine, _ query: String) -> Diagnostic? {
        do {
            _ = try SnapshotTests.run(engine, query)
            return nil
        } catch let error as Diagnostic {
            return error
        } catch {
            return Diagnostic(code: "other", message: "\(error)")
        }
    }

    /// A byte flipped after opening: the statement that reads the column fails (never zeros), the session goes
    /// on, and once the byte is back the same statement answers as the CSV session (nothing derived from the
    /// zeros was kept: the stored history's amounts feed the revenue derived under another window).
    @Test(arguments: [
        ["orders", "amount", "from orders | agg s = sum(amount), n = count()"],
        ["history.orders", "amount", "set new_window = 60d\nfrom customers | agg r = sum(revenue), n = count()"],
    ])
    func flippedByteAfterOpenFailsTheStatement(_ damage: [String]) throws {
        let (engine, path) = try Self.saved("")
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        let offset = try Self.offset(of: damage[1], in: damage[0], path: path)
        try Self.flip(path, at: offset + 3)
        let query = damage[2]
        let error = Self.failure(reopened, query)
        #expect(error?.code == "snapshot-changed")
        #expect(error?.file == path)
        #expect(
            error?.message.contains("checksum of column '\(damage[1])' of \(damage[0])") == true,
            "\(String(describing: error))")
        // The session goes on: a statement that needs no unread column answers.
        let count = "from orders | count"
        #expect(try SnapshotTests.run(reopened, count) == (try SnapshotTests.run(engine, count)))
        // Again: the orders' column is still needed; the stored history is not (it is derived from the orders).
        if damage[0] == "orders" { #expect(Self.failure(reopened, query)?.code == "snapshot-changed") }
        try Self.flip(path, at: offset + 3)
        #expect(try SnapshotTests.run(reopened, query) == (try SnapshotTests.run(engine, query)))
    }

    /// A whole table as the result is read before it is returned, so nothing unread reaches the front end.
    @Test func resultTableIsReadBeforeItIsReturned() throws {
        let (_, path) = try Self.saved("")
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        try Self.flip(path, at: try Self.offset(of: "order_id", in: "orders", path: path))
        #expect(Self.failure(reopened, "from orders")?.code == "snapshot-changed")
        #expect(Self.failure(reopened, "from orders | select order_id")?.code == "snapshot-changed")
    }

    /// The file cut short after opening: statements that read a column not yet read fail, nothing derived from
    /// the zeros is kept, and the columns read before still answer.
    @Test func truncatedAfterOpenFailsTheStatement() throws {
        let (engine, path) = try Self.saved("")
        let reopened = Engine()
        _ = try reopened.loadFile(path: path)
        let ids = "from orders | agg m = max(order_id)"
        #expect(try SnapshotTests.run(reopened, ids) == (try SnapshotTests.run(engine, ids)))
        #expect(truncate(path, 100) == 0)
        let status = "from customers | group status | agg n = count() | sort status"
        let before = reopened.snapshotReads.log.failures
        let error = Self.failure(reopened, status)
        #expect(error?.code == "snapshot-changed")
        // One failure per column the statement needed, not one per row asked for (2,000 customers, 9,119 orders).
        let added = reopened.snapshotReads.log.failures - before
        #expect(added >= 1 && added < 50, "\(added) failures logged")
        #expect(error?.message.contains("read when first used") == true, "\(String(describing: error))")
        #expect(Self.failure(reopened, status)?.code == "snapshot-changed")
        #expect(try SnapshotTests.run(reopened, ids) == (try SnapshotTests.run(engine, ids)))
    }
}
