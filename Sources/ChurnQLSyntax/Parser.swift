import ChurnQLDiagnostics

/// The outcome of parsing a text: its statements, every error found, and whether more input could finish it.
public struct ParseResult: Sendable {
    public var statements: [StatementNode]
    public var diagnostics: [Diagnostic]
    /// True when the text stops mid-statement (open bracket or string, trailing `|`): a REPL reads more.
    public var isIncomplete: Bool
}

/// A recursive-descent parser. It never traps: on an error it records a diagnostic and skips to the next
/// statement, so one pass reports every broken statement.
public struct Parser {
    var tokens: [Token]
    var position = 0
    let source: SourceText
    var diagnostics: [Diagnostic] = []
    var nesting = 0

    struct Failure: Error {}

    /// Parses every statement of a text.
    public static func parse(_ source: SourceText) -> ParseResult {
        let lexed = Lexer.lex(source)
        var parser = Parser(tokens: lexed.tokens, source: source)
        parser.diagnostics = lexed.diagnostics
        var statements: [StatementNode] = []
        if lexed.diagnostics.isEmpty {
            statements = parser.parseStatements()
        }
        return ParseResult(statements: statements, diagnostics: parser.diagnostics, isIncomplete: lexed.isIncomplete)
    }

    /// Parses a single expression (used for `--set name=value` and settings).
    public static func parseExpression(_ source: SourceText) -> (Expression?, [Diagnostic]) {
        let lexed = Lexer.lex(source)
        guard lexed.diagnostics.isEmpty else { return (nil, lexed.diagnostics) }
        var parser = Parser(tokens: lexed.tokens, source: source)
        do {
            let expression = try parser.parseExpression()
            if !parser.atStatementEnd {
                parser.report("unexpected \(parser.describe(parser.current)) after the expression", at: parser.current)
                return (nil, parser.diagnostics)
            }
            return (expression, parser.diagnostics)
        } catch {
            return (nil, parser.diagnostics)
        }
    }

    // MARK: Statements

    /// statements := { statement (newline | ';') }
    mutating func parseStatements() -> [StatementNode] {
        var statements: [StatementNode] = []
        while true {
            skipSeparators()
            if current.kind == .end { break }
            let start = current.span
            do {
                let statement = try parseStatement()
                let end = tokens[Swift.max(0, position - 1)].span
                if !atStatementEnd {
                    report(
                        "unexpected \(describe(current)); expected the end of the statement", at: current,
                        hint: hintAfterStatement())
                    throw Failure()
                }
                statements.append(StatementNode(statement, span: start.merged(with: end)))
            } catch {
                synchronize()
            }
        }
        return statements
    }

    mutating func parseStatement() throws -> Statement {
        let token = current
        guard let word = token.word else {
            report(
                "expected a statement, found \(describe(token))", at: token,
                hint: "a query starts with 'from TABLE'; type .help for the statements")
            throw Failure()
        }
        switch word {
        case "from": return .query(try parseQuery())
        case "let":
            advance()
            let name = try expectIdentifier("a view name")
            try expectSymbol("=", "after the view name")
            return .let(name: name, try parseQuery())
        case "load": return try parseLoad()
        case "attach": return try parseAttach()
        case "detach":
            advance()
            return .detach(try expectIdentifier("the name of an attached database"))
        case "set":
            advance()
            let name = try expectIdentifier("a setting name")
            if current.isSymbol("=") || current.isSymbol("==") { advance() }
            return .set(name: name.lowercased(), value: try parseExpression())
        case "param":
            advance()
            let name = try expectIdentifier("a parameter name")
            try expectSymbol("=", "after the parameter name")
            return .param(name: name, defaultValue: try parseExpression())
        case "show":
            advance()
            guard current.word == "settings" else {
                report("expected 'settings' after 'show'", at: current)
                throw Failure()
            }
            advance()
            return .showSettings
        case "tables":
            advance()
            return .tables
        case "describe":
            advance()
            return .describe(try expectIdentifier("a table name"))
        case "explain":
            advance()
            if current.word == "from" { return .explainQuery(try parseQuery()) }
            // `explain plan from …`; a metric named plan cannot exist, so the word is free.
            if current.word == "plan", peekToken().word == "from" {
                advance()
                return .explainPlan(try parseQuery())
            }
            var name = try expectIdentifier("a metric name, e.g. explain churn_rate")
            if current.isSymbol("(") {
                advance()
                try expectSymbol(")", "to close '('")
            }
            name = name.lowercased()
            return .explain(name)
        case "compile":
            advance()
            let dialect = current.word?.lowercased() ?? ""
            guard Self.sqlDialects.contains(dialect) else {
                report(
                    "expected a SQL dialect after 'compile': \(Self.sqlDialects.joined(separator: ", "))", at: current,
                    hint: "compile postgres from customers | group status | agg n = count()")
                throw Failure()
            }
            advance()
            if current.word == "churn" || current.word == "cohort" {
                let statement = try parseStatement()
                return .compileStatement(dialect: dialect, statement)
            }
            return .compile(dialect: dialect, try parseQuery())
        case "export":
            advance()
            let query = try parseQuery()
            guard current.word == "to" else {
                report(
                    "expected 'to \"file\"' after the query", at: current,
                    hint: "export from customers to \"customers.csv\"")
                throw Failure()
            }
            advance()
            return .export(query, path: try expectString("a file name"))
        case "save":
            advance()
            return .save(path: try expectString("a file name in double quotes, e.g. save \"shop.cqs\""))
        case "print":
            advance()
            if case .string(let text) = current.kind {
                advance()
                return .print(text)
            }
            return .printQuery(try parseQuery())
        case "assert": return try parseAssert()
        case "churn":
            advance()
            return .churn(try parsePeriod(allowed: Period.allCases))
        case "cohort": return try parseCohort()
        case "fit":
            advance()
            let model = try expectIdentifier("a model: bgnbd, gammagamma, paretonbd or mbgnbd").lowercased()
            var until: Expression?
            var unit: String?
            while let w = current.word, w == "until" || w == "unit" {
                advance()
                if w == "until" {
                    until = try parseAdditive()
                } else {
                    unit = try expectIdentifier("weeks or days").lowercased()
                }
            }
            return .fit(model: model, until: until, unit: unit)
        case "drill":
            advance()
            let name = try expectIdentifier("a metric, e.g. drill churn_rate").lowercased()
            if current.isSymbol("(") {
                advance()
                try expectSymbol(")", "to close '('")
            }
            return .drill(name)
        case "workbench":
            advance()
            if case .identifier(let section) = current.kind {
                advance()
                return .workbench(section.lowercased())
            }
            return .workbench(nil)
        case "team":
            advance()
            return .team
        case "handover":
            advance()
            return .handover(try expectString("a rep's name in double quotes, e.g. handover \"Ana\""))
        case "profile":
            advance()
            try expectWord("by", "profile by region")
            return .profile(by: try expectIdentifier("a customer attribute, e.g. profile by region"))
        case "survival":
            advance()
            var key: String?
            if current.word == "by" {
                advance()
                key = try expectIdentifier("a column to compare, e.g. survival by region")
            }
            return .survival(by: key)
        case "histogram":
            // `histogram EXPR` is short for `from customers | histogram EXPR`.
            let node = try parseOperation()
            return .query(Query(source: "customers", sourceSpan: token.span, operations: [node]))
        case "evaluate":
            advance()
            return .evaluate
        case "compare":
            advance()
            guard current.word == "models" else {
                report("expected 'models' after 'compare'", at: current)
                throw Failure()
            }
            advance()
            return .compareModels
        case "verify":
            advance()
            return .verify
        default:
            let known = Self.statementWords
            let suggestion = Suggestions.closest(to: word, in: known)
            report(
                "unknown statement '\(token.text)'", at: token,
                hint: suggestion.map { "did you mean '\($0)'?" } ?? "a query starts with 'from TABLE'")
            throw Failure()
        }
    }

    /// The SQL dialects `compile` writes (the SQL backend's names).
    public static let sqlDialects = ["postgres", "spark", "duckdb", "sqlite"]

    /// Words that start a statement.
    public static let statementWords = [
        "from", "let", "load", "attach", "detach", "set", "param", "show", "tables", "describe", "explain", "compile",
        "export", "save", "print",
        "assert",
        "churn", "cohort", "fit", "evaluate", "compare", "histogram", "drill", "survival", "workbench", "team",
        "handover", "profile", "verify",
    ]

    /// load := 'load' STRING ['as' IDENT] ['with' '(' key ':' expr {',' key ':' expr} ')']
    /// load := 'load' STRING ['table' (NAME | STRING)] ['as' NAME] ['with' '(' option, … ')']
    mutating func parseLoad() throws -> Statement {
        advance()
        let path = try expectString("a file name in double quotes")
        var serverTable: String?
        if current.word == "table" {
            advance()
            if case .string = current.kind {
                serverTable = try expectString("a table name")
            } else {
                serverTable = try expectIdentifier("a table name")
            }
        }
        let (alias, options) = try parseAliasAndOptions()
        if let serverTable { return .loadServerTable(uri: path, table: serverTable, alias: alias, options: options) }
        return .load(path: path, alias: alias, options: options)
    }

    /// attach := 'attach' STRING ['as' NAME] ['with' '(' option, … ')']
    mutating func parseAttach() throws -> Statement {
        advance()
        let uri = try expectString("a connection URI in double quotes, e.g. \"postgresql://user@host/db\"")
        let (alias, options) = try parseAliasAndOptions()
        return .attach(uri: uri, alias: alias, options: options)
    }

    private mutating func parseAliasAndOptions() throws -> (String?, [Option]) {
        var alias: String?
        var options: [Option] = []
        if current.word == "as" {
            advance()
            alias = try expectIdentifier("a table name")
        }
        if current.word == "with" {
            advance()
            let open = current
            try expectSymbol("(", "after 'with'")
            while !current.isSymbol(")") {
                let keyToken = current
                let key = try expectIdentifier("an option name")
                if !(current.isSymbol(":") || current.isSymbol("=")) {
                    report("expected ':' after option '\(key)'", at: current, hint: "options are written (key: value)")
                    throw Failure()
                }
                advance()
                let value = try parseExpression()
                options.append(
                    Option(key: key.lowercased(), value: value, span: keyToken.span.merged(with: value.span)))
                if current.isSymbol(",") { advance() } else { break }
            }
            try expectClose(")", opened: open)
        }
        return (alias, options)
    }

    /// assert := 'assert' (query | expr) [compare expr ['within' expr] | 'between' expr 'and' expr]
    mutating func parseAssert() throws -> Statement {
        advance()
        var assertion: Assertion
        if current.word == "from" {
            assertion = Assertion(query: try parseQuery(), expression: nil)
            // `… | agg x = EXPR == 3` parsed the comparison into the last item: lift it out as the check.
            if var query = assertion.query, var last = query.operations.last,
                case .agg(var items) = last.operation, let item = items.last
            {
                switch item.expression {
                case .binary(let op, let lhs, let rhs, _)
                where [.equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual].contains(op):
                    items[items.count - 1].expression = lhs
                    assertion.comparison = op
                    assertion.expected = rhs
                case .between(let subject, let low, let high, false, _):
                    items[items.count - 1].expression = subject
                    assertion.range = (low, high)
                default: break
                }
                last.operation = .agg(items)
                query.operations[query.operations.count - 1] = last
                assertion.query = query
                if assertion.comparison != nil || assertion.rangeLow != nil {
                    try parseTolerance(&assertion)
                    return .assert(assertion)
                }
            }
        } else {
            assertion = Assertion(query: nil, expression: try parseAdditive())
        }
        if let op = comparisonOperator(current) {
            advance()
            assertion.comparison = op
            assertion.expected = try parseAdditive()
            try parseTolerance(&assertion)
        } else if current.word == "between" {
            advance()
            let low = try parseAdditive()
            try expectWord("and", "between LOW and HIGH")
            assertion.range = (low, try parseAdditive())
        } else if assertion.query != nil {
            report("expected a comparison after the query", at: current, hint: "assert from customers | count == 2357")
            throw Failure()
        }
        return .assert(assertion)
    }

    /// `within TOL` after `==` or `!=`: the comparison allows |actual − expected| ≤ TOL.
    private mutating func parseTolerance(_ assertion: inout Assertion) throws {
        guard current.word == "within" else { return }
        let keyword = current
        guard assertion.comparison == .equal || assertion.comparison == .notEqual else {
            report(
                "'within' goes with == or !=", at: keyword,
                hint: "assert from customers | agg x = avg(revenue) == 120 within 0.5")
            throw Failure()
        }
        advance()
        assertion.tolerance = try parseAdditive()
    }

    /// cohort := 'cohort' period ['by' 'revenue'] ['as' ('counts' | 'shares')]
    mutating func parseCohort() throws -> Statement {
        advance()
        let period = try parsePeriod(allowed: [.monthly, .weekly])
        var byRevenue = false
        var shares = true
        while let w = current.word, w == "by" || w == "as" {
            advance()
            if w == "by" {
                try expectWord("revenue", "cohort monthly by revenue")
                byRevenue = true
            } else {
                guard let mode = current.word, mode == "counts" || mode == "shares" else {
                    report("expected 'counts' or 'shares' after 'as'", at: current)
                    throw Failure()
                }
                advance()
                shares = mode == "shares"
            }
        }
        return .cohort(period, byRevenue: byRevenue, shares: shares)
    }

    mutating func parsePeriod(allowed: [Period]) throws -> Period {
        guard let word = current.word, let period = Period(rawValue: word), allowed.contains(period) else {
            report(
                "expected a period: \(allowed.map(\.rawValue).joined(separator: ", "))", at: current)
            throw Failure()
        }
        advance()
        return period
    }

    // MARK: Helpers

    var current: Token { tokens[Swift.min(position, tokens.count - 1)] }
    func peekToken(_ offset: Int = 1) -> Token { tokens[Swift.min(position + offset, tokens.count - 1)] }

    mutating func advance() {
        if position < tokens.count - 1 { position += 1 }
    }

    var atStatementEnd: Bool {
        switch current.kind {
        case .newline, .semicolon, .end: return true
        default: return false
        }
    }

    mutating func skipSeparators() {
        while current.kind == .newline || current.kind == .semicolon { advance() }
    }

    /// Skips to the start of the next statement after an error.
    mutating func synchronize() {
        while !atStatementEnd { advance() }
    }

    mutating func expectIdentifier(_ what: String) throws -> String {
        if case .identifier(let name) = current.kind {
            advance()
            return name
        }
        report("expected \(what), found \(describe(current))", at: current)
        throw Failure()
    }

    mutating func expectString(_ what: String) throws -> String {
        if case .string(let text) = current.kind {
            advance()
            return text
        }
        report("expected \(what), found \(describe(current))", at: current)
        throw Failure()
    }

    mutating func expectSymbol(_ symbol: String, _ context: String) throws {
        guard current.isSymbol(symbol) else {
            report("expected '\(symbol)' \(context), found \(describe(current))", at: current)
            throw Failure()
        }
        advance()
    }

    mutating func expectWord(_ word: String, _ example: String) throws {
        guard current.word == word else {
            report("expected '\(word)', found \(describe(current))", at: current, hint: example)
            throw Failure()
        }
        advance()
    }

    /// Expects a closing bracket, naming where it was opened.
    mutating func expectClose(_ symbol: String, opened: Token) throws {
        guard current.isSymbol(symbol) else {
            if current.kind == .end || current.kind == .newline || current.kind == .semicolon {
                report(
                    "'\(opened.text)' opened here is never closed", at: opened,
                    hint: "add '\(symbol)' to close it")
            } else {
                report(
                    "expected '\(symbol)' to close '\(opened.text)' opened at line \(opened.span.line):\(opened.span.column), found \(describe(current))",
                    at: current)
            }
            throw Failure()
        }
        advance()
    }

    func describe(_ token: Token) -> String {
        switch token.kind {
        case .end: return "end of input"
        case .newline: return "end of line"
        case .semicolon: return "';'"
        case .string: return "string \(token.text)"
        default: return "'\(token.text)'"
        }
    }

    func hintAfterStatement() -> String? {
        if let word = current.word, Self.operatorWords.contains(word) {
            return "join pipeline steps with '|': … | \(word) …"
        }
        return nil
    }

    mutating func report(_ message: String, at token: Token, hint: String? = nil) {
        diagnostics.append(Diagnostic(code: "syntax-error", message: message, span: token.span, in: source, hint: hint))
    }
}
