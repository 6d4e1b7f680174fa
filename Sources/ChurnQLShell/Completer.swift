import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLSyntax

/// Context-aware Tab completion: what may come next at the cursor, from the statement typed so far.
struct Completer {
    /// Names `from` and `join` accept.
    var sources: [String]
    /// Columns of a source, by name.
    var columns: (String) -> [String]
    var settings: [String] = SettingsCatalog.names

    /// Every function of the language, from the catalogue the evaluator checks calls against.
    static let functions = FunctionCatalog.names.map { $0 + "(" }
    static let expressionWords = ["and", "or", "not", "in", "between", "is", "null", "true", "false", "asof"]

    /// What completes `word`, the text just before the cursor, given everything typed before it.
    /// Returns nil when file names should be completed instead.
    func candidates(before text: String, word: String) -> [String]? {
        let beforeWord = String(text.dropLast(word.count))
        let trimmed = beforeWord.trimmingCharacters(in: [" ", "\t", "\n"])
        if trimmed.isEmpty && word.hasPrefix(".") { return Session.metaCommands.filter { $0.hasPrefix(word) } }
        if trimmed.hasPrefix(".read") || trimmed.hasPrefix(".output") || trimmed.hasPrefix(".save") { return nil }
        if insideLoadString(beforeWord) { return nil }
        let tokens = Lexer.lex(SourceText(name: nil, text: beforeWord)).tokens.filter {
            $0.kind != .newline && $0.kind != .end
        }
        let previous = tokens.last
        var options: [String]
        if trimmed.isEmpty {
            options = Parser.statementWords + Session.metaCommands
        } else if let word = previous?.word, word == "from" || word == "join" {
            options = sources.compactMap(Self.written)
        } else if previous?.word == "set" {
            options = settings
        } else if previous?.word == "explain" {
            options = ChurnQLMetricsBridge.names
        } else if previous?.isSymbol("|") == true {
            options = Parser.operatorWords
        } else {
            options = pipelineColumns(tokens).compactMap(Self.written) + Self.functions + Self.expressionWords
        }
        // libedit breaks words at a backquote: after one the user typed, offer the rest of the quoted name.
        if beforeWord.hasSuffix("`") && beforeWord.filter({ $0 == "`" }).count % 2 == 1 {
            options = options.compactMap { $0.hasPrefix("`") ? String($0.dropFirst()) : nil }
        }
        // A bare prefix also finds a name that needs backquotes.
        let matching = options.filter { $0.hasPrefix(word) || ($0.hasPrefix("`") && $0.dropFirst().hasPrefix(word)) }
        return Array(Set(matching)).sorted()
    }

    /// A name as the parser reads it back: bare when it is a plain identifier, else in backquotes (a backquote
    /// inside doubled, as `QueryPrinter` writes it); nil when it cannot be written at all (a line end inside, or a
    /// NUL, which a C string cannot carry).
    static func written(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        func isStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 || c >= 0x80 }
        if let first = bytes.first, isStart(first), bytes.allSatisfy({ isStart($0) || ($0 >= 48 && $0 <= 57) }),
            !expressionWords.contains(name.lowercased())
        {
            return name
        }
        guard !bytes.isEmpty, !bytes.contains(10), !bytes.contains(13), !bytes.contains(0) else { return nil }
        return QueryPrinter.name(name)
    }

    /// How a candidate is listed on the terminal: control characters in a name must not drive it.
    static func display(_ candidate: String) -> String { TerminalText.escaped(candidate) }

    /// Inside `load "…` with the quote still open: complete file names.
    private func insideLoadString(_ text: String) -> Bool {
        guard let load = text.range(of: "load", options: .backwards) else { return false }
        return text[load.upperBound...].filter { $0 == "\"" }.count == 1
    }

    /// Columns of the current pipeline: its source's columns plus names made by select, derive, group and agg.
    private func pipelineColumns(_ tokens: [Token]) -> [String] {
        var names: [String] = []
        var lastFrom: String?
        for (i, token) in tokens.enumerated() {
            if token.word == "from" || token.word == "join", i + 1 < tokens.count,
                case .identifier(let name) = tokens[i + 1].kind
            {
                if token.word == "from" {
                    lastFrom = name
                    names = []
                }
                names += columns(name)
            }
            if token.isSymbol("="), i > 0, case .identifier(let name) = tokens[i - 1].kind {
                names.append(name)
            }
        }
        if lastFrom == nil { names += columns("customers") }
        return names
    }
}
