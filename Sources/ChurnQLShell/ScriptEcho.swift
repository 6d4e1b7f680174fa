import ChurnQLDiagnostics
import ChurnQLSyntax

/// `--echo`: prints a script's lines on stdout as they are reached, like `psql -a`: each statement's lines, with the
/// comments and blank lines before it, just before the statement runs; each meta command's line before it runs.
/// Whole lines, so a line holding two statements is printed once, before the first. Statement ends come from a
/// second lexer kept in step with the script's `StatementReader` (one `nextStatement` per statement read).
struct ScriptEcho {
    private let bytes: [UInt8]
    /// Where the next line to print starts (always a line start), and its line number.
    private var cursor = 0
    private var line = 1
    private var lexer: Lexer

    init(text: String, source: SourceText) {
        bytes = Array(text.utf8)
        lexer = Lexer(source)
    }

    /// The offset of the last byte of the statement just read; nil for a statement with no tokens (blank lines
    /// and comments, printed with the next statement instead). Call once per statement the script's reader reads.
    mutating func nextStatementEnd() -> Int? {
        guard let (tokens, _) = lexer.nextStatement() else { return nil }
        let significant = tokens.last { $0.kind != .newline && $0.kind != .end }
        guard let last = significant, last.span.end > 0 else { return nil }
        return last.span.end - 1
    }

    /// The lines up to and including line `number` (a meta command's).
    mutating func through(line number: Int) -> String {
        var end = cursor
        var reached = line
        while end < bytes.count && reached <= number {
            if bytes[end] == 10 { reached += 1 }
            end += 1
        }
        return take(to: end, lines: reached - line)
    }

    /// Whatever is left (trailing comments), once the script has run to its end.
    mutating func rest() -> String {
        take(to: bytes.count, lines: 0)
    }

    /// The lines from the cursor through the line holding byte `offset`; empty once they have been printed.
    mutating func through(offset: Int) -> String {
        guard offset >= cursor else { return "" }
        var end = cursor
        var lines = 0
        while end < bytes.count {
            let byte = bytes[end]
            end += 1
            if byte == 10 {
                lines += 1
                if end > offset { break }
            }
        }
        return take(to: end, lines: lines)
    }

    /// The text from the cursor to `end`, ending in a line end, escaped for the terminal (CRLF line ends read as
    /// LF, as the lexer reads them); moves the cursor there.
    private mutating func take(to end: Int, lines: Int) -> String {
        guard end > cursor else { return "" }
        var kept: [UInt8] = []
        kept.reserveCapacity(end - cursor)
        for i in cursor..<end where !(bytes[i] == 13 && i + 1 < end && bytes[i + 1] == 10) { kept.append(bytes[i]) }
        let text = String(decoding: kept, as: UTF8.self)
        cursor = end
        line += lines
        // Passwords in connection URIs are never printed, in a transcript either.
        let safe = PasswordMask.masking(TerminalText.escaped(text, keepingNewlines: true))
        return safe.hasSuffix("\n") ? safe : safe + "\n"
    }
}
