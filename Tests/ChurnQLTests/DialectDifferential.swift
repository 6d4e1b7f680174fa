import ChurnQLDiagnostics
import ChurnQLSQL
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// What the DuckDB and Spark differential tests share: the Python that runs the compiled SQL, the engine's tables
/// as JSON, one Python process per run, and the comparison with churnql's own rows (SQLiteDialectTests' rules).
enum DialectDifferential {
    /// One query: its churnql text, churnql's rows and the compiled SQL.
    struct Case {
        var text: String
        var expected: [[SQLiteDialectTests.Cell]]
        var sql: SQLText
    }

    /// An engine's tables and the queries compiled over them; the Python side loads each group's tables afresh.
    struct Group {
        var tables: [[String: Any]]
        var cases: [Case]
    }

    /// A query's answer on the SQL engine: its rows, or the engine's error.
    enum Answer {
        case rows([[SQLiteDialectTests.Cell]])
        case error(String)
    }

    /// The Python with the engines' packages: `CHURNQL_DIALECT_PYTHON` (scripts/test sets it from
    /// scripts/dialect-venv), else `fallback`. Without one the test fails on CI, which must run it, and says why
    /// and skips elsewhere.
    static func python(for test: String, fallback: URL? = nil) -> URL? {
        let environment = ProcessInfo.processInfo.environment
        let configured = environment["CHURNQL_DIALECT_PYTHON"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
        if let python = configured ?? fallback, FileManager.default.isExecutableFile(atPath: python.path) {
            return python
        }
        let reason =
            "\(test): no Python at \(configured?.path ?? fallback?.path ?? "(none)"); "
            + "export CHURNQL_DIALECT_PYTHON=$(scripts/dialect-venv) (scripts/test does)"
        if environment["CI"] == "true" {
            Issue.record("\(reason) — CI must run this test")
        } else {
            print("\(reason) — skipped")
        }
        return nil
    }

    /// The SQLite test's random pipelines and fixed cases for `seed`, over the same engine set-up, compiled for `dialect`.
    static func randomGroup(seed: UInt64, dialect: SQLDialect) throws -> Group {
        let engine = try RewriteTests.engine(seed: seed)
        if seed % 2 == 0 { _ = try MetricsTests.run(engine, "set churn_window = 60") }
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        try SQLiteDialectTests.loadChannels(engine)
        try SQLiteDialectTests.defineViews(engine)
        var random = FuzzTests.Random(state: seed &* 7_919)
        // The random pipelines, then the fixed rfm, histogram and retention-aggregate cases.
        return group(engine, SQLiteDialectTests.queries(&random, count: 60) + SQLiteDialectTests.fixed, dialect: dialect)
    }

    /// `texts` that churnql answers, compiled for `dialect`; a refusal must be `not-in-sql`.
    static func group(_ engine: Engine, _ texts: [String], dialect: SQLDialect) -> Group {
        var cases: [Case] = []
        for text in texts {
            guard let expected = SQLiteDialectTests.engineRows(engine, text) else { continue }
            do {
                let source = SourceTextFactory.make(text)
                guard let query = SourceTextFactory.query(source) else { continue }
                cases.append(
                    Case(
                        text: text, expected: expected, sql: try engine.compile(query, dialect: dialect, source: source)
                    ))
            } catch {
                #expect(error.code == "not-in-sql", "\(text): \(error.message)")
            }
        }
        return Group(tables: tables(engine), cases: cases)
    }

    /// Every table of the engine with each column's kind (integer, decimal, boolean, date, text) and its values;
    /// dates as ISO text. Each runner maps the kinds to its engine's types.
    static func tables(_ engine: Engine) -> [[String: Any]] {
        engine.catalog.names.compactMap { name -> [String: Any]? in
            guard let table = engine.catalog[name] else { return nil }
            return [
                "name": name, "columns": table.columns.map { [$0.name, kind($0.type)] },
                "rows": (0..<table.rowCount).map { row in table.columns.map { json($0.value(at: row)) } },
            ]
        }
    }

    static func kind(_ type: DataType) -> String {
        switch type {
        case .integer: return "integer"
        case .decimal: return "decimal"
        case .boolean: return "boolean"
        case .date: return "date"
        default: return "text"
        }
    }

    static func json(_ value: Value) -> Any {
        switch value {
        case .integer(let n): return n
        case .decimal(let x): return x
        case .boolean(let b): return b
        case .date(let day): return Dates.format(day)
        case .text(let s): return s
        default: return NSNull()
        }
    }

    /// The loop every runner ends with, after defining `load(tables)` and `run(sql)` for its engine: one JSON line
    /// per query into the file argv[2] (the engines log to stdout and stderr), booleans as 0/1, dates as ISO text.
    static let loop = """
        import json, sys, datetime
        def cell(v):
            if v is None or isinstance(v, (str, float)): return v
            if isinstance(v, bool): return 1 if v else 0
            if isinstance(v, int): return v
            if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()[:10]
            return float(v)
        spec = json.load(open(sys.argv[1]))
        with open(sys.argv[2], "w") as out:
            for group in spec["groups"]:
                load(group["tables"])
                for sql in group["queries"]:
                    try:
                        answer = {"rows": [[cell(v) for v in r] for r in run(sql)]}
                    except Exception as e:
                        answer = {"error": str(e)[:3000]}
                    out.write(json.dumps(answer) + "\\n")
                    out.flush()
        """

    /// Runs every group's queries through `runner` (its `load` and `run`, then `loop`) in one Python process.
    /// A process that dies or outlives `timeout` is a recorded failure, with the end of what it printed.
    static func execute(
        _ groups: [Group], python: URL, runner: String, environment: [String: String] = [:], timeout: TimeInterval
    ) throws -> [Answer] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dialect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec: [String: Any] = [
            "groups": groups.map { ["tables": $0.tables, "queries": $0.cases.map(\.sql.text)] as [String: Any] }
        ]
        let specPath = directory.appendingPathComponent("spec.json")
        let scriptPath = directory.appendingPathComponent("run.py")
        let outputPath = directory.appendingPathComponent("answers.jsonl")
        let logPath = directory.appendingPathComponent("log.txt")
        try JSONSerialization.data(withJSONObject: spec).write(to: specPath)
        try (runner + "\n" + loop).write(to: scriptPath, atomically: true, encoding: .utf8)
        try Data().write(to: logPath)
        let log = try FileHandle(forWritingTo: logPath)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = python
        process.arguments = [scriptPath.path, specPath.path, outputPath.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            Issue.record("\(python.path) still running after \(Int(timeout)) s; killed")
        }
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputPath, encoding: .utf8)) ?? ""
        let lines = output.split(separator: "\n")
        let expected = groups.reduce(0) { $0 + $1.cases.count }
        if process.terminationStatus != 0 || lines.count != expected {
            let text = (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
            let tail = String(text.suffix(4000))
            Issue.record(
                "runner exited \(process.terminationStatus) with \(lines.count) of \(expected) answers:\n\(tail)")
        }
        return lines.map { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                return .error("unreadable answer: \(line.prefix(200))")
            }
            guard let rows = object["rows"] as? [[Any]] else { return .error("\(object["error"] ?? "?")") }
            return .rows(
                rows.map { row in
                    row.map { value -> SQLiteDialectTests.Cell in
                        if let text = value as? String { return .text(text) }
                        if let number = value as? NSNumber { return .number(number.doubleValue) }
                        return .null
                    }
                })
        }
    }

    /// Each answer against churnql's rows: the same rows (in order where the query fixes one), numbers to 1e-9.
    /// `knownWrong`: queries churnql itself answers wrongly (text → why); their mismatch is a known issue, and a
    /// match is reported so the entry goes once churnql is fixed.
    static func compare(_ groups: [Group], _ answers: [Answer], engine: String, knownWrong: [String: String] = [:]) {
        for (item, answer) in zip(groups.flatMap(\.cases), answers) {
            switch answer {
            case .error(let message):
                Issue.record("\(item.text): \(engine) failed: \(message)\n\(item.sql.text)")
            case .rows(let actual):
                let ordered = SQLiteDialectTests.isTotallyOrdered(item.text)
                if let reason = knownWrong[item.text] {
                    withKnownIssue(Comment(rawValue: reason)) {
                        #expect(SQLiteDialectTests.sameRows(item.expected, actual, ordered: ordered))
                    }
                    continue
                }
                #expect(
                    SQLiteDialectTests.sameRows(item.expected, actual, ordered: ordered),
                    "\(item.text)\n\(item.sql.text)\n\(difference(item.expected, actual, ordered: ordered, engine: engine))"
                )
            }
        }
    }

    /// The row counts and the first pair of rows that differ (after sorting both, for an unordered answer).
    static func difference(
        _ expected: [[SQLiteDialectTests.Cell]], _ actual: [[SQLiteDialectTests.Cell]], ordered: Bool, engine: String
    ) -> String {
        func sorted(_ rows: [[SQLiteDialectTests.Cell]]) -> [[SQLiteDialectTests.Cell]] {
            ordered
                ? rows
                : rows.sorted { $0.map(\.key).joined(separator: "\u{1}") < $1.map(\.key).joined(separator: "\u{1}") }
        }
        let (a, b) = (sorted(expected), sorted(actual))
        let row =
            zip(a, b).map { x, y in x.count == y.count && zip(x, y).allSatisfy { $0.matches($1) } }
            .firstIndex(of: false) ?? min(a.count, b.count)
        func show(_ rows: [[SQLiteDialectTests.Cell]]) -> String {
            row < rows.count ? rows[row].map { "\($0)" }.joined(separator: ", ") : "(none)"
        }
        return "rows: churnql \(a.count), \(engine) \(b.count); first difference at row \(row)\n"
            + "churnql: \(show(a))\n\(engine): \(show(b))"
    }
}

/// Parsing a query statement for the dialect tests.
enum SourceTextFactory {
    static func make(_ text: String) -> ChurnQLDiagnostics.SourceText { .init(name: nil, text: text) }

    static func query(_ source: ChurnQLDiagnostics.SourceText) -> ChurnQLSyntax.Query? {
        guard case .query(let query)? = ChurnQLSyntax.Parser.parse(source).statements.first?.statement else {
            return nil
        }
        return query
    }
}
