import ChurnQLSQL
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The `spark` dialect's SQL run on Spark (PySpark in local mode, from scripts/dialect-venv's virtualenv named by
/// `CHURNQL_DIALECT_PYTHON`) answers as churnql does: the DuckDB test's random pipelines for every seed, the
/// golden `compile spark` queries and a call of each catalogue function Spark has, all in one Spark session
/// (it takes ≈ 9 s to start). Without that Python the test fails on CI and says why and skips elsewhere.
struct SparkDialectTests {
    /// Temporary views from cached data frames with explicit types (nothing inferred), replaced for each group.
    static let runner = """
        import datetime
        from pyspark.sql import SparkSession, types as T
        spark = (SparkSession.builder.master("local[2]").appName("churnql-dialect-tests")
            .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "8")
            .config("spark.ui.showConsoleProgress", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        TYPES = {"integer": (T.LongType(), int), "decimal": (T.DoubleType(), float), "boolean": (T.BooleanType(), bool),
            "date": (T.DateType(), datetime.date.fromisoformat), "text": (T.StringType(), str)}
        def load(tables):
            spark.catalog.clearCache()
            for t in spark.catalog.listTables():
                if t.isTemporary: spark.catalog.dropTempView(t.name)
            for table in tables:
                kinds = [TYPES[k] for _, k in table["columns"]]
                schema = T.StructType([T.StructField(c, kind[0], True) for (c, _), kind in zip(table["columns"], kinds)])
                rows = [tuple(None if v is None else kind[1](v) for v, kind in zip(row, kinds)) for row in table["rows"]]
                # Cached: a data frame from Python rows would be re-read through Python workers by every query.
                frame = spark.createDataFrame(rows, schema).cache()
                frame.count()
                frame.createOrReplaceTempView(table["name"])
        def run(sql): return spark.sql(sql).collect()
        """

    /// Spark's documented local set-up (docs/scale.md): Debian's Java 17 unless JAVA_HOME says otherwise.
    static var environment: [String: String] {
        var environment = ["SPARK_LOCAL_IP": "127.0.0.1"]
        let java = "/usr/lib/jvm/java-17-openjdk-amd64"
        if ProcessInfo.processInfo.environment["JAVA_HOME"] == nil, FileManager.default.fileExists(atPath: java) {
            environment["JAVA_HOME"] = java
        }
        return environment
    }

    /// The golden `compile spark` statements and one call of each catalogue function that compiles for Spark, over
    /// the CDNOW orders as the golden test loads them.
    static func acceptanceGroup() throws -> DialectDifferential.Group {
        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path)
        _ = try MetricsTests.run(engine, "set asof = 1998-06-30")
        let golden = try String(
            contentsOf: GoldenTests.root.appendingPathComponent("Tests/golden/sql/spark.cql"), encoding: .utf8)
        let statements = golden.split(separator: "\n").compactMap { line -> String? in
            line.hasPrefix("compile spark ") ? String(line.dropFirst("compile spark ".count)) : nil
        }
        #expect(statements.count >= 5)
        let calls = SQLCompilerTests.calls.keys.sorted().compactMap { name -> String? in
            guard let function = FunctionCatalog.all.first(where: { $0.name == name }),
                function.backends.contains(.spark), let step = SQLCompilerTests.calls[name]
            else { return nil }
            return "from customers | \(step)"
        }
        return DialectDifferential.group(engine, statements + calls, dialect: .spark)
    }

    /// churnql's own wrong answers that Spark shows up (the compiled SQL is right); none now (`if` with an integer
    /// and a decimal branch was one).
    static let knownWrong: [String: String] = [:]

    @Test("spark SQL answers as churnql")
    func differential() throws {
        guard let python = DialectDifferential.python(for: "SparkDialectTests") else { return }
        var groups = try [1, 2, 3, 4].map { try DialectDifferential.randomGroup(seed: $0, dialect: .spark) }
        for (seed, group) in zip(1..., groups) {
            #expect(group.cases.count >= 40, "seed \(seed): only \(group.cases.count) queries compiled")
        }
        let acceptance = try Self.acceptanceGroup()
        #expect(acceptance.cases.count >= 25, "only \(acceptance.cases.count) acceptance queries compiled")
        groups.append(acceptance)
        let answers = try DialectDifferential.execute(
            groups, python: python, runner: Self.runner, environment: Self.environment, timeout: 900)
        DialectDifferential.compare(groups, answers, engine: "spark", knownWrong: Self.knownWrong)
    }
}
