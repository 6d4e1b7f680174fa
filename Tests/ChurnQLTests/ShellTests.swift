import Foundation
import Testing

/// The interactive shell driven through a real terminal: tmux runs churnql, send-keys types, capture-pane reads.
@Suite(.serialized)
struct ShellTests {
    final class Terminal {
        let name = "churnql-test-\(UUID().uuidString.prefix(8))"
        let history: String

        init(history: String? = nil) throws {
            self.history =
                history
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("hist-\(UUID().uuidString)").path
            try start()
        }

        func start() throws {
            let binary = ChurnQLBinary.url.path
            let command =
                "cd '\(GoldenTests.root.path)' && CHURNQL_HISTORY='\(history)' CHURNQL_RC=/dev/null NO_COLOR=1 '\(binary)' examples/cdnow/orders.csv; echo EXIT=$?; sleep 30"
            try tmux(["new-session", "-d", "-s", name, "-x", "160", "-y", "50", command])
            _ = try waitFor("churnql>")
        }

        deinit { _ = try? tmux(["kill-session", "-t", name]) }

        func type(_ text: String) throws { try tmux(["send-keys", "-t", name, "-l", text]) }
        func key(_ key: String) throws { try tmux(["send-keys", "-t", name, key]) }
        func screen() throws -> String { try tmux(["capture-pane", "-p", "-t", name]) }

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

        @discardableResult
        func tmux(_ arguments: [String]) throws -> String {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["tmux"] + arguments
            let out = Pipe()
            process.standardOutput = out
            process.standardError = Pipe()
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
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
