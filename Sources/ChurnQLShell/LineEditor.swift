@preconcurrency import CLibEdit
import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import Foundation

/// Set by the SIGINT handler (an atomic store, safe there); read by the prompt loop, and from any thread by the
/// engine's loops and the loader's workers.
let interruptFlag = InterruptFlag()

/// The completer in use, and the lines of the statement typed before the current line.
nonisolated(unsafe) var activeCompleter: Completer?
nonisolated(unsafe) var pendingStatement = ""

/// Line input through libedit: emacs keys, history, completion.
enum LineEditor {
    static var historyPath: String {
        if let custom = ProcessInfo.processInfo.environment["CHURNQL_HISTORY"] { return UserPath.expandTilde(custom) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".churnql_history").path
    }

    static func setUp() {
        setlocale(LC_CTYPE, "")
        // Initialise libedit before installing the SIGINT handler, so the very first prompt sees Ctrl-C too.
        _ = rl_initialize()
        stifle_history(2000)
        History.load(from: historyPath)
        rl_attempted_completion_function = attemptedCompletion
        // Ctrl-C typed while editing arrives as a key when the terminal does not raise SIGINT: end the line.
        _ = rl_bind_key(3, interruptKey)
        installInterruptHandler()
    }

    /// Ctrl-C raises `interruptFlag` instead of killing the process (loads and queries check it).
    static func installInterruptHandler() {
        // The global is made now: its lazy initialisation must not run inside the handler.
        _ = interruptFlag.isRaised
        // No SA_RESTART: the read inside readline() must return on Ctrl-C instead of silently resuming.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptFlag.raise() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // The process may start with signals blocked (inherited from whoever launched it): a blocked Ctrl-C would
        // never arrive, and a closed terminal (SIGHUP) or SIGTERM must still end the shell.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for signal in [SIGINT, SIGHUP, SIGTERM] { sigaddset(&unblock, signal) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// Reads one line; nil at end of input. An interrupt returns "" with `interruptFlag` raised.
    static func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else {
            return interruptFlag.isRaised ? "" : nil
        }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// Adds an entry (a whole multi-line statement is one entry) and saves the file.
    static func remember(_ entry: String, protecting protected: ProtectedFiles) {
        let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return }
        if let last = history_get(history_base + history_length - 1), let line = last.pointee.line,
            String(cString: line) == trimmed
        {
            return
        }
        add_history(trimmed)
        History.save(to: historyPath, protecting: protected)
    }

    /// Drops the newest entry when it is `entry` (a statement about to be continued and saved again).
    static func forgetLast(_ entry: String) {
        let last = history_length - 1
        guard last >= 0, let item = history_get(history_base + last), let line = item.pointee.line,
            String(cString: line) == entry.trimmingCharacters(in: .whitespacesAndNewlines)
        else { return }
        if let removed = remove_history(last) { free(removed) }
    }

    static func historyText() -> String {
        var out = ""
        var index = history_base
        while index < history_base + history_length {
            if let entry = history_get(index), let line = entry.pointee.line {
                out += String(format: "%5d  ", index) + String(cString: line) + "\n"
            }
            index += 1
        }
        return out
    }

    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var matchIndex = 0

    /// Hands libedit the matches `attemptedCompletion` prepared, one per call.
    static func nextCompletion(_ prefix: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
        if state == 0 { matchIndex = 0 }
        guard matchIndex < matches.count else { return nil }
        defer { matchIndex += 1 }
        return strdup(matches[matchIndex])
    }
}

/// Candidates for the word at the cursor, or nil for file-name completion.
private func currentCandidates(word: String) -> [String]? {
    let line = rl_line_buffer.map { String(cString: $0) } ?? ""
    let cursor = Swift.max(0, Swift.min(Int(rl_point), line.utf8.count))
    let beforeCursor = String(decoding: Array(line.utf8)[0..<cursor], as: UTF8.self)
    let text = pendingStatement.isEmpty ? beforeCursor : pendingStatement + "\n" + beforeCursor
    return activeCompleter?.candidates(before: text, word: word)
}

/// Ctrl-C at the prompt: flag the interrupt and finish readline(); the REPL then discards the line.
private func interruptKey(_ count: Int32, _ key: Int32) -> Int32 {
    interruptFlag.raise()
    rl_done = 1
    return 0
}

private func completionGenerator(_ prefix: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
    LineEditor.nextCompletion(prefix, state)
}

private func attemptedCompletion(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
{
    let word = text.map { String(cString: $0) } ?? ""
    // nil candidates mean a file name is wanted: let libedit complete paths.
    guard let candidates = currentCandidates(word: word) else {
        rl_attempted_completion_over = 0
        return nil
    }
    rl_attempted_completion_over = 1
    rl_completion_append_character = 32
    LineEditor.matches = candidates
    if candidates.count > 1, candidates.contains(where: { Completer.display($0) != $0 }) {
        // libedit would list the names raw, control characters and all: list them escaped here, and let it
        // insert only what the matches share.
        let list = candidates.map(Completer.display).joined(separator: "  ")
        _ = POSIXIO.writeAll(1, "\n" + list + "\n")
        rl_forced_update_display()
        let shared = commonPrefix(candidates)
        guard shared.count > word.count, shared.hasPrefix(word) else { return nil }
        LineEditor.matches = [shared]
        rl_completion_append_character = 0
    }
    return rl_completion_matches(text, completionGenerator)
}

/// The longest start every candidate has, by Unicode scalars.
private func commonPrefix(_ candidates: [String]) -> String {
    guard var shared = candidates.first.map({ Array($0.unicodeScalars) }) else { return "" }
    for candidate in candidates.dropFirst() {
        let scalars = Array(candidate.unicodeScalars)
        var length = 0
        while length < shared.count && length < scalars.count && shared[length] == scalars[length] { length += 1 }
        shared.removeLast(shared.count - length)
    }
    var text = ""
    text.unicodeScalars.append(contentsOf: shared)
    return text
}
