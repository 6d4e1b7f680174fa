import Foundation
import Testing

/// Script output and diagnostics in the order they happen, through the real binary with stderr on stdout's pipe
/// (`2>&1`): `--keep-going` reports each error where it happens, and `--echo` prints each statement's lines
/// just before its output, as `psql -a` does.
struct ScriptOrderTests {
    static let root = GoldenTests.root

    static func merged(_ arguments: [String], stdin: String) throws -> ChurnQLBinary.Result {
        try ChurnQLBinary.run(arguments, in: root, stdin: stdin, hangGuard: 120, mergingErrors: true)
    }

    /// A line that fails in one of the ways a script can fail; every error names its line (`<stdin>:LINE:`).
    static let failingLines = [
        "from nope | count",  // an unknown table, found when the statement runs
        "print \"x\" \"y\"",  // a parse error
        "print 2024-02-30",  // a lexer error
        ".nonsense",  // an unknown meta command
        "print \"open",  // a string never closed: the rest of the script is inside it
    ]

    /// A random script of `print "out L"` lines and failing lines, run with `--keep-going`: each line's output or
    /// error appears after those of the lines before it. A string left open swallows the rest of the script, so
    /// it only ever comes last.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func keepGoingReportsEachErrorWhereItHappens(seed: UInt64) throws {
        var random = FuzzTests.Random(state: seed)
        let count = 5 + random.below(20)
        var lines: [String] = []
        var failing: [Int] = []
        for number in 1...count {
            let last = number == count
            let kinds = Self.failingLines.count - (last ? 0 : 1)
            if random.below(3) == 0 {
                lines.append(Self.failingLines[random.below(kinds)])
                failing.append(number)
            } else {
                lines.append("print \"out \(number)\"")
            }
        }
        let result = try Self.merged(["--keep-going"], stdin: lines.joined(separator: "\n") + "\n")
        #expect(result.status == (failing.isEmpty ? 0 : 1))
        var position = result.stdout.startIndex
        for number in 1...count {
            let marker = failing.contains(number) ? "<stdin>:\(number):" : "out \(number)\n"
            let found = result.stdout.range(of: marker, range: position..<result.stdout.endIndex)
            #expect(found != nil, "line \(number) (\(lines[number - 1])) out of order in:\n\(result.stdout)")
            if let found { position = found.upperBound }
        }
        // One summary at the end, counting the errors reported above it.
        let reported = result.stdout.components(separatedBy: ": error: ").count - 1
        if !failing.isEmpty {
            #expect(reported >= failing.count)
            #expect(result.stdout.hasSuffix("\n\(reported) error\(reported == 1 ? "" : "s")\n"))
        }
    }

    struct EchoCase: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String] = []
        var script: String
        var transcript: String
        var testDescription: String { name }
    }

    static let echoCases: [EchoCase] = [
        EchoCase(
            name: "comments and blank lines come with the statement after them; a trailing comment comes last",
            script: "-- first\n\nprint \"a\"\n# why\nprint \"b\" -- inline\n-- the end\n",
            transcript: "-- first\n\nprint \"a\"\na\n# why\nprint \"b\" -- inline\nb\n-- the end\n"),
        EchoCase(
            name: "a line holding two statements is printed once, before the first",
            script: "print \"a\"; print \"b\"\nprint \"c\"\n",
            transcript: "print \"a\"; print \"b\"\na\nb\nprint \"c\"\nc\n"),
        EchoCase(
            name: "a statement over several lines is printed whole before it runs",
            arguments: ["examples/cdnow/orders.csv", "--format", "csv"],
            script: "from orders\n  | count\nprint \"a\"\n",
            transcript: "from orders\n  | count\nn\n6919\nprint \"a\"\na\n"),
        EchoCase(
            name: "a meta command's line is printed before it runs, between the statements around it",
            script: "print \"a\"\n.mode csv\nprint \"b\"\n",
            transcript: "print \"a\"\na\n.mode csv\nprint \"b\"\nb\n"),
        EchoCase(
            name: "a script that stops at an error prints nothing after the failing statement",
            script: "print \"a\"\nprint \"x\" \"y\"\nprint \"never\"\n-- never\n",
            transcript: "print \"a\"\na\nprint \"x\" \"y\"\n"
                + "<stdin>:2:11: error: unexpected string \"y\"; expected the end of the statement\n"
                + "  print \"x\" \"y\"\n            ^^^\n"),
        EchoCase(
            name: "CRLF line ends are printed as LF, control characters escaped, a missing last line end added",
            script: "print \"a\"\r\n-- bell \u{07}\r\nprint \"b\"",
            transcript: "print \"a\"\na\n-- bell \\x07\nprint \"b\"\nb\n"),
        EchoCase(
            name: "-c commands are echoed one after the other",
            arguments: ["-c", "print \"a\"", "-c", "print \"b\""], script: "",
            transcript: "print \"a\"\na\nprint \"b\"\nb\n"),
    ]

    @Test(arguments: echoCases)
    func echoPrintsEachStatementBeforeItsOutput(_ example: EchoCase) throws {
        let result = try Self.merged(["--quiet", "--echo"] + example.arguments, stdin: example.script)
        #expect(result.stdout == example.transcript)
    }

    /// On scripts that succeed, `--echo` adds the script's lines and nothing else: without them what is left is
    /// the output of a run without `--echo`, and the lines themselves are the script.
    @Test func echoAddsOnlyTheScriptLines() throws {
        let script = try String(
            contentsOf: Self.root.appendingPathComponent("examples/course/05-rfm.cql"), encoding: .utf8)
        let arguments = ["examples/shop/customers.csv", "examples/shop/orders.csv", "--quiet", "--format", "csv"]
        let plain = try ChurnQLBinary.run(arguments, in: Self.root, stdin: script)
        let echoed = try ChurnQLBinary.run(arguments + ["--echo"], in: Self.root, stdin: script)
        #expect(plain.status == 0 && echoed.status == 0)
        // Blank lines are left out: they belong to both. No other output line of 05-rfm is a script line.
        func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }
        let scriptLines = Set(lines(script))
        let printed = lines(echoed.stdout).filter { scriptLines.contains($0) }
        let rest = lines(echoed.stdout).filter { !scriptLines.contains($0) }
        #expect(!rest.isEmpty)
        #expect(rest == lines(plain.stdout))
        #expect(printed == lines(script))
    }
}
