import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLMetrics
import ChurnQLSyntax
import Foundation

/// The interactive shell: prompts, multi-line statements, history and interrupts over the same Session.
public struct Repl {
    let session: Session

    public init(session: Session) { self.session = session }

    /// Runs until .quit or Ctrl-D; returns the exit status.
    public func run() -> Int32 {
        LineEditor.setUp()
        session.engine.interrupt = Interrupt { interruptFlag.isRaised }
        var buffer = ""
        // The last statement run, so a line starting with '|' continues it (the line before was complete).
        var lastStatement: String?
        while true {
            refreshCompletions(buffer)
            let prompt = buffer.isEmpty ? "churnql> " : "   ...> "
            guard let line = LineEditor.readLine(prompt: prompt) else {
                StandardStreams.output("\n")
                return 0
            }
            if interruptFlag.isRaised {
                interruptFlag.clear()
                buffer = ""
                StandardStreams.output("^C\n")
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if buffer.isEmpty && trimmed.hasPrefix(".") {
                LineEditor.remember(trimmed, protecting: session.protectedFiles)
                if session.runScript(trimmed, name: nil).quit { return 0 }
                continue
            }
            if buffer.isEmpty, trimmed.hasPrefix("|"), let previous = lastStatement {
                buffer = previous
                LineEditor.forgetLast(previous)
            }
            buffer += buffer.isEmpty ? line : "\n" + line
            if buffer.trimmingCharacters(in: .whitespaces).isEmpty {
                buffer = ""
                continue
            }
            if needsMore(buffer) { continue }
            LineEditor.remember(buffer, protecting: session.protectedFiles)
            let outcome = session.runScript(buffer, name: nil)
            lastStatement = outcome.succeeded && !buffer.contains(";") ? buffer : nil
            if interruptFlag.isRaised {
                interruptFlag.clear()
                // A statement that stopped on the interrupt has said so already.
                if !outcome.errors.contains(where: { $0.code == "interrupted" }) { session.note("interrupted") }
            }
            buffer = ""
            if outcome.quit { return 0 }
        }
    }

    /// A statement continues while brackets or quotes are open or the text ends with '|'.
    func needsMore(_ text: String) -> Bool {
        if text.trimmingCharacters(in: .whitespaces).hasSuffix(";") { return false }
        return Lexer.lex(SourceText(name: nil, text: text)).isIncomplete
    }

    private func refreshCompletions(_ buffer: String) {
        let engine = session.engine
        var cache: [String: [String]] = [:]
        activeCompleter = Completer(sources: engine.sourceNames) { name in
            if let known = cache[name] { return known }
            let columns = engine.columnNames(of: name)
            cache[name] = columns
            return columns
        }
        pendingStatement = buffer
    }
}
