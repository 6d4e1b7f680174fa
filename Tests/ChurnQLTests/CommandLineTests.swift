import Foundation
import Testing

/// The fixed command line of the brief: formats, exit statuses, and one behaviour for -f, -c and stdin.
struct CommandLineTests {
    static let root = GoldenTests.root
    static let cdnow = "examples/cdnow/orders.csv"

    @Test func csvFormatPrintsOnlyHeaderAndRows() throws {
        let r = try ChurnQLBinary.run([Self.cdnow, "--format", "csv", "-c", "from orders | count"], in: Self.root)
        #expect(r.stdout == "n\n6919\n")
        #expect(r.status == 0)
        #expect(r.stderr.contains("loaded orders"))
    }

    /// A large file (90 MB) goes through the parallel in-place load and malloc's one heap; the answer must be exact.
    /// With CHURNQL_HUGE_PAGES=1 a session on stdin starts itself again with huge pages (on Linux in "madvise"
    /// mode); without it, or in a `-c` run, it does not; the arguments and the answer come through unchanged.
    @Test func largeInputGivesTheSameAnswer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-large-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var text = "customer_id,order_date,amount,note\n"
        let padding = String(repeating: "x", count: 60)
        for i in 0..<1_000_000 { text += "C\(i % 5000),2024-0\(i % 9 + 1)-1\(i % 10),\(i % 100).5,\(padding)\n" }
        let path = directory.appendingPathComponent("big.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let query = "from big | agg n = count(), total = sum(amount)"
        let trace = ["CHURNQL_TRACE": "1"]
        let command = try ChurnQLBinary.run(
            [path, "--quiet", "--format", "csv", "-c", query], in: Self.root, environment: trace)
        let session = try ChurnQLBinary.run(
            [path, "--quiet", "--format", "csv"], in: Self.root, stdin: query + "\n",
            environment: trace.merging(["CHURNQL_HUGE_PAGES": "1"]) { $1 })
        let plainSession = try ChurnQLBinary.run(
            [path, "--quiet", "--format", "csv"], in: Self.root, stdin: query + "\n", environment: trace)
        for r in [command, session, plainSession] {
            #expect(r.status == 0)
            #expect(r.stdout == "n,total\n1000000,50000000\n")
        }
        let mode = (try? String(contentsOfFile: "/sys/kernel/mm/transparent_hugepage/enabled", encoding: .utf8)) ?? ""
        let restarts =
            mode.contains("[madvise]") && ProcessInfo.processInfo.environment["GLIBC_TUNABLES"] == nil
            && ProcessInfo.processInfo.environment["CHURNQL_NO_RESTART"] == nil && Self.glibcHasHugePageTunable
        #expect(session.stderr.contains("trace: restarted with glibc.malloc.hugetlb=1") == restarts)
        #expect(!command.stderr.contains("trace: restarted"))
        #expect(
            ProcessInfo.processInfo.environment["CHURNQL_HUGE_PAGES"] != nil
                || !plainSession.stderr.contains("trace: restarted"))
    }

    /// glibc 2.35 and later (the version is in `ldd --version`'s first line; Debian 12 has 2.36).
    static var glibcHasHugePageTunable: Bool {
        guard let symbol = dlsym(nil, "gnu_get_libc_version") else { return false }
        typealias Version = @convention(c) () -> UnsafePointer<CChar>?
        guard let version = unsafeBitCast(symbol, to: Version.self)() else { return false }
        let parts = String(cString: version).split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 && (parts[0] > 2 || (parts[0] == 2 && parts[1] >= 35))
    }

    @Test func jsonFormat() throws {
        let r = try ChurnQLBinary.run(
            [
                Self.cdnow, "--asof", "1998-06-30", "--format", "json", "-c",
                "from customers | group status | agg n = count() | sort status",
            ],
            in: Self.root)
        #expect(
            r.stdout
                == "[\n{\"status\":\"active\",\"n\":300},\n{\"status\":\"lapsed\",\"n\":518},\n{\"status\":\"lost\",\"n\":1539}\n]\n"
        )
    }

    @Test func missingFileIsALoadErrorWithStatus2() throws {
        let r = try ChurnQLBinary.run(["no/such/file.csv", "-c", "from orders | count"], in: Self.root)
        #expect(r.status == 2)
        #expect(r.stderr.contains("no such file"))
        #expect(r.stdout.isEmpty)
    }

    @Test func badUsageIsStatus2() throws {
        let r = try ChurnQLBinary.run(["--format", "xml", "-c", "from orders | count"], in: Self.root)
        #expect(r.status == 2)
    }

    @Test func queryErrorIsStatus1WithLocation() throws {
        let r = try ChurnQLBinary.run([Self.cdnow, "-c", "from customers | where revnue > 1"], in: Self.root)
        #expect(r.status == 1)
        #expect(r.stderr.contains("<command>:1:24: error: unknown column 'revnue'; did you mean 'revenue'?"))
    }

    /// The same failing script run with -f and piped on stdin stops at the same line and exits 1.
    @Test func stdinBehavesLikeScriptFile() throws {
        let script = "from orders | count\nfrom orders | cuont\nfrom orders | count\n"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("stdin-\(UUID().uuidString).cql").path
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        let viaFile = try ChurnQLBinary.run([Self.cdnow, "--format", "csv", "-f", path], in: Self.root)
        let viaStdin = try ChurnQLBinary.run([Self.cdnow, "--format", "csv"], in: Self.root, stdin: script)
        #expect(viaFile.status == 1)
        #expect(viaStdin.status == 1)
        #expect(viaFile.stdout == "n\n6919\n")
        #expect(viaStdin.stdout == viaFile.stdout)
        #expect(viaFile.stderr.contains(":2:15: error: unknown pipeline step 'cuont'"))
        #expect(viaStdin.stderr.contains("<stdin>:2:15: error: unknown pipeline step 'cuont'"))
    }

    @Test func keepGoingRunsEverythingAndStillFails() throws {
        let r = try ChurnQLBinary.run(
            [Self.cdnow, "--format", "csv", "--keep-going", "-c", "from nope | count", "-c", "from orders | count"],
            in: Self.root)
        #expect(r.status == 1)
        #expect(r.stdout == "n\n6919\n")
        #expect(r.stderr.contains("unknown table 'nope'"))
    }

    @Test func errorsAsJSONLines() throws {
        let r = try ChurnQLBinary.run(
            [Self.cdnow, "--quiet", "--errors", "json", "-c", "from orders | where x"], in: Self.root)
        #expect(r.status == 1)
        let line = try #require(r.stderr.split(separator: "\n").first)
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(object?["code"] as? String == "unknown-column")
        #expect(object?["line"] as? Int == 1)
        #expect(object?["column"] as? Int == 21)
    }

    @Test func exportIsAtomicAndRefusesToOverwriteInputs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let input = dir.appendingPathComponent("orders.csv").path
        try FileManager.default.copyItem(atPath: Self.root.appendingPathComponent(Self.cdnow).path, toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let r = try ChurnQLBinary.run([input, "-c", "export from orders | take 2 to \"\(input)\""], in: Self.root)
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to overwrite"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
        let out = dir.appendingPathComponent("top.csv").path
        let ok = try ChurnQLBinary.run([input, "-c", "export from orders | take 2 to \"\(out)\""], in: Self.root)
        #expect(ok.status == 0)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written.split(separator: "\n").count == 3)
    }

    /// `.save` writes the statements that succeeded (loads included) as a script that reruns to the same output.
    @Test func saveWritesARerunnableScript() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let saved = dir.appendingPathComponent("session.cql").path
        let input =
            "set churn_window = 60d\nfrom customers | group status | agg n = count() | sort status\nfrom nope | count\n.save \(saved)\n"
        let first = try ChurnQLBinary.run(
            [Self.root.appendingPathComponent(Self.cdnow).path, "--format", "csv", "--keep-going"], in: dir,
            stdin: input)
        let script = try String(contentsOfFile: saved, encoding: .utf8)
        #expect(script.contains("load \""))
        #expect(script.contains("set churn_window = 60d"))
        #expect(!script.contains("from nope"))
        let rerun = try ChurnQLBinary.run(["--format", "csv", "-f", saved], in: dir)
        #expect(rerun.status == 0)
        #expect(first.stdout.hasPrefix(rerun.stdout))
    }

    /// A script that fails half-way leaves no half-written export, and an existing file untouched.
    @Test func failedExportLeavesNothingBehind() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("export-fail-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cdnow = Self.root.appendingPathComponent(Self.cdnow).path
        let fresh = try ChurnQLBinary.run([cdnow, "-c", "export from orders | where nope > 1 to \"new.csv\""], in: dir)
        #expect(fresh.status == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("new.csv").path))
        try "keep me\n".write(to: dir.appendingPathComponent("old.csv"), atomically: true, encoding: .utf8)
        let overwrite = try ChurnQLBinary.run(
            [cdnow, "-c", "export from orders | where nope > 1 to \"old.csv\""], in: dir)
        #expect(overwrite.status == 1)
        #expect(try String(contentsOf: dir.appendingPathComponent("old.csv"), encoding: .utf8) == "keep me\n")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".tmp") }
        #expect(leftovers.isEmpty)
    }
}
