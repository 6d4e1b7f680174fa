import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// Derived tables cannot go stale: after queries, a change of setting, a reload or a refit answers as a fresh
/// session that had that state from the start.
struct SessionStateTests {
    struct Dataset: Sendable, CustomStringConvertible {
        var name: String
        var files: [String]
        var earlierAsof: String
        var description: String { name }
    }

    static let cdnow = Dataset(name: "cdnow", files: ["examples/cdnow/orders.csv"], earlierAsof: "1998-01-31")
    static let shop = Dataset(
        name: "shop",
        files: ["customers", "orders", "contacts", "contracts"].map { "examples/shop/\($0).csv" },
        earlierAsof: "2024-06-30")

    /// Queries that read the derived tables through the narrow path, the whole table and the retention aggregates.
    static let probes = [
        "from customers | group status | agg n = count() | sort status",
        "from customers | group lifecycle, is_new | agg n = count(), r = sum(revenue) | sort lifecycle, is_new",
        "from customers | agg c = churn_rate(), d = avg(days_since_last), t = avg(tenure_days)",
        "from customers | sort customer_id | take 7",
        "from orders | count",
    ]
    static let modelProbes = [
        "from customers | agg p = avg(p_alive)",
        "from customers | derive e = expected_purchases(90d) | sort customer_id | take 5 | select customer_id, e",
    ]

    /// A change: `before` runs only in the warm session (ahead of its first queries), `change` in both, unless
    /// `fresh` gives the fresh session's statements.
    struct Change: Sendable, CustomStringConvertible {
        var description: String
        var before: [String] = []
        var change: [String]
        var fresh: [String]? = nil
        var withModel = false
    }

    static func changes(_ data: Dataset, reloaded: String) -> [Change] {
        [
            Change(description: "asof", change: ["set asof = \(data.earlierAsof)"]),
            Change(
                description: "asof back to latest", change: ["set asof = \(data.earlierAsof)", "set asof = latest"]),
            Change(description: "churn_window", change: ["set churn_window = 45d"]),
            Change(description: "lost_window shorter than churn_window", change: ["set lost_window = 60d"]),
            Change(description: "lost_window", change: ["set lost_window = 200d"]),
            Change(description: "new_window", change: ["set new_window = 500d"]),
            Change(description: "lost_when", change: ["set lost_when = revenue < 50"]),
            Change(description: "lost_when none", change: ["set lost_when = revenue < 50", "set lost_when = none"]),
            Change(description: "reload orders", change: ["load \"\(reloaded)\" as orders"]),
            Change(
                description: "refit after asof", before: ["fit bgnbd"],
                change: ["set asof = \(data.earlierAsof)", "fit bgnbd"], withModel: true),
            Change(
                description: "refit after reload", before: ["fit bgnbd"],
                change: ["load \"\(reloaded)\" as orders", "fit bgnbd"], withModel: true),
            Change(
                description: "lost_when on p_alive, then refit",
                before: ["fit bgnbd", "set lost_when = p_alive < 0.3"],
                change: ["fit bgnbd until \(data.earlierAsof)"],
                fresh: ["fit bgnbd until \(data.earlierAsof)", "set lost_when = p_alive < 0.3"], withModel: true),
        ]
    }

    /// Every other order of the dataset's orders file, under another path.
    static func halfOrders(_ data: Dataset) throws -> String {
        let original = try #require(data.files.first { $0.hasSuffix("orders.csv") })
        let text = try String(contentsOf: GoldenTests.root.appendingPathComponent(original), encoding: .utf8)
        let lines = text.split(separator: "\n")
        let kept = [lines[0]] + lines.dropFirst().enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("half-\(UUID().uuidString).csv").path
        try (kept.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func loaded(_ data: Dataset) throws -> Engine {
        let engine = Engine()
        for file in data.files { _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent(file).path) }
        return engine
    }

    static func answers(_ engine: Engine, _ queries: [String]) throws -> [Table] {
        try queries.map { try #require(try MetricsTests.run(engine, $0)) }
    }

    static func cells(_ tables: [Table]) -> [[[Value]]] {
        tables.map { $0.columns.map { column in (0..<column.count).map(column.value) } }
    }

    static func expectSame(_ warm: [Table], _ fresh: [Table], _ label: String) {
        for (a, b) in zip(warm, fresh) {
            #expect(a.columnNames == b.columnNames, "\(label)")
            #expect(a.rowCount == b.rowCount, "\(label)")
            for (x, y) in zip(a.columns, b.columns) {
                let same = (0..<Swift.min(a.rowCount, b.rowCount)).allSatisfy { x.value(at: $0) == y.value(at: $0) }
                #expect(same, "\(label): column \(x.name) differs")
            }
        }
    }

    @Test("a change in a warm session answers as a fresh session with that state", arguments: [cdnow, shop])
    func warmEqualsFresh(data: Dataset) throws {
        let reloaded = try Self.halfOrders(data)
        defer { try? FileManager.default.removeItem(atPath: reloaded) }
        for change in Self.changes(data, reloaded: reloaded) {
            let queries = Self.probes + (change.withModel ? Self.modelProbes : [])
            let warm = try Self.loaded(data)
            for statement in change.before { _ = try MetricsTests.run(warm, statement) }
            let before = try Self.answers(warm, queries)
            for statement in change.change { _ = try MetricsTests.run(warm, statement) }
            let fresh = try Self.loaded(data)
            for statement in change.fresh ?? change.change { _ = try MetricsTests.run(fresh, statement) }
            let freshAnswers = try Self.answers(fresh, queries)
            Self.expectSame(try Self.answers(warm, queries), freshAnswers, "\(data) \(change)")
            // The change must matter, or the comparison above proves nothing.
            if change.description != "asof back to latest" && change.description != "lost_when none" {
                let changed = Self.cells(before) != Self.cells(freshAnswers)
                #expect(changed, "\(data) \(change) changed nothing")
            }
        }
    }

    @Test("a warm query computes nothing again; only a changed key does")
    func warmPathDoesNotRecompute() throws {
        let engine = try Self.loaded(Self.shop)
        for query in Self.probes + Self.probes { _ = try MetricsTests.run(engine, query) }
        #expect(engine.derived.history.computations == 1)
        #expect(engine.derived.profile.computations == 1)
        #expect(engine.derived.crm.computations == 1)
        #expect(engine.derived.customers.computations == 1)
        #expect(engine.derived.latestOrderDate.computations == 1)
        // The same value again is the same key.
        _ = try MetricsTests.run(engine, "set churn_window = 90d")
        for query in Self.probes { _ = try MetricsTests.run(engine, query) }
        #expect(engine.derived.profile.computations == 1)
        // A window is read by the profile, not by the order history.
        _ = try MetricsTests.run(engine, "set churn_window = 60d")
        for query in Self.probes { _ = try MetricsTests.run(engine, query) }
        #expect(engine.derived.history.computations == 1)
        #expect(engine.derived.profile.computations == 2)
        #expect(engine.derived.customers.computations == 2)
        // Fitting twice on the same cut reads the calibration data once.
        _ = try MetricsTests.run(engine, "fit bgnbd until 2024-06-30")
        _ = try MetricsTests.run(engine, "fit gammagamma until 2024-06-30")
        #expect(engine.derived.calibration.computations == 1)
    }

    @Test(
        "a model fitted on other orders, or past asof, is not used",
        arguments: [
            ("load \"RELOADED\" as orders", "from customers | derive e = expected_purchases(90d) | take 1"),
            ("load \"RELOADED\" as orders", "evaluate"),
            ("set asof = 1997-06-30", "from customers | derive c = predicted_clv(12, 0.01) | take 1"),
        ])
    func staleModel(change: String, use: String) throws {
        let reloaded = try Self.halfOrders(Self.cdnow)
        defer { try? FileManager.default.removeItem(atPath: reloaded) }
        let engine = try Self.loaded(Self.cdnow)
        _ = try MetricsTests.run(engine, "fit bgnbd until 1998-01-31")
        _ = try MetricsTests.run(engine, "fit gammagamma until 1998-01-31")
        _ = try MetricsTests.run(engine, use)
        _ = try MetricsTests.run(engine, change.replacingOccurrences(of: "RELOADED", with: reloaded))
        #expect(engine.predictive == nil)
        #expect(engine.modelIsStale)
        do {
            _ = try MetricsTests.run(engine, use)
            Issue.record("\(use) answered from a stale model")
        } catch let error as Diagnostic {
            #expect(error.message == "no model fitted on the current data")
        }
    }

    @Test func reloadNotesTheStaleModel() throws {
        let reloaded = try Self.halfOrders(Self.cdnow)
        defer { try? FileManager.default.removeItem(atPath: reloaded) }
        let engine = try Self.loaded(Self.cdnow)
        _ = try MetricsTests.run(engine, "fit bgnbd")
        let notes = try engine.loadFile(path: reloaded, alias: "orders")
        #expect(notes.contains { $0.contains("fitted models are stale") })
        // Loading a table the model does not read leaves it in use.
        let fresh = try Self.loaded(Self.cdnow)
        _ = try MetricsTests.run(fresh, "fit bgnbd")
        _ = try fresh.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/contacts.csv").path)
        #expect(fresh.predictive != nil)
    }
}
