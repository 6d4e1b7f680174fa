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
