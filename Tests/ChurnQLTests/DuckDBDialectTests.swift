import Foundation
import Testing

/// The `duckdb` dialect's SQL run on DuckDB (the Python package in scripts/dialect-venv's virtualenv, named by
/// `CHURNQL_DIALECT_PYTHON`) answers as churnql does on the same random pipelines as the SQLite test. Without that
/// Python the test fails on CI and says why and skips elsewhere.
struct DuckDBDialectTests {
    /// The benchmark virtualenv beside the repo, used when `CHURNQL_DIALECT_PYTHON` is unset.
    static let benchPython = GoldenTests.root.deletingLastPathComponent().appendingPathComponent(
        "main/.venv-bench/bin/python")

    /// A fresh in-memory database per group, each table with its columns' types.
    static let runner = """
        import duckdb
        TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE", "text": "VARCHAR"}
        con = None
        def quote(name): return '"%s"' % name.replace('"', '""')
        def load(tables):
            global con
            con = duckdb.connect()
            for table in tables:
                cols = ", ".join("%s %s" % (quote(c), TYPES[k]) for c, k in table["columns"])
                con.execute("CREATE TABLE %s (%s)" % (quote(table["name"]), cols))
                marks = ", ".join("?" for _ in table["columns"])
                if table["rows"]:
                    con.executemany("INSERT INTO %s VALUES (%s)" % (quote(table["name"]), marks), table["rows"])
        def run(sql): return con.execute(sql).fetchall()
        """

    @Test("duckdb SQL answers as churnql", arguments: [1, 2, 3, 4] as [UInt64])
    func differential(seed: UInt64) throws {
        guard let python = DialectDifferential.python(for: "DuckDBDialectTests", fallback: Self.benchPython) else {
            return
        }
        let group = try DialectDifferential.randomGroup(seed: seed, dialect: .duckdb)
        let answers = try DialectDifferential.execute([group], python: python, runner: Self.runner, timeout: 600)
        DialectDifferential.compare([group], answers, engine: "duckdb")
        #expect(group.cases.count >= 40, "only \(group.cases.count) queries compiled")
    }
}
