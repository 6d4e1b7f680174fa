import ChurnQLDiagnostics

extension Parser {
    /// Words that name a pipeline step.
    public static let operatorWords = [
        "where", "filter", "select", "derive", "group", "agg", "aggregate", "sort", "take", "limit", "distinct", "join",
        "count", "top", "rfm", "histogram",
    ]

    /// query := 'from' IDENT { '|' operation }
    mutating func parseQuery() throws -> Query {
        try expectWord("from", "a query starts with 'from TABLE'")
        let sourceToken = current
        let source = try expectIdentifier("a table or view name after 'from'")
        var operations: [OperationNode] = []
        while current.isSymbol("|") {
            advance()
            operations.append(try parseOperation())
        }
        return Query(source: source, sourceSpan: sourceToken.span, operations: operations)
    }

    /// operation := where EXPR | select ITEMS | derive ITEMS | group ITEMS | agg ITEMS | sort KEYS | take N
    ///            | distinct [COLS] | join [left|inner] TABLE on COLS | count | top N by EXPR | rfm
    mutating func parseOperation() throws -> OperationNode {
        let token = current
        guard let word = token.word else {
            report(
                "expected a pipeline step after '|', found \(describe(token))", at: token,
                hint: "steps: \(Self.operatorWords.joined(separator: ", "))")
            throw Failure()
        }
        advance()
        let operation: Operation
        switch word {
        case "where", "filter": operation = .where(try parseExpression())
        case "select": operation = .select(try parseNamedList())
        case "derive": operation = .derive(try parseNamedList())
        case "group": operation = .group(try parseNamedList())
        case "agg", "aggregate": operation = .agg(try parseNamedList())
        case "sort": operation = .sort(try parseSortKeys())
        case "take", "limit":
            if case .parameter(let name) = current.kind {
                advance()
                operation = .takeParameter(name)
            } else {
                operation = .take(try expectCount())
            }
        case "distinct":
            var columns: [String] = []
            while case .identifier(let name) = current.kind {
                columns.append(name)
                advance()
                if current.isSymbol(",") { advance() } else { break }
            }
            operation = .distinct(columns)
        case "join":
            var kind = JoinKind.inner
            if let w = current.word, w == "left" || w == "inner", case .identifier = peekToken().kind {
                kind = JoinKind(rawValue: w) ?? .inner
                advance()
            }
            let table = try expectIdentifier("a table name after 'join'")
            try expectWord("on", "join customers on customer_id")
            var columns = [try expectIdentifier("a column name after 'on'")]
            while current.isSymbol(",") {
                advance()
                columns.append(try expectIdentifier("a column name"))
            }
            operation = .join(table: table, on: columns, kind: kind)
        case "count": operation = .count
        case "top":
            let n = try expectCount()
            try expectWord("by", "top 10 by revenue")
            operation = .top(n, by: try parseExpression())
        case "rfm": operation = .rfm
        case "histogram":
            let expression = try parseExpression()
            var bins = 10
            if current.word == "bins" {
                advance()
                let count = current
                bins = try expectCount()
                // Said, not clamped: a silent 200 bins for `bins 1000000000` would be a wrong answer.
                guard bins >= 1, bins <= Self.histogramBinLimit else {
                    report(
                        "histogram bins must be 1 to \(Self.histogramBinLimit), not \(bins)", at: count,
                        hint: "histogram amount bins 20")
                    throw Failure()
                }
            }
            operation = .histogram(expression, bins: bins)
        default:
            let suggestion = Suggestions.closest(to: word, in: Self.operatorWords)
            report(
                "unknown pipeline step '\(token.text)'", at: token,
                hint: suggestion.map { "did you mean '\($0)'?" }
                    ?? "steps: \(Self.operatorWords.joined(separator: ", "))")
            throw Failure()
        }
        let end = tokens[Swift.max(0, position - 1)].span
        return OperationNode(operation, span: token.span.merged(with: end))
    }

    /// The most bins a histogram has: one row each, so more would be a table nobody reads.
    public static let histogramBinLimit = 10_000

    mutating func expectCount() throws -> Int {
        // Any count a 64-bit integer holds: a step takes at most the rows there are.
        if case .integer(let n) = current.kind, n >= 0, let count = Int(exactly: n) {
            advance()
            return count
        }
        report(
            "expected a row count, found \(describe(current))", at: current,
            hint: "a whole number from 0 to 9223372036854775807, e.g. take 10")
        throw Failure()
    }

    /// items := item {',' item};  item := [IDENT '='] expr
    mutating func parseNamedList() throws -> [NamedExpression] {
        var items: [NamedExpression] = []
        repeat {
            if !items.isEmpty { advance() }
            if case .identifier(let name) = current.kind, peekToken().isSymbol("=") {
                advance()
                advance()
                items.append(NamedExpression(name: name, expression: try parseExpression()))
            } else {
                items.append(NamedExpression(name: nil, expression: try parseExpression()))
            }
        } while current.isSymbol(",")
        return items
    }

    /// keys := ['-'|'+'] expr {',' ['-'|'+'] expr}
    mutating func parseSortKeys() throws -> [SortKey] {
        var keys: [SortKey] = []
        repeat {
            if !keys.isEmpty { advance() }
            var descending = false
            if current.isSymbol("-") {
                descending = true
                advance()
            } else if current.isSymbol("+") {
                advance()
            }
            keys.append(SortKey(expression: try parseUnary(), descending: descending))
        } while current.isSymbol(",")
        return keys
    }
}
