import Foundation
import Testing

/// A signal that ends churnql while it writes an output removes the temporary file beside the target, leaves the
/// target as it was, and still ends the process by that signal (its exit status says so).
struct SignalCleanupTests {
    /// SIGINT too: a script run is not the interactive shell, whose Ctrl-C stops a query instead.
    @Test(arguments: [SIGTERM, SIGHUP, SIGINT])
    func signalRemovesTheTemporaryFile(_ signalNumber: Int32) throws {
        let folder = try ShellCommand.temporaryFolder("signal")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.csv")
        try Data("old contents\n".utf8).write(to: target)
        // `.read` of a FIFO without a writer blocks for ever, with out.csv's temporary file open.
        #expect(mkfifo(folder.appendingPathComponent("blocker").path, 0o600) == 0)
        try Data(".output out.csv\nprint \"partial\"\n.read blocker\n".utf8).write(
            to: folder.appendingPathComponent("s.cql"))
        let process = Process()
        process.executableURL = ChurnQLBinary.url
        process.arguments = ["-f", "s.cql"]
        process.currentDirectoryURL = folder
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // Hang guard only: wait for the temporary file to appear (or the process to end early).
        let deadline = Date().addingTimeInterval(30)
        while ShellCommand.leftovers(in: folder).isEmpty && process.isRunning && Date() < deadline {
            usleep(20_000)
        }
        let seen = ShellCommand.leftovers(in: folder)
        #expect(seen.count == 1 && seen[0].contains(".churnql-"), "\(seen)")
        kill(process.processIdentifier, signalNumber)
        // Hang guard only: a process that ignores the signal is killed, and the expectations below fail.
        let stopBy = Date().addingTimeInterval(30)
        while process.isRunning && Date() < stopBy { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        #expect(process.terminationStatus == signalNumber)
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
        #expect(try String(contentsOf: target, encoding: .utf8) == "old contents\n")
    }
}
