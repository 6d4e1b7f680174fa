import Foundation
import Testing

/// The interactive shell's history file goes through the same safe writer as every output, and may not name
/// an input. `script` gives the shell a terminal; its lines come from stdin.
struct HistoryFileTests {
    static func shell(history: String, in folder: URL) throws -> ShellCommand.Result {
        try ShellCommand.run(
            "printf 'from orders | count\\n.quit\\n' | script -qec '\"$CHURNQL\" orders.csv --no-rc' /dev/null",
            in: folder, environment: ["CHURNQL_HISTORY": history])
    }

    static func folder() throws -> URL {
        let folder = try ShellCommand.temporaryFolder("history")
        try FileManager.default.copyItem(
            at: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv"),
            to: folder.appendingPathComponent("orders.csv"))
        return folder
    }

    @Test(arguments: ["orders.csv", "./orders.csv", "hard.csv"])
    func historyNamingAnInputIsRefused(_ history: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("orders.csv").path
        #expect(link(input, folder.appendingPathComponent("hard.csv").path) == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let r = try Self.shell(history: history, in: folder)
        #expect(r.status == 2)
        #expect(r.stdout.contains("refusing to keep the history in \(history): it is a loaded input file"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: input)) == before)
    }

    @Test func devNullHistoryStaysADevice() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Self.shell(history: "/dev/null", in: folder)
        #expect(r.status == 0)
        #expect(ShellCommand.fileType("/dev/null") == S_IFCHR)
    }

    @Test func symlinkedHistoryStaysALink() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(symlink("real-history", folder.appendingPathComponent("history").path) == 0)
        let r = try Self.shell(history: "history", in: folder)
        #expect(r.status == 0)
        #expect(ShellCommand.fileType(folder.appendingPathComponent("history").path) == S_IFLNK)
        let saved = try String(contentsOf: folder.appendingPathComponent("real-history"), encoding: .utf8)
        #expect(saved.contains("from\\040orders\\040|\\040count"))
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }
}
