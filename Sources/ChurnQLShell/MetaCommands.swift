import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLRender
import ChurnQLStore
import Foundation

/// Dot commands of the shell and of scripts.
extension Session {
    enum MetaOutcome {
        case proceed, quit
    }

    static let metaCommands = [
        ".help", ".tables", ".schema", ".mode", ".timer", ".output", ".read", ".settings", ".history", ".clear",
        ".save", ".maxrows", ".maxwidth", ".error", ".quit", ".exit",
    ]

    func runMeta(_ line: String, file: String?, line lineNumber: Int) throws(Diagnostic) -> MetaOutcome {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let command = parts.first?.lowercased() else { return .proceed }
        let argument = parts.count > 1 ? parts[1...].joined(separator: " ").trimmingCharacters(in: ["\"", "'"]) : nil
        switch command {
        case ".quit", ".exit", ".q":
            return .quit
        case ".help":
            try sink.write(HelpText.topic(argument))
        case ".tables":
            try sink.write(TableRenderer.render(engine.tablesTable(), format: format))
        case ".schema":
            let names = argument.map { [$0] } ?? engine.sourceNames
            for name in names {
                let columns = engine.columnNames(of: name)
                if columns.isEmpty && argument != nil {
                    throw Diagnostic(
                        code: "unknown-table", message: "unknown table '\(name)'",
                        hint: Suggestions.closest(to: name, in: engine.sourceNames).map { "did you mean '\($0)'?" })
                }
                try sink.write(TerminalText.escaped("\(name)(\(columns.joined(separator: ", ")))") + "\n")
            }
        case ".mode":
            guard let argument, let mode = OutputFormat(rawValue: argument.lowercased()) else {
                throw Diagnostic(
                    code: "bad-meta", message: "usage: .mode table|csv|json|markdown|line",
                    hint: argument.flatMap { Suggestions.closest(to: $0, in: OutputFormat.allCases.map(\.rawValue)) }
                        .map { "did you mean '\($0)'?" })
            }
            format = mode
        case ".timer":
            guard let argument, argument == "on" || argument == "off" else {
                throw Diagnostic(code: "bad-meta", message: "usage: .timer on|off")
            }
            timer = argument == "on"
        case ".output":
            if let argument {
                try sink.redirect(to: argument, protected: protectedFiles)
            } else {
                try sink.close(protected: protectedFiles)
            }
        case ".read":
            guard let argument else { throw Diagnostic(code: "bad-meta", message: "usage: .read FILE") }
            guard readDepth < 16 else {
                throw Diagnostic(code: "read-depth", message: ".read nested too deeply (does a script read itself?)")
            }
            let script = try ScriptSource.read(path: argument)
            readDepth += 1
            if let identity = script.identity { runningScripts.append(identity) }
            defer {
                readDepth -= 1
                if script.identity != nil { runningScripts.removeLast() }
            }
            let outcome = runScript(script.text, name: argument)
            if outcome.quit { return .quit }
            if let first = outcome.errors.first {
                // Already reported inside; stop the outer script too.
                throw Diagnostic(
                    code: "read-failed",
                    message: "\(argument) stopped at an error (\(first.file ?? argument):\(first.line))")
            }
        case ".maxrows":
            guard let argument, let n = Int(argument), n > 0 else {
                throw Diagnostic(code: "bad-meta", message: "usage: .maxrows N (N > 0)")
            }
            maxRows = n
        case ".maxwidth":
            // Below 20 columns not even one column beside the … column fits.
            guard let argument, let n = Int(argument), n == 0 || (20...100_000).contains(n) else {
                throw Diagnostic(
                    code: "bad-meta", message: "usage: .maxwidth N (20 or more terminal columns; 0 shows every column)",
                    hint: "tables wider than N leave out middle columns behind one … column and name them")
            }
            maxWidth = n
        case ".error":
            if let lastError {
                try sink.write(DiagnosticRenderer.text(lastError) + "\ncode: \(lastError.code)\n")
            } else {
                try sink.write("no error yet\n")
            }
        case ".settings":
            try sink.write(TableRenderer.render(engine.settingsTable(), format: format))
        case ".history":
            try sink.write(LineEditor.historyText())
        case ".clear":
            try sink.write("\u{1B}[H\u{1B}[2J")
        case ".save":
            guard let argument else { throw Diagnostic(code: "bad-meta", message: "usage: .save FILE") }
            let header = "-- churnql session saved \(Dates.format(Int32(Date().timeIntervalSince1970 / 86400)))\n"
            try AtomicFile.write(
                header + journal.joined(separator: "\n") + "\n", to: argument, protected: protectedFiles)
            note("saved \(journal.count) statements to \(argument)")
        default:
            let suggestion = Suggestions.closest(to: command, in: Self.metaCommands)
            throw Diagnostic(
                code: "unknown-meta", message: "unknown command \(command)",
                hint: suggestion.map { "did you mean \($0)?" } ?? "type .help for the list")
        }
        return .proceed
    }
}
