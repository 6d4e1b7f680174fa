import ChurnQLDiagnostics

/// Turns query text into tokens. Newlines that cannot end a statement (inside brackets, after or before a
/// `|`, after an operator or comma) are dropped here, so the parser sees statement ends as tokens.
public struct Lexer {
    /// What lexing found: tokens, errors, and whether the text stops in the middle of a statement.
    public struct Result: Sendable {
        public var tokens: [Token]
        public var diagnostics: [Diagnostic]
        /// True when input ends inside a string, an open bracket, or after a trailing `|`.
        public var isIncomplete: Bool
    }

    private let source: SourceText
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Raw tokens lexed ahead and not yet filtered, read from `nextRaw`.
    private var tokens: [Token] = []
    private var nextRawIndex = 0
    private var diagnostics: [Diagnostic] = []
    private var reportedDiagnostics = 0
    private var unterminatedString = false
    private var endAdded = false
    /// Line and line start where the current token began (strings may span lines).
    private var tokenLine = 1
    private var tokenLineStart = 0
    /// Newline filtering: bracket depth and the last token passed on.
    private var depth = 0
    private var lastPassed: Token?
    /// For `isIncomplete`: brackets open over the raw tokens, and the last token that is not a line end.
    private var openBrackets = 0
    private var lastSignificant: Token?

    public init(_ source: SourceText) {
        self.source = source
        self.bytes = source.bytes
    }

    /// Lexes the whole source.
    public static func lex(_ source: SourceText) -> Result {
        var lexer = Lexer(source)
        var result: [Token] = []
        while let token = lexer.nextToken() { result.append(token) }
        return Result(tokens: result, diagnostics: lexer.diagnostics, isIncomplete: lexer.isIncomplete)
    }

    /// The tokens of the next statement, through its end (a line end or `;`, or `.end` after the last one), and the
    /// lexing errors found on the way; nil when the source is used up. Only one statement's tokens are held.
    public mutating func nextStatement() -> (tokens: [Token], diagnostics: [Diagnostic])? {
        var statement: [Token] = []
        while let token = nextToken() {
            statement.append(token)
            if token.kind == .newline || token.kind == .semicolon || token.kind == .end { break }
        }
        guard let last = statement.last else { return nil }
        if last.kind != .end {
            statement.append(
                Token(
                    kind: .end,
                    span: SourceSpan(
                        start: last.span.end, end: last.span.end, line: last.span.line, column: last.span.column),
                    text: ""))
        }
        let found = Array(diagnostics[reportedDiagnostics...])
        reportedDiagnostics = diagnostics.count
        return (statement, found)
    }

    /// True when the text lexed so far stops inside a string, an open bracket, or after a trailing `|` or `,`.
    public var isIncomplete: Bool {
        if unterminatedString || openBrackets > 0 { return true }
        if let last = lastSignificant, case .symbol(let s) = last.kind, s == "|" || s == "," { return true }
        return false
    }

    /// The next raw token, lexing more of the source when needed; nil after `.end`.
    private mutating func nextRaw() -> Token? {
        guard fillRaw(count: 1) else { return nil }
        let token = tokens[nextRawIndex]
        nextRawIndex += 1
        if nextRawIndex == tokens.count {
            tokens.removeAll(keepingCapacity: true)
            nextRawIndex = 0
        }
        switch token.kind {
        case .symbol("("), .symbol("["): openBrackets += 1
        case .symbol(")"), .symbol("]"): openBrackets -= 1
        case .newline, .end: return token
        default: break
        }
        lastSignificant = token
        return token
    }

    /// Lexes until at least `count` raw tokens wait unread; false when the source ran out first.
    private mutating func fillRaw(count: Int) -> Bool {
        while tokens.count - nextRawIndex < count {
            if index < bytes.count {
                step()
            } else if !endAdded {
                endAdded = true
                tokenLine = line
                tokenLineStart = lineStart
                add(.end, from: index)
            } else {
                return false
            }
        }
        return true
    }

    private mutating func step() {
        let c = bytes[index]
        let start = index
        tokenLine = line
        tokenLineStart = lineStart
        if c == 10 {
            add(.newline, from: start)
            index += 1
            line += 1
            lineStart = index
        } else if c == 32 || c == 9 || c == 13 {
            index += 1
        } else if c == UInt8(ascii: "#") || (c == UInt8(ascii: "-") && peek(1) == UInt8(ascii: "-")) {
            while index < bytes.count && bytes[index] != 10 { index += 1 }
        } else if isDigit(c) || (c == UInt8(ascii: ".") && isDigit(peek(1))) {
            lexNumber()
        } else if isIdentifierStart(c) {
            while index < bytes.count && isIdentifierPart(bytes[index]) { index += 1 }
            add(.identifier(text(start, index)), from: start)
        } else if c == UInt8(ascii: "`") {
            lexQuotedIdentifier()
        } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
            lexString(quote: c)
        } else if c == UInt8(ascii: "$") {
            index += 1
            while index < bytes.count && isIdentifierPart(bytes[index]) { index += 1 }
            if index - start == 1 {
                error("expected a parameter name after '$'", from: start, hint: "write parameters as $name")
            } else {
                add(.parameter(text(start + 1, index)), from: start)
            }
        } else if c == UInt8(ascii: ";") {
            index += 1
            add(.semicolon, from: start)
        } else {
            lexSymbol()
        }
    }

    // MARK: Tokens

    private mutating func lexNumber() {
        let start = index
        // Date literal yyyy-MM-dd.
        if index + 10 <= bytes.count, (0..<4).allSatisfy({ isDigit(bytes[index + $0]) }),
            bytes[index + 4] == UInt8(ascii: "-"), isDigit(bytes[index + 5]), isDigit(bytes[index + 6]),
            bytes[index + 7] == UInt8(ascii: "-"), isDigit(bytes[index + 8]), isDigit(bytes[index + 9]),
            index + 10 == bytes.count || !isIdentifierPart(bytes[index + 10])
        {
            index += 10
            let y = Int(text(start, start + 4)) ?? 0
            let m = Int(text(start + 5, start + 7)) ?? 0
            let d = Int(text(start + 8, start + 10)) ?? 0
            if isValidDate(y, m, d) {
                add(.date(year: y, month: m, day: d), from: start)
            } else {
                error("invalid date \(text(start, index))", from: start, hint: "dates are written yyyy-MM-dd")
            }
            return
        }
        while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        var isDecimal = false
        if index < bytes.count && bytes[index] == UInt8(ascii: ".") && isDigit(peek(1)) {
            isDecimal = true
            index += 1
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")),
            isDigit(peek(1)) || ((peek(1) == UInt8(ascii: "-") || peek(1) == UInt8(ascii: "+")) && isDigit(peek(2)))
        {
            isDecimal = true
            index += 2
            while index < bytes.count && isDigit(bytes[index]) { index += 1 }
        }
        let numberEnd = index
        // A duration suffix directly after an integer.
        if !isDecimal && index < bytes.count && isIdentifierStart(bytes[index]) {
            let suffixStart = index
            while index < bytes.count && isIdentifierPart(bytes[index]) { index += 1 }
            let suffix = text(suffixStart, index).lowercased()
            guard let amount = Int(text(start, numberEnd)) else {
                error("number too large: \(text(start, numberEnd))", from: start)
                return
            }
            // Durations beyond 100,000 years are typos, and would overflow when multiplied out.
            guard amount <= 36_500_000 else {
                error("duration too large: \(text(start, index))", from: start, hint: "durations are at most 100000y")
                return
            }
            switch suffix {
            case "d": add(.duration(days: amount, months: 0), from: start)
            case "w": add(.duration(days: amount * 7, months: 0), from: start)
            case "mo": add(.duration(days: 0, months: amount), from: start)
            case "y": add(.duration(days: 0, months: amount * 12), from: start)
            default:
                error(
                    "unknown duration unit '\(suffix)' in \(text(start, index))", from: start,
                    hint: "durations are written 90d (days), 12w (weeks), 6mo (months) or 1y (years)")
            }
            return
        }
        let literal = text(start, index)
        if isDecimal {
            if let value = Double(literal) {
                add(.decimal(value), from: start)
            } else {
                error("invalid number \(literal)", from: start)
            }
        } else if let value = Int64(literal) {
            add(.integer(value), from: start)
        } else if let value = Double(literal) {
            add(.decimal(value), from: start)
        } else {
            error("invalid number \(literal)", from: start)
        }
    }

    private mutating func lexString(quote: UInt8) {
        let start = index
        index += 1
        var value: [UInt8] = []
        while index < bytes.count {
            let c = bytes[index]
            if c == quote {
                index += 1
                add(.string(String(decoding: value, as: UTF8.self)), from: start)
                return
            }
            if c == UInt8(ascii: "\\") && index + 1 < bytes.count {
                let next = bytes[index + 1]
                switch next {
                case UInt8(ascii: "n"): value.append(10)
                case UInt8(ascii: "t"): value.append(9)
                default: value.append(next)
                }
                index += 2
                continue
            }
            if c == 10 {
                line += 1
                lineStart = index + 1
            }
            value.append(c)
            index += 1
        }
        unterminatedString = true
        let span = SourceSpan(
            start: start, end: start + 1, line: source.line(ofOffset: start), column: source.column(ofOffset: start))
        diagnostics.append(
            Diagnostic(
                code: "unterminated-string", message: "unterminated string", span: span, in: source,
                hint: "close it with \(quote == UInt8(ascii: "'") ? "'" : "\"")"))
    }

    /// `` `name` ``; a doubled backquote inside stands for one, as SQL doubles a quote inside a string.
    private mutating func lexQuotedIdentifier() {
        let backquote = UInt8(ascii: "`")
        let start = index
        index += 1
        var name: [UInt8] = []
        while index < bytes.count && bytes[index] != 10 {
            let c = bytes[index]
            if c == backquote && peek(1) != backquote {
                index += 1
                add(.identifier(String(decoding: name, as: UTF8.self)), from: start)
                return
            }
            name.append(c)
            index += c == backquote ? 2 : 1
        }
        error("unterminated `quoted name`", from: start, hint: "close it with ` (write `` for a backquote inside)")
    }

    private static let twoCharSymbols: Set<String> = ["==", "!=", "<>", "<=", ">=", ".."]
    private static let oneCharSymbols: Set<UInt8> = Set("|,()=<>+-*/%:.![]".utf8)

    private mutating func lexSymbol() {
        let start = index
        if index + 1 < bytes.count {
            let pair = text(index, index + 2)
            if Self.twoCharSymbols.contains(pair) {
                index += 2
                add(.symbol(pair == "<>" ? "!=" : pair), from: start)
                return
            }
        }
        let c = bytes[index]
        if Self.oneCharSymbols.contains(c) {
            index += 1
            add(.symbol(String(UnicodeScalar(c))), from: start)
            return
        }
        // Skip one whole UTF-8 character.
        index += 1
        while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index += 1 }
        error("unexpected character '\(text(start, index))'", from: start)
    }

    // MARK: Statement boundaries

    private static let continuingSymbols: Set<String> = [
        "|", ",", "(", "[", "=", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", ":",
    ]

    /// The next token, dropping line ends that cannot end a statement; nil after `.end`.
    private mutating func nextToken() -> Token? {
        while let token = nextRaw() {
            switch token.kind {
            case .symbol("("), .symbol("["): depth += 1
            case .symbol(")"), .symbol("]"): depth = Swift.max(0, depth - 1)
            case .newline:
                if depth > 0 { continue }
                guard let previous = lastPassed else { continue }
                if case .newline = previous.kind { continue }
                if case .semicolon = previous.kind { continue }
                if case .symbol(let s) = previous.kind, Self.continuingSymbols.contains(s) { continue }
                if let word = previous.word, word == "and" || word == "or" { continue }
                if nextSignificantIsPipe() { continue }
            default: break
            }
            lastPassed = token
            return token
        }
        return nil
    }

    /// Whether the first raw token after the waiting line ends is `|` (a line starting with `|` continues).
    private mutating func nextSignificantIsPipe() -> Bool {
        var ahead = 1
        while fillRaw(count: ahead) {
            let token = tokens[nextRawIndex + ahead - 1]
            if token.kind != .newline { return token.isSymbol("|") }
            ahead += 1
        }
        return false
    }

    // MARK: Helpers

    private func peek(_ offset: Int) -> UInt8 { index + offset < bytes.count ? bytes[index + offset] : 0 }
    private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    private func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80
    }
    private func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
    private func text(_ start: Int, _ end: Int) -> String { String(decoding: bytes[start..<end], as: UTF8.self) }
    private func isValidDate(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        // Year 0000 is outside the calendar (0001-01-01 … 9999-12-31); four digits keep it below 10000.
        guard y >= 1, (1...12).contains(m), d >= 1 else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    private mutating func add(_ kind: TokenKind, from start: Int) {
        // A run of line ends (blank or comment lines) acts as one: keeping one bounds the look-ahead.
        if kind == .newline, nextRawIndex < tokens.count, tokens.last?.kind == .newline { return }
        let span = SourceSpan(start: start, end: index, line: tokenLine, column: start - tokenLineStart + 1)
        tokens.append(Token(kind: kind, span: span, text: text(start, Swift.min(index, bytes.count))))
    }

    private mutating func error(_ message: String, from start: Int, hint: String? = nil) {
        let span = SourceSpan(
            start: start, end: Swift.max(index, start + 1), line: tokenLine, column: start - tokenLineStart + 1)
        diagnostics.append(Diagnostic(code: "lex-error", message: message, span: span, in: source, hint: hint))
    }
}
