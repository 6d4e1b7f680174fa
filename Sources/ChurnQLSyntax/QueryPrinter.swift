import ChurnQLDiagnostics

/// Prints a query or expression back to churnql source that parses to the same syntax tree (spans aside): brackets
/// only where precedence needs them, names in backquotes when they are not plain words, text through
/// `Lexer.quoted`. Literals the parser never makes (negative or non-finite numbers, a duration of days and months)
/// print as their nearest source form. A name holding a line end has no source form.
public struct QueryPrinter {
    private var text = ""
    private var offset = 0
    private var line = 1
    private var lineStart = 0

    /// The source text of a query, on one line.
    public static func text(of query: Query) -> String { printed(query).text }

    /// The source text of an expression.
    public static func text(of expression: Expression) -> String {
        var printer = QueryPrinter()
        _ = printer.emit(expression, atLeast: 1)
        return printer.text
    }

    /// The query's text, and the same query with every span pointing into that text, so that a diagnostic of a
    /// query churnql wrote shows the printed query with a caret.
    public static func printed(_ query: Query) -> (text: String, query: Query) {
        var printer = QueryPrinter()
        let spanned = printer.emit(query)
        return (printer.text, spanned)
    }

    /// Words that would be read as an operator, a literal or a keyword where a name stands.
    private static let reservedWords: Set<String> = [
        "and", "or", "not", "in", "between", "is", "null", "true", "false", "left", "inner", "on", "by", "bins", "from",
    ]

    /// A column, table or function name as the lexer reads it back: bare when it is a plain ASCII word that is
    /// not reserved, otherwise in backquotes with each backquote doubled.
    public static func name(_ name: String) -> String {
        let bytes = name.utf8
        func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        if let first = bytes.first, isLetter(first), bytes.allSatisfy({ isLetter($0) || ($0 >= 48 && $0 <= 57) }),
            !reservedWords.contains(name.lowercased())
        {
            return name
        }
        var quoted = "`"
        for character in name.unicodeScalars {
            if character == "`" { quoted += "`" }
            quoted.unicodeScalars.append(character)
        }
        return quoted + "`"
    }

    // MARK: Writing

    private mutating func write(_ piece: String) {
        // `--` starts a comment: `-` then `-x` (a negated negation, a descending negated key) keeps a space.
        if piece.hasPrefix("-") && text.hasSuffix("-") { write(" ") }
        text += piece
        for byte in piece.utf8 {
            offset += 1
            if byte == 10 {
                line += 1
                lineStart = offset
            }
        }
    }

    /// Where the next piece will start.
    private var position: (offset: Int, line: Int, column: Int) { (offset, line, offset - lineStart + 1) }

    private func span(from start: (offset: Int, line: Int, column: Int)) -> SourceSpan {
        SourceSpan(start: start.offset, end: offset, line: start.line, column: start.column)
    }

    // MARK: Queries

    private mutating func emit(_ query: Query) -> Query {
        write("from ")
        let sourceStart = position
        write(Self.name(query.source))
        let sourceSpan = span(from: sourceStart)
        var operations: [OperationNode] = []
        for node in query.operations {
            write(" | ")
            let start = position
            let operation = emit(node.operation)
            operations.append(OperationNode(operation, span: span(from: start)))
        }
        return Query(source: query.source, sourceSpan: sourceSpan, operations: operations)
    }

    private mutating func emit(_ operation: Operation) -> Operation {
        switch operation {
        case .where(let condition):
            write("where ")
            return .where(emit(condition, atLeast: 1))
        case .select(let items): return .select(emit(items, after: "select"))
        case .derive(let items): return .derive(emit(items, after: "derive"))
        case .group(let items): return .group(emit(items, after: "group"))
        case .agg(let items): return .agg(emit(items, after: "agg"))
        case .sort(let keys):
            write("sort ")
            var printed: [SortKey] = []
            for (index, key) in keys.enumerated() {
                if index > 0 { write(", ") }
                printed.append(emit(key))
            }
            return .sort(printed)
        case .take(let count):
            write("take \(count)")
        case .takeParameter(let name):
            write("take $\(name)")
        case .distinct(let columns):
            write(columns.isEmpty ? "distinct" : "distinct " + columns.map(Self.name).joined(separator: ", "))
        case .join(let table, let on, let kind):
            write(
                "join \(kind == .left ? "left " : "")\(Self.name(table)) on \(on.map(Self.name).joined(separator: ", "))"
            )
        case .count:
            write("count")
        case .top(let count, let by):
            write("top \(count) by ")
            return .top(count, by: emit(by, atLeast: 1))
        case .rfm:
            write("rfm")
        case .histogram(let expression, let bins):
            write("histogram ")
            let printed = emit(expression, atLeast: 1)
            if bins != 10 { write(" bins \(bins)") }
            return .histogram(printed, bins: bins)
        }
        return operation
    }

    private mutating func emit(_ items: [NamedExpression], after word: String) -> [NamedExpression] {
        write(word)
        var printed: [NamedExpression] = []
        for (index, item) in items.enumerated() {
            write(index == 0 ? " " : ", ")
            if let name = item.name { write(Self.name(name) + " = ") }
            printed.append(NamedExpression(name: item.name, expression: emit(item.expression, atLeast: 1)))
        }
        return printed
    }

    private mutating func emit(_ key: SortKey) -> SortKey {
        // A sort key is a unary-level expression; a leading `-` means descending, so an ascending key that
        // itself starts with `-` goes in brackets.
        if key.descending { write("-") }
        let startsWithMinus = Self.precedence(key.expression) == Self.unaryLevel
        let minimum = !key.descending && startsWithMinus ? Self.primaryLevel : Self.unaryLevel
        return SortKey(expression: emit(key.expression, atLeast: minimum), descending: key.descending)
    }

    // MARK: Expressions

    private static let unaryLevel = 7
    private static let primaryLevel = 8

    /// The grammar's precedence levels (docs/language.md): 1 `or` … 8 primaries.
    private static func level(_ op: BinaryOperator) -> Int {
        switch op {
        case .or: return 1
        case .and: return 2
        case .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual: return 4
        case .add, .subtract: return 5
        case .multiply, .divide, .modulo: return 6
        }
    }

    private static func precedence(_ expression: Expression) -> Int {
        switch expression {
        case .literal(.integer(let value), _) where value < 0: return unaryLevel
        case .literal(.decimal(let value), _) where value.sign == .minus: return unaryLevel
        case .literal, .column, .parameter, .call: return primaryLevel
        case .unary(.negate, _, _): return unaryLevel
        case .unary(.not, _, _): return 3
        case .binary(let op, _, _, _): return level(op)
        case .chain(_, let links, _): return links.map { level($0.op) }.min() ?? primaryLevel
        case .inList, .between, .isNull: return 4
        }
    }

    /// Prints `expression` where the grammar reads an expression of level `minimum` or higher, bracketing it
    /// when it binds more loosely. Recursion follows the tree's depth, which the parser bounds (chains are flat).
    private mutating func emit(_ expression: Expression, atLeast minimum: Int) -> Expression {
        let bracketed = Self.precedence(expression) < minimum
        if bracketed { write("(") }
        let start = position
        let printed = printUnbracketed(expression)
        let result = printed.withSpan(span(from: start))
        if bracketed { write(")") }
        return result
    }

    private mutating func printUnbracketed(_ expression: Expression) -> Expression {
        switch expression {
        case .literal(let literal, _):
            write(Self.source(of: literal))
        case .column(let name, _):
            write(Self.name(name))
        case .parameter(let name, _):
            write("$" + name)
        case .unary(let op, let operand, let span):
            write(op == .not ? "not " : "-")
            let printed = emit(operand, atLeast: op == .not ? 3 : Self.unaryLevel)
            return .unary(op, printed, span)
        case .binary(let op, let left, let right, let span):
            let operandLevel = Self.level(op) + 1
            let printedLeft = emit(left, atLeast: operandLevel)
            write(" \(op.rawValue) ")
            return .binary(op, printedLeft, emit(right, atLeast: operandLevel), span)
        case .chain(let first, let links, let span):
            let operandLevel = (links.map { Self.level($0.op) }.max() ?? 0) + 1
            let printedFirst = emit(first, atLeast: operandLevel)
            var printedLinks: [ChainLink] = []
            for link in links {
                write(" \(link.op.rawValue) ")
                printedLinks.append(ChainLink(link.op, emit(link.operand, atLeast: operandLevel)))
            }
            return .chain(printedFirst, printedLinks, span)
        case .call(let name, let arguments, let span):
            write(Self.name(name) + "(")
            var printed: [Argument] = []
            for (index, argument) in arguments.enumerated() {
                if index > 0 { write(", ") }
                if let argumentName = argument.name { write(Self.name(argumentName) + ": ") }
                printed.append(Argument(name: argument.name, value: emit(argument.value, atLeast: 1)))
            }
            write(")")
            return .call(name, printed, span)
        case .inList(let value, let items, let negated, let span):
            let printedValue = emit(value, atLeast: 5)
            write(negated ? " not in (" : " in (")
            var printed: [Expression] = []
            for (index, item) in items.enumerated() {
                if index > 0 { write(", ") }
                printed.append(emit(item, atLeast: 5))
            }
            write(")")
            return .inList(printedValue, printed, negated: negated, span)
        case .between(let value, let low, let high, let negated, let span):
            let printedValue = emit(value, atLeast: 5)
            write(negated ? " not between " : " between ")
            let printedLow = emit(low, atLeast: 5)
            write(" and ")
            return .between(printedValue, printedLow, emit(high, atLeast: 5), negated: negated, span)
        case .isNull(let value, let negated, let span):
            let printedValue = emit(value, atLeast: 5)
            write(negated ? " is not null" : " is null")
            return .isNull(printedValue, negated: negated, span)
        }
        return expression
    }

    /// The largest amount the lexer takes before a duration unit.
    private static let largestDurationAmount = 36_500_000

    static func source(of literal: Literal) -> String {
        switch literal {
        case .integer(let value): return String(value)
        case .decimal(let value):
            // Swift prints the shortest text that reads back as the same double; infinity as a literal that
            // overflows to it.
            guard value.isFinite else { return value.isNaN ? "null" : value < 0 ? "-1e999" : "1e999" }
            return "\(value)"
        case .string(let value): return Lexer.quoted(value)
        case .boolean(let value): return value ? "true" : "false"
        case .date(let year, let month, let day):
            return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2)
        case .duration(let days, let months):
            var parts: [String] = []
            if months != 0 || days == 0 {
                parts.append(
                    months > largestDurationAmount && months % 12 == 0 ? "\(months / 12)y" : "\(months)mo")
            }
            if days != 0 {
                parts.append(days > largestDurationAmount && days % 7 == 0 ? "\(days / 7)w" : "\(days)d")
            }
            return parts.count == 1 ? parts[0] : "(" + parts.joined(separator: " + ") + ")"
        case .null: return "null"
        }
    }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }
}

extension Expression {
    /// The same node with another span (its children keep theirs).
    func withSpan(_ span: SourceSpan) -> Expression {
        switch self {
        case .literal(let literal, _): return .literal(literal, span)
        case .column(let name, _): return .column(name, span)
        case .parameter(let name, _): return .parameter(name, span)
        case .unary(let op, let operand, _): return .unary(op, operand, span)
        case .binary(let op, let left, let right, _): return .binary(op, left, right, span)
        case .call(let name, let arguments, _): return .call(name, arguments, span)
        case .inList(let value, let items, let negated, _): return .inList(value, items, negated: negated, span)
        case .between(let value, let low, let high, let negated, _):
            return .between(value, low, high, negated: negated, span)
        case .isNull(let value, let negated, _): return .isNull(value, negated: negated, span)
        case .chain(let first, let links, _): return .chain(first, links, span)
        }
    }
}
