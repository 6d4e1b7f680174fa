import ChurnQLDiagnostics

/// The kinds of token the lexer produces.
public enum TokenKind: Equatable, Sendable {
    case identifier(String)
    case integer(Int64)
    case decimal(Double)
    case string(String)
    case date(year: Int, month: Int, day: Int)
    /// `90d`, `12w`, `6mo`, `1y`.
    case duration(days: Int, months: Int)
    /// `$name`, bound from `--set name=value` or `param`.
    case parameter(String)
    case symbol(String)
    case newline
    case semicolon
    case end
}

/// A token and where it is.
public struct Token: Equatable, Sendable {
    public var kind: TokenKind
    public var span: SourceSpan
    /// The exact source text of the token.
    public var text: String

    public init(kind: TokenKind, span: SourceSpan, text: String) {
        self.kind = kind
        self.span = span
        self.text = text
    }

    /// The identifier's name, lowercased, when this token is an identifier (keywords are contextual).
    public var word: String? {
        if case .identifier(let name) = kind, !text.hasPrefix("`") { return name.lowercased() }
        return nil
    }

    public func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
}
