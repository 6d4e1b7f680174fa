import ChurnQLDiagnostics
import ChurnQLSQL
import ChurnQLSyntax
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine

/// The `duckdb` dialect's SQL run on DuckDB (through the benchmark virtualenv's Python package, when there is
/// one) answers as churnql does on the same random pipelines as the SQLite test. Without the virtualenv the test
/// says why and checks nothing (CI has none yet).
struct DuckDBDialectTests {
    /// CHURNQL_DIALECT_PYTHON when set (a Python with the duckdb package), else the benchmark virtualenv's.
    static let python =
        ProcessInfo.processInfo.environment["CHURNQL_DIALECT_PYTHON"].map { URL(fileURLWithPath: $0) }
        ?? GoldenTests.root.deletingLastPathComponent().appendingPathComponent("main/.venv-bench/bin/python")

    /// The Python side: loads the tables given as JSON with their types, runs each query, prints one JSON line per
    /// query (its rows, or its error).
    static let runner = """
        import duckdb, json, sys, datetime
        spec = json.load(open(sys.argv[1]))
        con = duckdb.connect()
        for table in spec["tables"]:
            cols = ", ".join('"%s" %s' % (c.replace('"', '""'), t) for c, t in table["columns"])
            con.execute('CREATE TABLE "%s" (%s)' % (table["name"].replace('"', '""'), cols))
            marks = ", ".join("?" for _ in table["columns"])
            if table["rows"]:
                con.executemany('INSERT INTO "%s" VALUES (%s)' % (table["name"].replace('"', '""'), marks), table["rows"])
        def cell(v):
            if isinstance(v, bool): return 1 if v else 0
            if isinstance(v, (datetime.date, datetime.datetime)): return v.isoformat()[:10]
            if isinstance(v, (int, float)) or v is None or isinstance(v, str): return v
            return float(v)
        for sql in spec["queries"]:
            try:
                rows = con.execute(sql).fetchall()
                print(json.dumps({"rows": [[cell(v) for v in r] for r in rows]}))
            except Exception as e:
                print(json.dumps({"error": str(e)}))
        """

    static func duckType(_ type: DataType) -> String {
        switch type {
        case .integer: return "BIGINT"
        case .decimal: return "DOUBLE"
        case .boolean: return "BOOLEAN"
        case .date: return "DATE"
        default: return "VARCHAR"
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

    @Test("duckdb SQL answers as churnql", arguments: [1, 2, 3, 4] as [UInt64])
    func differential(seed: UInt64) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python.path) else {
            print("DuckDBDialectTests skipped: no virtualenv at \(Self.python.path)")
            return
        }
        let engine = try RewriteTests.engine(seed: seed)
        if seed % 2 == 0 { _ = try MetricsTests.run(engine, "set churn_window = 60") }
        if seed == 3 { _ = try MetricsTests.run(engine, "set asof = 2024-02-10") }
        try SQLiteDialectTests.loadChannels(engine)
        try SQLiteDialectTests.defineViews(engine)
        var random = FuzzTests.Random(state: seed &* 7_919)
        var cases: [(text: String, expected: [[SQLiteDialectTests.Cell]], sql: SQLText)] = []
        let fixed = Set(SQLiteDialectTests.fixed)
        for text in SQLiteDialectTests.queries(&random, count: 60) + SQLiteDialectTests.fixed {
            guard let expected = SQLiteDialectTests.engineRows(engine, text) else { continue }
            do {
                let source = SourceTextFactory.make(text)
                guard let query = SourceTextFactory.query(source) else { continue }
                cases.append((text, expected, try engine.compile(query, dialect: .duckdb, source: source)))
            } catch {
                // The fixed queries all compile for DuckDB.
                #expect(error.code == "not-in-sql" && !fixed.contains(text), "\(text): \(error.message)")
            }
        }
        var tables: [[String: Any]] = []
        for name in engine.catalog.names {
            guard let table = engine.catalog[name] else { continue }
            tables.append([
                "name": name, "columns": table.columns.map { [$0.name, Self.duckType($0.type)] },
                "rows": (0..<table.rowCount).map { row in table.columns.map { Self.json($0.value(at: row)) } },
            ])
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("duck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let specPath = directory.appendingPathComponent("spec.json")
        let scriptPath = directory.appendingPathComponent("run.py")
        try JSONSerialization.data(withJSONObject: ["tables": tables, "queries": cases.map(\.sql.text)]).write(
            to: specPath)
        try Self.runner.write(to: scriptPath, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = Self.python
        process.arguments = [scriptPath.path, specPath.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == cases.count)
        for (line, item) in zip(lines, cases) {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                Issue.record("unreadable output for \(item.text)")
                continue
            }
            guard let rows = object["rows"] as? [[Any]] else {
                Issue.record("\(item.text): \(object["error"] ?? "?")\n\(item.sql.text)")
                continue
            }
            let actual = rows.map { row in
                row.map { value -> SQLiteDialectTests.Cell in
                    if let text = value as? String { return .text(text) }
                    if let number = value as? NSNumber { return .number(number.doubleValue) }
                    return .null
                }
            }
            #expect(
                SQLiteDialectTests.sameRows(
                    item.expected, actual, ordered: SQLiteDialectTests.isTotallyOrdered(item.text)),
                "\(item.text)\n\(item.sql.text)\nchurnql: \(item.expected.prefix(5))\nduckdb: \(actual.prefix(5))")
        }
        #expect(cases.count >= 40, "only \(cases.count) queries compiled")
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
