/// How serious a diagnostic is.
public enum Severity: String, Sendable {
    case error, warning, note
}

/// A problem found in user input: a query, a script, or a data file. Errors are data, rendered in one place.
public struct Diagnostic: Error, Sendable, Equatable {
    /// A stable machine-readable code, e.g. `unknown-column`.
    public var code: String
    public var severity: Severity
    public var message: String
    /// The file the problem is in; nil for interactive input.
    public var file: String?
    public var line: Int
    public var column: Int
    /// How many characters the caret run should cover (at least 1).
    public var length: Int
    /// The text of the offending line, shown under the message with a caret.
    public var sourceLine: String?
    public var hint: String?

    public init(
        code: String, message: String, severity: Severity = .error, file: String? = nil, line: Int = 0,
        column: Int = 0, length: Int = 1, sourceLine: String? = nil, hint: String? = nil
    ) {
        self.code = code
        self.severity = severity
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.length = length
        self.sourceLine = sourceLine
        self.hint = hint
    }

    /// A diagnostic located at a span of a source text.
    public init(
        code: String, message: String, span: SourceSpan, in source: SourceText?, hint: String? = nil,
        severity: Severity = .error
    ) {
        self.init(
            code: code, message: message, severity: severity, file: source?.name, line: span.line,
            column: span.column, length: Swift.max(1, span.end - span.start),
            sourceLine: source?.lineText(span.line).map(PasswordMask.masking), hint: hint)
    }

    /// The same diagnostic moved into a larger source (a statement inside a script).
    public func relocated(file: String?, lineOffset: Int, columnOffsetOnFirstLine: Int = 0) -> Diagnostic {
        var copy = self
        copy.file = file ?? copy.file
        if copy.line == 1 { copy.column += columnOffsetOnFirstLine }
        if copy.line > 0 { copy.line += lineOffset }
        return copy
    }
}

/// A group of diagnostics thrown together, e.g. every parse error of one statement.
public struct DiagnosticList: Error, Sendable {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
}
