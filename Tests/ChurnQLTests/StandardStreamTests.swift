import Foundation
import Testing

/// Full, closed and broken standard streams: a clear message and an exit status, never a signal.
struct StandardStreamTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Run by /bin/sh; `echo status=$?` reports churnql's own exit status on stderr.
        var command: String
        var status: Int32
        var stderr: String
        var testDescription: String { name }
    }

    static let query = "\"$CHURNQL\" \"$CDNOW\" --quiet --format csv"

    static let cases: [Case] = [
        Case(
            name: "stdout on a full device", command: "\(query) -c 'from orders | count' >/dev/full", status: 2,
            stderr: "churnql: cannot write to standard output: No space left on device"),
        Case(
            name: "stdout closed", command: "\(query) -c 'from orders | count' >&-", status: 2,
            stderr: "churnql: cannot write to standard output: it is closed"),
        Case(
            name: "broken pipe", command: "{ \(query) -c 'from orders'; echo status=$? >&2; } | head -c 10 >/dev/null",
            status: 0, stderr: "cannot write to standard output: Broken pipe\nstatus=2"),
        Case(
            name: "stdin closed without -c or -f", command: "\(query) <&-", status: 2,
            stderr: "standard input is closed"),
        Case(name: "stderr closed", command: "\(query) -c 'from nope | count' 2>&-", status: 1, stderr: ""),
    ]

    /// The closed streams reached through their /dev and /proc names: the same errors as the streams themselves,
    /// never a silent write into the placeholder that holds the descriptor's number.
    static let aliasCases: [Case] =
        ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"].flatMap { path in
            [
                Case(
                    name: "export to \(path), stdout closed",
                    command: "\(query) -c 'export from orders | take 1 to \"\(path)\"' >&-", status: 2,
                    stderr: "churnql: cannot write to standard output: it is closed"),
                Case(
                    name: ".output \(path), stdout closed", command: "\(query) -c '.output \(path)' -c 'print 1' >&-",
                    status: 2, stderr: "churnql: cannot write to standard output: it is closed"),
            ]
        } + [
            Case(
                name: "-f /dev/stdin, stdin closed", command: "\(query) -f /dev/stdin <&-", status: 2,
                stderr: "standard input is closed"),
            Case(
                name: "-f /dev/fd/0, stdin closed", command: "\(query) -f /dev/fd/0 <&-", status: 2,
                stderr: "standard input is closed"),
            Case(
                name: ".read /dev/stdin, stdin closed", command: "\(query) -c '.read /dev/stdin' <&-", status: 1,
                stderr: "standard input is closed"),
            Case(
                name: ".output /dev/stderr, stderr closed",
                command: "{ \(query) -c '.output /dev/stderr' -c 'print 1' 2>&-; echo status=$? >&2; }", status: 0,
                stderr: "status=1"),
            Case(
                name: "export to /dev/stderr, stderr closed",
                command: "{ \(query) -c 'export from orders | take 1 to \"/dev/stderr\"' 2>&-; echo status=$? >&2; }",
                status: 0, stderr: "status=1"),
            // The placeholders are not /dev/null: writing to it and reading it stay fine.
            Case(
                name: "export to /dev/null, stdout closed",
                command: "\(query) -c 'export from orders | take 1 to \"/dev/null\"' >&-", status: 0, stderr: ""),
            Case(name: "-f /dev/null, stdin closed", command: "\(query) -f /dev/null <&-", status: 0, stderr: ""),
        ]

    @Test(arguments: cases + aliasCases)
    func stream(_ c: Case) throws {
        let folder = try ShellCommand.temporaryFolder("streams")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try ShellCommand.run(c.command, in: folder)
        #expect(r.exited)
        #expect(r.status == c.status, "stderr: \(r.stderr)")
        #expect(c.stderr.isEmpty || r.stderr.contains(c.stderr), "stderr: \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Illegal instruction"))
    }

    @Test func stderrClosedStillAnswers() throws {
        let folder = try ShellCommand.temporaryFolder("streams")
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try ShellCommand.run("\(Self.query) -c 'from orders | count' 2>&-", in: folder)
        #expect(r.status == 0)
        #expect(r.stdout == "n\n6919\n")
    }

    /// With fd 1 closed at start, the files churnql opens must not take its number and receive stdout's text:
    /// the input stays as it was and the export holds exactly the exported rows.
    @Test func closedStdoutNeverLandsInAFile() throws {
        let folder = try ShellCommand.temporaryFolder("closed-stdout")
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("orders.csv")
        try FileManager.default.copyItem(at: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv"), to: input)
        let before = try Data(contentsOf: input)
        let r = try ShellCommand.run(
            "\"$CHURNQL\" orders.csv --quiet -c 'export from orders | take 1 to \"one.csv\"' -c 'from orders | count' >&-",
            in: folder)
        #expect(r.status == 2)
        #expect(try Data(contentsOf: input) == before)
        let exported = try String(contentsOf: folder.appendingPathComponent("one.csv"), encoding: .utf8)
        #expect(exported == "customer_id,order_date,cds,amount\n00004,1997-01-01,2,29.33\n")
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    /// A write that fails half-way (here: the file-size limit, EFBIG) leaves the previous file and no temporary.
    @Test(arguments: [".output big.csv\nfrom orders\n", "export from orders to \"big.csv\"\n"])
    func failedWriteKeepsTheOldFile(_ script: String) throws {
        let folder = try ShellCommand.temporaryFolder("efbig")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("big.csv")
        try Data("keep me\n".utf8).write(to: target)
        try Data(script.utf8).write(to: folder.appendingPathComponent("s.cql"))
        let r = try ShellCommand.run(
            "ulimit -f 8; trap '' XFSZ; \(Self.query) -f s.cql; echo status=$? >&2", in: folder)
        #expect(r.stderr.contains("cannot write big.csv: File too large"), "stderr: \(r.stderr)")
        #expect(r.stderr.contains("status=1"))
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep me\n")
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }
}
