import ChurnQLDiagnostics

/// Reads a script one statement at a time: lexes up to the next statement end, parses that, and hands it out, so
/// running a large script holds one statement's tokens and tree at a time, not the whole script's.
public struct StatementReader {
    private var lexer: Lexer
    private let source: SourceText

    public init(_ source: SourceText) {
        self.source = source
        self.lexer = Lexer(source)
    }

    /// The next statement (none when it has errors, or is empty) and the errors found in it; nil at the end.
    public mutating func next() -> ParseResult? {
        guard let (tokens, lexErrors) = lexer.nextStatement() else { return nil }
        guard lexErrors.isEmpty else {
            return ParseResult(statements: [], diagnostics: lexErrors, isIncomplete: lexer.isIncomplete)
        }
        var parser = Parser(tokens: tokens, source: source)
        let statements = parser.parseStatements()
        return ParseResult(statements: statements, diagnostics: parser.diagnostics, isIncomplete: lexer.isIncomplete)
    }
}
