import Foundation
import Testing

/// Golden transcripts, read like pg_regress's: each `Tests/golden/<area>/<case>.cql` runs through the real binary
/// as a script (`churnql ARGS --echo -f case.cql`, ARGS from a first line `-- args: …`) with stderr and stdout on
/// one pipe, so `<case>.out` shows every line of the script, then that statement's output and diagnostics in
/// the order they were written, and ends with the exit status. Set CHURNQL_RECORD=1 to rewrite the .out files
/// (the run then fails on purpose).
struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let casesDirectory = root.appendingPathComponent("Tests/golden")

    static var cases: [String] {
        let enumerator = FileManager.default.enumerator(atPath: casesDirectory.path)
        var found: [String] = []
        while let item = enumerator?.nextObject() as? String {
            if item.hasSuffix(".cql") { found.append(item) }
        }
        return found.sorted()
    }

    @Test("golden transcript", arguments: cases)
    func transcript(_ name: String) throws {
        let scriptPath = "Tests/golden/" + name
        let script = try String(contentsOf: Self.root.appendingPathComponent(scriptPath), encoding: .utf8)
        var arguments: [String] = []
        if let first = script.split(separator: "\n").first, first.hasPrefix("-- args:") {
            arguments = first.dropFirst("-- args:".count).split(separator: " ").map(String.init)
        }
        let result = try ChurnQLBinary.run(
            arguments + ["--echo", "-f", scriptPath], in: Self.root, mergingErrors: true)
        let actual = result.stdout + "-- exit \(result.status)\n"
        let expectedURL = Self.root.appendingPathComponent(scriptPath.replacingOccurrences(of: ".cql", with: ".out"))
        if ProcessInfo.processInfo.environment["CHURNQL_RECORD"] != nil {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            Issue.record("recorded \(expectedURL.lastPathComponent); unset CHURNQL_RECORD and review the diff")
            return
        }
        let expected = (try? String(contentsOf: expectedURL, encoding: .utf8)) ?? "(missing \(expectedURL.path))"
        #expect(actual == expected)
    }
}

/// Course scripts whose behaviours are pinned by focused transcripts (Tests/golden/cohort, Tests/golden/workbench):
/// each still runs to its end on its data, with nothing on stderr, and prints its key lines.
struct CourseScriptTests {
    struct Course: CustomTestStringConvertible, Sendable {
        var script: String
        var inputs: [String]
        var keyLines: [String]
        var testDescription: String { script }
    }

    static let shop = ["examples/shop/customers.csv", "examples/shop/orders.csv"]

    static let courses = [
        Course(
            script: "examples/course/03-cohorts.cql", inputs: shop,
            keyLines: [
                "cohort retention (customers as a share of period 0), by first-purchase period",
                "cohort retention (customers per period), by first-purchase period",
                "cohort retention (revenue as a share of period 0), by first-purchase period",
            ]),
        Course(
            script: "examples/course/07-workbench.cql",
            inputs: shop + ["examples/shop/contacts.csv", "examples/shop/contracts.csv"],
            keyLines: [
                "to contact today: 8 customers; workbench contact_today shows all",
                "overdue against their own purchase cycle: likely to be lost next: 172 customers",
                "172 rows",
                "sales team: contacts (effective = reached or won; success = won / contacts) and each rep's customers",
                "351 rows",
            ]),
    ]

    @Test("course script still runs", arguments: courses)
    func courseRuns(_ course: Course) throws {
        let result = try ChurnQLBinary.run(course.inputs + ["--quiet", "-f", course.script], in: GoldenTests.root)
        #expect(result.status == 0)
        #expect(result.stderr == "")
        let lines = Set(result.stdout.split(separator: "\n").map(String.init))
        for line in course.keyLines { #expect(lines.contains(line), "missing: \(line)") }
    }
}

/// Runs the built `churnql` executable, which sits beside the test bundle.
enum ChurnQLBinary {
    struct Result {
        var stdout: String
        var stderr: String
        var status: Int32
    }

    static var url: URL {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = runner.deletingLastPathComponent()
        // On macOS the runner sits inside the .xctest bundle.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("churnql").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("churnql")
    }

    /// `hangGuard`, `mergingErrors`: see ProcessOutput.collect.
    static func run(
        _ arguments: [String], in directory: URL, stdin: String? = nil, environment: [String: String] = [:],
        hangGuard: Double? = nil, mergingErrors: Bool = false
    ) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["CHURNQL_HISTORY"] = "/dev/null"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let output = try ProcessOutput.collect(
            process, stdin: stdin, hangGuard: hangGuard, mergingErrors: mergingErrors)
        return Result(stdout: output.stdout, stderr: output.stderr, status: process.terminationStatus)
    }
}
