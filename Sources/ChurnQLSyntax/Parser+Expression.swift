import ChurnQLDiagnostics

/// Expression grammar, lowest precedence first:
///   or → and → not → comparison (== = != < <= > >= in between is) → + - → * / % → unary - → primary
extension Parser {
    /// expr := and {'or' and}
    mutating func parseExpression() throws -> Expression {
        try enterNesting()
        defer { nesting -= 1 }
        let first = try parseAnd()
        var links: [ChainLink] = []
        while current.word == "or" {
            advance()
            links.append(ChainLink(.or, try parseAnd()))
        }
        return .leftFold(first, links)
    }

    /// and := not {'and' not}
    mutating func parseAnd() throws -> Expression {
        let first = try parseNot()
        var links: [ChainLink] = []
        while current.word == "and" {
            advance()
            links.append(ChainLink(.and, try parseNot()))
        }
        return .leftFold(first, links)
    }

    /// not := 'not' not | comparison
    mutating func parseNot() throws -> Expression {
        if current.word == "not" {
            let token = current
            advance()
            try enterNesting()
            defer { nesting -= 1 }
            let operand = try parseNot()
            return .unary(.not, operand, token.span.merged(with: operand.span))
        }
        return try parseComparison()
    }

    func comparisonOperator(_ token: Token) -> BinaryOperator? {
        guard case .symbol(let s) = token.kind else { return nil }
        switch s {
        case "==", "=": return .equal
        case "!=": return .notEqual
        case "<": return .less
        case "<=": return .lessEqual
        case ">": return .greater
        case ">=": return .greaterEqual
        default: return nil
        }
    }

    /// comparison := additive [cmp additive | ['not'] 'in' '(' list ')' | ['not'] 'between' a 'and' b | 'is' ['not'] 'null']
    mutating func parseComparison() throws -> Expression {
        let left = try parseAdditive()
        if let op = comparisonOperator(current) {
            advance()
            let right = try parseAdditive()
            return .binary(op, left, right, left.span.merged(with: right.span))
        }
        var negated = false
        if current.word == "not", let next = peekToken().word, next == "in" || next == "between" {
            negated = true
            advance()
        }
        if current.word == "in" {
            advance()
            let open = current
            try expectSymbol("(", "after 'in'")
            var items: [Expression] = []
            while !current.isSymbol(")") {
                items.append(try parseAdditive())
                if current.isSymbol(",") { advance() } else { break }
            }
            let close = current
            try expectClose(")", opened: open)
            return .inList(left, items, negated: negated, left.span.merged(with: close.span))
        }
        if current.word == "between" {
            advance()
            let low = try parseAdditive()
            try expectWord("and", "x between 1 and 10")
            let high = try parseAdditive()
            return .between(left, low, high, negated: negated, left.span.merged(with: high.span))
        }
        if current.word == "is" {
            advance()
            var isNot = false
            if current.word == "not" {
                isNot = true
                advance()
            }
            let nullToken = current
            try expectWord("null", "x is null")
            return .isNull(left, negated: isNot, left.span.merged(with: nullToken.span))
        }
        return left
    }

    /// additive := multiplicative {('+'|'-') multiplicative}
    mutating func parseAdditive() throws -> Expression {
        let first = try parseMultiplicative()
        var links: [ChainLink] = []
        while current.isSymbol("+") || current.isSymbol("-") {
            let op: BinaryOperator = current.isSymbol("+") ? .add : .subtract
            advance()
            links.append(ChainLink(op, try parseMultiplicative()))
        }
        return .leftFold(first, links)
    }

    /// multiplicative := unary {('*'|'/'|'%') unary}
    mutating func parseMultiplicative() throws -> Expression {
        let first = try parseUnary()
        var links: [ChainLink] = []
        while current.isSymbol("*") || current.isSymbol("/") || current.isSymbol("%") {
            let op: BinaryOperator = current.isSymbol("*") ? .multiply : current.isSymbol("/") ? .divide : .modulo
            advance()
            links.append(ChainLink(op, try parseUnary()))
        }
        return .leftFold(first, links)
    }

    /// unary := '-' unary | primary
    mutating func parseUnary() throws -> Expression {
        if current.isSymbol("-") {
            let token = current
            advance()
            try enterNesting()
            defer { nesting -= 1 }
            let operand = try parseUnary()
            return .unary(.negate, operand, token.span.merged(with: operand.span))
        }
        return try parsePrimary()
    }

    /// primary := literal | IDENT | IDENT '(' args ')' | '$' IDENT | '(' expr ')'
    mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .integer(let v):
            advance()
            return .literal(.integer(v), token.span)
        case .decimal(let v):
            advance()
            return .literal(.decimal(v), token.span)
        case .string(let s):
            advance()
            return .literal(.string(s), token.span)
        case .date(let y, let m, let d):
            advance()
            return .literal(.date(year: y, month: m, day: d), token.span)
        case .duration(let days, let months):
            advance()
            return .literal(.duration(days: days, months: months), token.span)
        case .parameter(let name):
            advance()
            return .parameter(name, token.span)
        case .symbol("("):
            advance()
            let inner = try parseExpression()
            try expectClose(")", opened: token)
            return inner
        case .identifier(let name):
            advance()
            if token.word == "true" { return .literal(.boolean(true), token.span) }
            if token.word == "false" { return .literal(.boolean(false), token.span) }
            if token.word == "null" { return .literal(.null, token.span) }
            if current.isSymbol("(") {
                return try parseCall(name: name, nameToken: token)
            }
            return .column(name, token.span)
        default:
            report("expected a value, found \(describe(token))", at: token)
            throw Failure()
        }
    }

    /// args := [arg {',' arg}];  arg := [IDENT ':'] expr
    mutating func parseCall(name: String, nameToken: Token) throws -> Expression {
        let open = current
        advance()
        var arguments: [Argument] = []
        while !current.isSymbol(")") {
            if case .identifier(let argName) = current.kind, peekToken().isSymbol(":") {
                advance()
                advance()
                arguments.append(Argument(name: argName.lowercased(), value: try parseExpression()))
            } else {
                arguments.append(Argument(name: nil, value: try parseExpression()))
            }
            if current.isSymbol(",") { advance() } else { break }
        }
        let close = current
        try expectClose(")", opened: open)
        return .call(name.lowercased(), arguments, nameToken.span.merged(with: close.span))
    }

    /// Bounds recursion so deeply nested input reports an error instead of exhausting the stack. A refused level
    /// is not counted: the caller's `defer` that would take it back is not set up yet when this throws.
    mutating func enterNesting() throws {
        guard nesting < 256 else {
            report(
                "expression nested too deeply (more than 256 levels of brackets, 'not' or unary '-')", at: current,
                hint: "split it into several derive steps")
            throw Failure()
        }
        nesting += 1
    }
}
