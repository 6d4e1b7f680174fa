import Foundation

/// Runs a command line through a shell, so that tests can close, fill or pipe churnql's standard streams.
/// `$CHURNQL` names the built binary and `$CDNOW` the CDNOW orders file.
enum ShellCommand {
    struct Result {
        var stdout: String
        var stderr: String
        var status: Int32
        /// False when the shell itself was killed by a signal.
        var exited: Bool
    }

    static func run(
        _ command: String, shell: String = "/bin/sh", in directory: URL, environment: [String: String] = [:]
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = ["-c", command]
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["CHURNQL"] = ChurnQLBinary.url.path
        env["CDNOW"] = GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path
        env["CHURNQL_HISTORY"] = "/dev/null"
        env["CHURNQL_RC"] = "/dev/null"
        env["NO_COLOR"] = "1"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let output = try ProcessOutput.collect(process)
        return Result(
            stdout: output.stdout, stderr: output.stderr, status: process.terminationStatus,
            exited: process.terminationReason == .exit)
    }

    /// A fresh folder, removed by the caller.
    static func temporaryFolder(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Names in a folder that look like churnql's temporary files.
    static func leftovers(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".tmp") }
    }

    /// The file type bits of a path, not following a final symlink (S_IFCHR, S_IFIFO, S_IFLNK, S_IFREG, …).
    static func fileType(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & S_IFMT
    }
}
