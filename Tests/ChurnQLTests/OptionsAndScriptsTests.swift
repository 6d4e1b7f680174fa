import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLShell
@testable import ChurnQLSyntax

/// Options are values (never statement text), `.save` replays what ran, and scripts and flag lists run in time and
/// memory that grow with their size.
struct OptionsAndScriptsTests {
    static let root = GoldenTests.root
    static let cdnow = "examples/cdnow/orders.csv"

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    // MARK: --asof

    @Test(
        "--asof takes a date value, nothing else",
        arguments: [
            "2024-06-30; export from customers | take 1 to \"x.csv\"", "2024-06-31", "2024-13-01", "yesterday",
            "2024-06-30 + 1", "", "\"2024-06-30\"", "2024-06-30\nexport from customers to \"x.csv\"", "latest",
        ])
    func asofRejectsAnythingButADate(_ value: String) throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let orders = Self.root.appendingPathComponent(Self.cdnow).path
        let r = try ChurnQLBinary.run([orders, "--asof", value, "-c", "from orders | count"], in: directory)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--asof expects a date"))
        #expect(r.stderr.contains("invalid date"))
        #expect(r.stdout.isEmpty)
        #expect(try Self.listing(directory).isEmpty)
    }

    @Test func asofGivesTheSameAnswersAsTheSetting() throws {
        let query = "from customers | group status | agg n = count() | sort status"
        let byOption = try ChurnQLBinary.run(
            [Self.cdnow, "--quiet", "--format", "csv", "--asof", "1998-03-31", "-c", query], in: Self.root)
        let bySetting = try ChurnQLBinary.run(
            [Self.cdnow, "--quiet", "--format", "csv", "-c", "set asof = 1998-03-31", "-c", query], in: Self.root)
        let byDefault = try ChurnQLBinary.run([Self.cdnow, "--quiet", "--format", "csv", "-c", query], in: Self.root)
        #expect(byOption.status == 0)
        #expect(byOption.stdout == bySetting.stdout)
        #expect(byOption.stdout != byDefault.stdout)
    }

    // MARK: The journal and .save

    static let hostileNames = [
        "plain.csv", "quote\"d.csv", "back\\slash.csv", "new\nline.csv", "tab\there.csv", "both\\\".csv",
        "x\n.save evil.cql", "trailing\\", "ünïcødé €.csv", "semi;colon -- dash # hash.csv", "cr\rhere.csv",
    ]

    @Test("a quoted string lexes back to exactly its text", arguments: hostileNames)
    func quotedStringRoundTrips(_ name: String) throws {
        let text = "load \(Lexer.quoted(name))"
        #expect(!text.contains("\n"))
        let parsed = Parser.parse(SourceText(name: nil, text: text))
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.statements.count == 1)
        guard case .load(let path, let alias, _) = parsed.statements.first?.statement else {
            Issue.record("not a load statement: \(text)")
            return
        }
        #expect(path == name)
        #expect(alias == nil)
    }

    /// A file loaded from the command line under a hostile name: the saved script loads exactly that file again.
    @Test func savedScriptReloadsAHostileFileName() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let name = "or\"d\\ers\n.save evil.cql.csv"
        try FileManager.default.copyItem(
            at: Self.root.appendingPathComponent(Self.cdnow), to: directory.appendingPathComponent(name))
        let query = "from orders | count"
        let original = try ChurnQLBinary.run(
            [name, "--quiet", "--format", "csv", "-c", query, "-c", ".save saved.cql"], in: directory)
        #expect(original.status == 0)
        let replay = try ChurnQLBinary.run(["--quiet", "--format", "csv", "-f", "saved.cql"], in: directory)
        #expect(replay.status == 0)
        #expect(replay.stdout == original.stdout)
        #expect(try Self.listing(directory) == [name, "saved.cql"].sorted())
    }

    /// `--set` values (text with quotes and line ends, numbers, dates) are saved as `param` lines that a replay
    /// without flags honours; a `param` default in the script does not override them.
    @Test func saveRecordsTheSetValues() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let orders = Self.root.appendingPathComponent(Self.cdnow).path
        let script = """
            param n = 10
            param since = 1997-01-01
            param label = "default"
            from customers | where first_order >= $since | sort customer_id | take $n | select customer_id, l = $label
            .save saved.cql
            """
        try script.write(to: directory.appendingPathComponent("report.cql"), atomically: true, encoding: .utf8)
        let original = try ChurnQLBinary.run(
            [
                orders, "--quiet", "--format", "csv", "--asof", "1997-06-30", "--set", "n=3", "--set",
                "since=1997-02-01", "--set", "label=He said \"hi\"\n.save evil.cql \\o/", "-f", "report.cql",
            ], in: directory)
        #expect(original.status == 0)
        #expect(original.stdout.split(separator: "\n").count > 3)
        let replay = try ChurnQLBinary.run(["--quiet", "--format", "csv", "-f", "saved.cql"], in: directory)
        #expect(replay.status == 0)
        #expect(replay.stdout == original.stdout)
        #expect(try Self.listing(directory) == ["report.cql", "saved.cql"])
    }

    @Test(
        "a --set value is written as a literal that reads back as the same value",
        arguments: [
            "n=3", "x=-2.5", "d=1998-06-30", "w=90d", "m=6mo", "t=true", "s=hello world", "q=a\"b\\c\nd\te",
            "z=null", "big=1e999", "neg=-7",
        ])
    func parameterLiteralRoundTrips(_ assignment: String) throws {
        let (name, value) = try #require(try CommandLineRun.parseParameter(assignment))
        let literal = ValueLiteral.text(value)
        let (_, again) = try #require(try CommandLineRun.parseParameter("\(name)=\(literal)"))
        #expect(again == value)
    }

    /// A `--set` value shaped as a number, date or duration that is not a valid one is a usage error naming the
    /// flag and the problem; text that merely starts with a digit stays text, and quoting makes anything text.
    @Test(
        "--set values that are bad numbers or dates",
        arguments: [
            ("d=0000-01-01", "invalid date"), ("d=2024-02-30", "invalid date"), ("d=2024-13-01", "invalid date"),
            ("d=-0000-01-01", "invalid date"), ("n=99999999999999999999", "integer too large"),
            ("n=-99999999999999999999", "integer too large"), ("w=999999999999d", "duration too large"),
        ])
    func badNumberOrDateIsAUsageError(_ assignment: String, _ problem: String) throws {
        do {
            let parsed = try CommandLineRun.parseParameter(assignment)
            Issue.record("expected an error, got \(String(describing: parsed))")
        } catch {
            #expect(error.code == "usage")
            #expect(error.message.hasPrefix("--set \(assignment): "), "\(error.message)")
            #expect(error.message.contains(problem), "\(error.message)")
            let quoted = try #require(error.hint?.split(separator: "'").dropFirst().first.map(String.init))
            let name = String(assignment.prefix { $0 != "=" })
            let raw = String(assignment.dropFirst(name.count + 1))
            let asText = try #require(try CommandLineRun.parseParameter("\(name)=\(quoted)"))
            #expect(asText.1 == .text(raw))
        }
    }

    @Test(
        "--set values that stay what they look like",
        arguments: [
            ("n=9223372036854775807", Value.integer(Int64.max)), ("n=-9223372036854775808", .integer(Int64.min)),
            ("n=007", .integer(7)), ("id=12abc", .text("12abc")), ("id=0x1F", .text("0x1F")),
            ("v=1.2.3", .text("1.2.3")), ("d=\"0000-01-01\"", .text("0000-01-01")),
            ("d=2024-02-29", .date(Dates.dayNumber(year: 2024, month: 2, day: 29))),
        ])
    func goodValuesKeepTheirType(_ assignment: String, _ expected: Value) throws {
        let parsed = try #require(try CommandLineRun.parseParameter(assignment))
        #expect(parsed.1 == expected)
    }

    @Test func badSetValueExitsWithUsageStatus() throws {
        let r = try ChurnQLBinary.run(
            [Self.cdnow, "--set", "d=0000-01-01", "-c", "param d = 1998-01-01", "-c", "from customers | count"],
            in: Self.root)
        #expect(r.status == 2)
        #expect(r.stderr.contains("--set d=0000-01-01: invalid date"))
        #expect(r.stderr.contains("--set d='\"0000-01-01\"'"))
        #expect(r.stdout.isEmpty)
    }

    // MARK: --set asof

    @Test func setAsofWithoutAParamIsAUsageError() throws {
        let r = try ChurnQLBinary.run(
            [Self.cdnow, "--set", "asof=1998-06-30", "-c", "from customers | count"], in: Self.root)
        #expect(r.status == 2)
        #expect(r.stderr.contains("not the analysis date"))
        #expect(r.stderr.contains("--asof"))
        #expect(r.stdout.isEmpty)
    }

    @Test func setAsofForAScriptThatDeclaresIt() throws {
        let r = try ChurnQLBinary.run(
            [
                Self.cdnow, "--quiet", "--format", "csv", "--set", "asof=1998-03-31", "-f",
                "examples/reports/weekly.cql",
            ], in: Self.root)
        #expect(r.status == 0)
        let commands = try ChurnQLBinary.run(
            [
                Self.cdnow, "--quiet", "--format", "csv", "--set", "asof=1998-03-31", "-c", "param asof = 1998-06-30",
                "-c", "set asof = $asof", "-c", "from customers | agg last = max(last_order), n = count()",
            ], in: Self.root)
        let reference = try ChurnQLBinary.run(
            [
                Self.cdnow, "--quiet", "--format", "csv", "--asof", "1998-03-31", "-c",
                "from customers | agg last = max(last_order), n = count()",
            ], in: Self.root)
        #expect(commands.status == 0)
        #expect(commands.stdout == reference.stdout)
        #expect(commands.stdout.contains("1998-03"))
        let undeclared = try ChurnQLBinary.run(
            [Self.cdnow, "--set", "asof=1998-03-31"], in: Self.root, stdin: "from customers | count\n")
        #expect(undeclared.status == 2)
        #expect(undeclared.stderr.contains("not the analysis date"))
    }

    // MARK: Linear running

    @Test func fortyThousandStatementsRun() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var script = ""
        for i in 0..<40_000 {
            script += i % 2 == 0 ? "set churn_window = \(i % 300 + 1)d\n" : "let v\(i % 7) = from orders\n"
        }
        script += "from v3 | count\n"
        try script.write(to: directory.appendingPathComponent("long.cql"), atomically: true, encoding: .utf8)
        let orders = Self.root.appendingPathComponent(Self.cdnow).path
        let r = try ChurnQLBinary.run(
            [orders, "--quiet", "--format", "csv", "-f", "long.cql"], in: directory, hangGuard: 300)
        #expect(r.status == 0)
        #expect(r.stdout == "n\n6919\n")
    }

    @Test func tenThousandFlagsRun() throws {
        var arguments = [Self.cdnow, "--quiet", "--format", "csv"]
        for i in 0..<10_000 { arguments += ["--set", "p\(i)=\(i)"] }
        for i in 0..<10_000 { arguments += ["-c", "set churn_window = \(i % 300 + 1)d"] }
        arguments += ["-c", "from orders | take $p17 | count", "-c", "from orders | take $p9 | count"]
        let r = try ChurnQLBinary.run(arguments, in: Self.root, hangGuard: 300)
        #expect(r.status == 0)
        #expect(r.stdout == "n\n17\nn\n9\n")
    }

    /// The options taken out before the argument parser keep their order and leave every other argument alone.
    @Test func repeatedOptionsAreTakenOutInOrder() {
        let options = RepeatedOptions([
            "a.csv", "-c", "q1", "--set", "x=1", "--asof", "-c", "--set=y=2", "-c", "-c", "--", "-c", "z",
        ])
        #expect(options.commands == ["q1", "-c"])
        #expect(options.parameters == ["x=1", "y=2"])
        #expect(options.remaining == ["a.csv", "--asof", "-c", "--", "-c", "z"])
        #expect(RepeatedOptions(["-c"]).remaining == ["-c"])
    }

    /// Line lookup is a binary search over marks every 32 lines, then a short scan; checked against counting line
    /// ends from the start, over enough lines (blank, CRLF, multi-byte) to cross many marks.
    @Test func lineOfAnOffsetMatchesCountingLineEnds() {
        var text = ""
        for i in 0..<150 { text += i % 3 == 0 ? "\n" : (i % 3 == 1 ? "from orders ünï \(i)\r\n" : "| count \(i)\n") }
        text += "last"
        let source = SourceText(name: nil, text: text)
        let bytes = Array(text.utf8)
        var line = 1
        var lineStart = 0
        for offset in 0...bytes.count {
            if offset > 0 && bytes[offset - 1] == 10 {
                line += 1
                lineStart = offset
            }
            #expect(source.line(ofOffset: offset) == line)
            #expect(source.column(ofOffset: offset) == offset - lineStart + 1)
        }
        // By bytes: "\r\n" is one Character, so a split on Characters would not see its line end.
        let lines = bytes.split(separator: 10, omittingEmptySubsequences: false)
        #expect(source.lineCount == lines.count)
        for (i, expected) in lines.enumerated() {
            let withoutCR = expected.last == 13 ? expected.dropLast() : expected
            #expect(source.lineText(i + 1) == String(decoding: withoutCR, as: UTF8.self))
        }
        #expect(source.lineText(0) == nil)
        #expect(source.lineText(lines.count + 1) == nil)
    }

    /// Reading statement by statement gives what parsing the whole text gives.
    @Test(
        "statement reader matches the whole-text parser",
        arguments: [
            "from orders | count\nfrom customers\n  | where revenue > 5\n| take 3; tables\n\n\n-- c\n# d\nshow settings",
            "set asof = 1998-06-30;set churn_window = 60d\n\n\nfrom orders | where (amount >\n 3) | count\n",
            "from orders | where x == \"a\nb\" | count\nload \"f.csv\" with (delimiter: \";\",\n header: true)",
            "from orders |\n\n  count\nfrom x | take 1 and\n",
        ])
    func statementReaderMatchesParser(_ text: String) {
        let source = SourceText(name: "s", text: text)
        let whole = Parser.parse(source)
        var reader = StatementReader(source)
        var statements: [StatementNode] = []
        var diagnostics: [Diagnostic] = []
        while let next = reader.next() {
            statements += next.statements
            diagnostics += next.diagnostics
        }
        #expect(statements == whole.statements)
        #expect(diagnostics == whole.diagnostics)
        #expect(!statements.isEmpty)
    }

    /// A meta command written inside a string that spans lines is part of the string.
    @Test func metaLineInsideAStringIsNotRun() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let script = "print \"first\n.save evil.cql\nlast\"\n.mode csv\n"
        try script.write(to: directory.appendingPathComponent("s.cql"), atomically: true, encoding: .utf8)
        let r = try ChurnQLBinary.run(["-f", "s.cql"], in: directory)
        #expect(r.status == 0)
        #expect(r.stdout == "first\n.save evil.cql\nlast\n")
        #expect(try Self.listing(directory) == ["s.cql"])
    }
}

/// Long chains and lists through the binary (chains of every operator parse as one node: ChainTests).
struct LongChainTests {}

extension LongChainTests {
    /// `in (…)` with 30,000 items: one hashed lookup (it was a chain of closures, which crashed compiling).
    @Test func longInListAnswers() throws {
        let directory = try OptionsAndScriptsTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let amounts = [5, 29_999, 30_000, 42, -1]
        var csv = "customer_id,order_date,amount\n"
        for (i, amount) in amounts.enumerated() { csv += "c\(i),2024-01-0\(i + 1),\(amount)\n" }
        try csv.write(to: directory.appendingPathComponent("orders.csv"), atomically: true, encoding: .utf8)
        let list = (0..<30_000).map(String.init).joined(separator: ", ")
        // A script: one argument may not exceed 128 KB.
        try "from orders | where amount in (\(list)) | count\n".write(
            to: directory.appendingPathComponent("q.cql"), atomically: true, encoding: .utf8)
        let r = try ChurnQLBinary.run(
            ["orders.csv", "--quiet", "--format", "csv", "-f", "q.cql"], in: directory, hangGuard: 300)
        #expect(r.status == 0)
        #expect(r.stdout == "n\n\(amounts.filter { (0..<30_000).contains($0) }.count)\n")
    }
}
