import ChurnQLDiagnostics
import Foundation
import Testing

@testable import ChurnQLLoad

/// A file truncated or rewritten by another process while it loads gives a clear error, never SIGBUS, and churnql
/// never writes to it.
struct FileChangedTests {
    /// About 20 MB of orders: enough rows for every chunk to look at the progress (every 65,536 records).
    static func ordersText() -> String {
        var text = "customer_id,order_date,amount\n"
        text.reserveCapacity(24 << 20)
        for i in 0..<800_000 { text += "C\(i % 9973),2024-0\(1 + i % 9)-1\(i % 10),\(i % 500).25\n" }
        return text
    }

    /// Truncated from the progress callback, in the middle of the parallel pass: deterministic, unlike a race.
    @Test(arguments: [0, 100, 5_000_000])
    func truncatedDuringLoadIsAnError(keptBytes: Int) throws {
        let url = try KeyColumnTests.temporaryFile("orders.csv", Self.ordersText())
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let path = url.path
        let cut = Truncation(path: path, to: keptBytes)
        let progress = LoadProgress(total: 0) { cut.once() }
        do throws(Diagnostic) {
            _ = try CSVLoader.load(path: path, name: "orders", progress: progress)
            Issue.record("the load of a truncated file succeeded")
        } catch {
            #expect(error.code == "file-changed", "\(error.code): \(error.message)")
            #expect(error.message.contains("changed while it was loading"))
            #expect(error.file == path)
        }
        #expect(cut.done)
        // Only the test's truncation touched the file: the zero pages read in its place were never written back.
        let after = try Data(contentsOf: url)
        #expect(after.count == keptBytes)
        #expect(after == Data(Self.ordersText().utf8.prefix(keptBytes)))
    }

    /// A file rewritten in place (same size, new bytes) while loading is reported too.
    @Test func rewrittenDuringLoadIsAnError() throws {
        let text = Self.ordersText()
        let url = try KeyColumnTests.temporaryFile("orders.csv", text)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let rewrite = Truncation(path: url.path, to: nil)
        let progress = LoadProgress(total: 0) { rewrite.once() }
        do throws(Diagnostic) {
            _ = try CSVLoader.load(path: url.path, name: "orders", progress: progress)
            Issue.record("the load of a rewritten file succeeded")
        } catch {
            #expect(error.code == "file-changed", "\(error.code): \(error.message)")
        }
    }

    /// A helper process truncates the file while the real binary loads it, at several moments: every run ends with
    /// an exit status (0 when the load finished first, 2 with an error: the file changed while loading, or a cut
    /// row when it was cut before the load began), never a signal.
    @Test func helperProcessTruncatesDuringLoad() throws {
        let folder = try ShellCommand.temporaryFolder("churnql-truncate")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.ordersText().write(
            to: folder.appendingPathComponent("pristine.csv"), atomically: true, encoding: .utf8)
        let script = """
            for delay in 0 0.02 0.05 0.1 0.2 0.4; do
              cp pristine.csv orders.csv
              "$CHURNQL" orders.csv -c 'from orders | count' >/dev/null 2>err.txt &
              pid=$!
              sleep $delay
              truncate -s 1000 orders.csv
              wait $pid
              status=$?
              echo "$delay $status $(grep -c 'error:' err.txt)"
            done
            """
        let result = try ShellCommand.run(script, shell: "/bin/bash", in: folder)
        #expect(result.exited)
        let runs = result.stdout.split(separator: "\n").map { $0.split(separator: " ") }
        #expect(runs.count == 6, "\(result.stdout) \(result.stderr)")
        for run in runs where run.count == 3 {
            #expect(run[1] == "0" || run[1] == "2", "delay \(run[0]): status \(run[1])")
            if run[1] == "2" { #expect(run[2] == "1", "delay \(run[0]): no error message") }
        }
    }
}

/// Cuts (or, with `to: nil`, rewrites in place) a file the first time it is called, from any thread.
final class Truncation: @unchecked Sendable {
    private let lock = NSLock()
    private let path: String
    private let size: Int?
    private var happened = false

    init(path: String, to size: Int?) {
        self.path = path
        self.size = size
    }

    var done: Bool {
        lock.lock()
        defer { lock.unlock() }
        return happened
    }

    /// Never cancels the load.
    func once() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !happened else { return false }
        happened = true
        if let size {
            _ = truncate(path, off_t(size))
        } else if let handle = FileHandle(forWritingAtPath: path) {
            handle.write(Data("X".utf8))
            try? handle.close()
        }
        return false
    }
}
