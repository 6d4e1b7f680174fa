import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import Testing

/// The interactive shell driven through a real terminal: tmux runs churnql, send-keys types, capture-pane reads.
@Suite(.serialized)
struct ShellTests {
    final class Terminal {
        let name = "churnql-test-\(UUID().uuidString.prefix(8))"
        let history: String
        let width: Int

        init(history: String? = nil, width: Int = 160) throws {
            self.width = width
            self.history =
                history
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("hist-\(UUID().uuidString)").path
            try start()
        }

        func start() throws {
            let binary = ChurnQLBinary.url.path
            let command =
                "cd '\(GoldenTests.root.path)' && CHURNQL_HISTORY='\(history)' CHURNQL_RC=/dev/null NO_COLOR=1 '\(binary)' examples/cdnow/orders.csv; echo EXIT=$?; sleep 30"
            try tmux(["new-session", "-d", "-s", name, "-x", String(width), "-y", "50", command])
            _ = try waitFor("churnql>")
        }

        deinit { _ = try? tmux(["kill-server"]) }

        func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }
        func key(_ key: String) throws { try tmux(["send-keys", "-t", name, key]) }
        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }
        /// The screen with wrapped lines joined back (`-J`), so a line wider than the terminal shows as one.
        func joinedScreen() throws -> String { try tmux(["capture-pane", "-p", "-J", "-t", name]) }

        /// Polls the screen until `text` appears (or 10 s pass) and returns it.
        func waitFor(_ text: String, count: Int = 1) throws -> String {
            var last = ""
            for _ in 0..<200 {
                last = try screen()
                if last.components(separatedBy: text).count - 1 >= count { return last }
                Thread.sleep(forTimeInterval: 0.05)
            }
            Issue.record("timed out waiting for \(text.debugDescription); screen:\n\(last)")
            return last
        }

        /// Runs a tmux client on this terminal's own server (`-L`, no user config) and returns what it printed.
        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            try TmuxClient.run(["tmux", "-L", name, "-f", "/dev/null"] + arguments)
        }
    }

    @Test func tabCompletesTableName() throws {
        let t = try Terminal()
        try t.type("from cust")
        try t.key("Tab")
        _ = try t.waitFor("from customers")
    }

    @Test func tabCompletesColumnOfThePipeline() throws {
        let t = try Terminal()
        try t.type("from customers | where days_s")
        try t.key("Tab")
        _ = try t.waitFor("where days_since_last")
    }

    @Test func multiLineStatementRunsAndIsOneHistoryEntry() throws {
        let t = try Terminal()
        try t.type("from orders")
        try t.key("Enter")
        try t.type("| count")
        try t.key("Enter")
        _ = try t.waitFor("6,919")
        try t.type(".quit")
        try t.key("Enter")
        _ = try t.waitFor("EXIT=0")
        // A new shell on the same history file recalls the whole statement with Up (after `.quit`).
        let again = try Terminal(history: t.history)
        try again.key("Up")
        try again.key("Up")
        let screen = try again.waitFor("| count")
        #expect(screen.contains("from orders"))
    }

    @Test func ctrlCClearsTheLineAndTheShellGoesOn() throws {
        let t = try Terminal()
        try t.type("from orders | wher")
        try t.key("C-c")
        _ = try t.waitFor("churnql>", count: 2)
        try t.type("from orders | count")
        try t.key("Enter")
        let screen = try t.waitFor("6,919")
        #expect(!screen.contains("EXIT="))
    }

    @Test func ctrlDOnAnEmptyLineExitsWithZero() throws {
        let t = try Terminal()
        try t.key("C-d")
        _ = try t.waitFor("EXIT=0")
    }

    /// A table wider than the terminal leaves out middle columns and names them; no line wraps, dates stay whole.
    @Test(arguments: [120, 200])
    func wideTableFitsTheTerminal(width: Int) throws {
        let t = try Terminal(width: width)
        try t.type("from customers | take 3")
        try t.key("Enter")
        _ = try t.waitFor("shows all")
        let lines = try t.joinedScreen().split(separator: "\n").map(String.init)
        for line in lines {
            #expect(line.count <= width, "\(line)")
        }
        #expect(lines.contains { $0.contains("│ 1997-01-01  │") })
        let footer = lines.drop { !$0.contains("columns not shown:") }.joined(separator: " ")
        #expect(footer.contains("tenure_days"))
    }

    @Test func errorShowsACaretUnderTheBadToken() throws {
        let t = try Terminal()
        try t.type("from customers | where revnue > 1")
        try t.key("Enter")
        let screen = try t.waitFor("did you mean 'revenue'")
        #expect(screen.contains("                       ^^^^^^"))
        try t.type("from orders | count")
        try t.key("Enter")
        _ = try t.waitFor("6,919")
    }
}

/// Starts tmux clients with posix_spawn and every descriptor above stderr closed. Foundation's Process is no good
/// here: the first client forks the tmux server, which would inherit the descriptors Foundation uses to notice
/// that the client exited, so `waitUntilExit` would wait for as long as the server lives.
enum TmuxClient {
    struct Failure: Error { let code: Int32 }

    static func run(_ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("tmux-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        closeInheritedDescriptors(&actions)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The test runner's threads block signals; the server and the shell under test would inherit that mask.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw Failure(code: spawned) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// glibc's closefrom action (2.34+; not visible to Swift's Glibc module), else every descriptor open now.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
            return
        }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap({ Int32($0) }) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
    }
}
