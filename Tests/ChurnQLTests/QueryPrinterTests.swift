import ChurnQLDiagnostics
import ChurnQLSyntax
import Testing

/// `QueryPrinter` is the inverse of the parser: print → parse gives the same tree (spans aside), on written
/// queries with hostile names and values and on random trees; and the printed spans point at their own text.
struct QueryPrinterTests {
    static func parseQuery(_ text: String) throws -> Query {
        let parsed = Parser.parse(SourceText(name: nil, text: text))
        if let first = parsed.diagnostics.first { throw first }
        guard parsed.statements.count == 1, case .query(let query) = parsed.statements[0].statement else {
            Issue.record("not one query: \(text)")
            return Query(source: "", sourceSpan: .none, operations: [])
        }
        return query
    }

    /// Queries as a user writes them, each with names or values that need quoting or escaping.
    static let written = [
        "from customers | where next_contact > asof + 1d and next_contact <= asof + 7d | sort next_contact, -revenue",
        #"from customers | where rep == "a`b\"c|d -- e # f" | select customer_id, `x``y`"#,
        #"from `from` | group `a b`, `1st`, `--x`, `|`, `"q"` | agg `not` = count(), `true` = sum(`in`)"#,
        #"from customers | where name == "line\nbreak\ttab\\slash" or name == 'single'"#,
        "from customers | where région == \"naïve ☃ \u{1}\u{7f}\u{202e}\" | sort -région",
        "from customers | where `ctl\u{1}\u{1b}[31m` != \"\u{1b}]0;title\u{7}\" | take 3",
        "from orders | where not a and not (b or c) or d and e | sort -(a + b), (-c), - -d, +e",
        "from t | derive x = (a - b) - c, y = a - (b - c), z = a - b - c, w = a * (b + c) / d % e",
        "from t | where (a == b) == c and a in (1, 2 + 3, \"x\") and b not in () and c between 1 and 2 + 3",
        "from t | where x not between (a or b) and c and (y is null) is not null and z is not null",
        "from t | derive d = 2024-02-29, n = null, b = true, f = 0.5, e = 1e-05, big = 9223372036854775807",
        "from t | derive w = 12w, m = 6mo, y = 1y, z = 0d, huge = 36500000y, p = $param, q = -$param",
        "from t | derive r = percentile(revenue, 0.9), c = churn_rate(period: 30d), i = if(a > 0, 1.0, 0.0)",
        "from t | join left `left` on `on`, id | join inner x on y | distinct a, `b c` | distinct",
        "from t | top 5 by -revenue | histogram revenue * 2 bins 20 | histogram x | rfm | count",
        "from t | group status | count | take $n | take 0",
        "from t | where a or b or c or d | derive s = a + b + c - d, p = a * b / c % d, q = (a or b) or c",
    ]

    @Test("print → parse gives the written query back", arguments: written)
    func writtenQueriesRoundTrip(text: String) throws {
        let query = try Self.parseQuery(text)
        let printed = QueryPrinter.text(of: query)
        #expect(!printed.contains("\n"))
        let reparsed = try Self.parseQuery(printed)
        #expect(SpanFree.query(reparsed) == SpanFree.query(query), "\(text)\nprinted as\n\(printed)")
        // Printing is stable: the text of the reparsed query is the same text.
        #expect(QueryPrinter.text(of: reparsed) == printed)
    }

    @Test(
        "names are bare only when the lexer reads them back as the same plain word",
        arguments: [
            ("revenue", "revenue"), ("_x1", "_x1"), ("a b", "`a b`"), ("a`b", "`a``b`"), ("`", "````"), ("", "``"),
            ("1st", "`1st`"), ("not", "`not`"), ("NULL", "`NULL`"), ("left", "`left`"), ("é", "`é`"),
            ("--", "`--`"), ("a|b", "`a|b`"),
        ])
    func names(name: String, printed: String) throws {
        #expect(QueryPrinter.name(name) == printed)
        let query = try Self.parseQuery("from \(printed)")
        #expect(query.source == name)
    }

    @Test func expressionsPrintWithBracketsOnlyWhereNeeded() throws {
        let a = Expression.named("a")
        let b = Expression.named("b")
        let cases: [(Expression, String)] = [
            (a.combined(.subtract, b.combined(.subtract, .integer(1))), "a - (b - 1)"),
            (a.combined(.subtract, b).combined(.multiply, .integer(2)), "(a - b) * 2"),
            (.unary(.negate, .unary(.negate, a, .none), .none), "- -a"),
            (.unary(.not, a.combined(.equal, .text("x`\"")), .none), #"not a == "x`\"""#),
            (.allOf(a, b.isNotNull, .named("not")), "a and b is not null and `not`"),
            (.literal(.duration(days: 0, months: 438_000_000), .none), "36500000y"),
            (.function("date_trunc", .text("month"), .named("asof")), #"date_trunc("month", asof)"#),
        ]
        for (expression, text) in cases {
            #expect(QueryPrinter.text(of: expression) == text)
            let (parsed, diagnostics) = Parser.parseExpression(SourceText(name: nil, text: text))
            #expect(diagnostics.isEmpty)
            #expect(parsed.map(SpanFree.expression) == SpanFree.expression(expression))
        }
    }

    @Test func spansPointAtThePrintedText() throws {
        let built = QueryBuilder(from: "my table")
            .filter(Expression.named("rep").combined(.equal, .text("a\"b")))
            .sort(.descending("revenue")).query
        let (text, query) = QueryPrinter.printed(built)
        #expect(text == #"from `my table` | where rep == "a\"b" | sort -revenue"#)
        let bytes = Array(text.utf8)
        func spanned(_ span: SourceSpan) -> String { String(decoding: bytes[span.start..<span.end], as: UTF8.self) }
        #expect(spanned(query.sourceSpan) == "`my table`")
        #expect(query.sourceSpan.column == 6)
        #expect(query.operations.map { spanned($0.span) } == [#"where rep == "a\"b""#, "sort -revenue"])
        guard case .where(.binary(_, let left, let right, let whole)) = query.operations[0].operation else {
            Issue.record("not a comparison")
            return
        }
        #expect(spanned(left.span) == "rep")
        #expect(left.span.column == 25)
        #expect(spanned(right.span) == #""a\"b""#)
        #expect(spanned(whole) == #"rep == "a\"b""#)
    }

    /// Random trees in the shapes the parser makes, with hostile names and text: print → parse is the identity.
    @Test(arguments: 1...8)
    func randomQueriesRoundTrip(seed: UInt64) throws {
        var generator = QueryGenerator(random: FuzzTests.Random(state: seed &* 7919))
        for _ in 0..<FuzzTests.iterations {
            let query = generator.query()
            let printed = QueryPrinter.text(of: query)
            let reparsed = try Self.parseQuery(printed)
            #expect(SpanFree.query(reparsed) == SpanFree.query(query), "\(printed)")
        }
    }
}

/// Random queries in the parser's shapes: chains of three or more operands, `.binary` for two, lowercase call
/// and argument names, literals the lexer can write.
struct QueryGenerator {
    var random: FuzzTests.Random

    static let namePieces = [
        "a", "revenue", "x1", "_", " ", "`", "``", "\"", "'", "|", "--", "#", "é", "☃", "\u{1}", "\u{1b}", "\u{7f}",
        "\u{202e}", "\r", "\t", "1", "not", "and", "null", "True", "left", "by", "bins", ";", "(", ")", ",", "=",
    ]
    static let textPieces = namePieces + ["\n", "\\", "\\n", "\u{0}", "$x"]

    mutating func name() -> String {
        (0..<(random.below(3) + 1)).map { _ in random.pick(Self.namePieces) }.joined()
    }

    mutating func text() -> String {
        (0..<random.below(4)).map { _ in random.pick(Self.textPieces) }.joined()
    }

    mutating func literal() -> Literal {
        switch random.below(7) {
        case 0: return .integer(Int64(random.next() >> UInt64(random.below(63) + 1)))
        case 1: return .decimal(Double(random.below(1_000_000)) / Double(random.pick([1, 8, 1000, 1e9])))
        case 2: return .string(text())
        case 3: return .boolean(random.below(2) == 0)
        case 4: return .date(year: random.below(9999) + 1, month: random.below(12) + 1, day: random.below(28) + 1)
        case 5:
            return random.below(2) == 0
                ? .duration(days: random.below(36_500_001) * random.pick([1, 7]), months: 0)
                : .duration(days: 0, months: random.below(36_500_001) * random.pick([1, 12]))
        default: return .null
        }
    }

    mutating func expression(depth: Int = 0) -> Expression {
        let leaf = depth >= 4 || random.below(3) == 0
        if leaf {
            switch random.below(3) {
            case 0: return .literal(literal(), .none)
            case 1: return .parameter(random.pick(["p", "n_1", "Rate"]), .none)
            default: return .column(name(), .none)
            }
        }
        func sub() -> Expression { expression(depth: depth + 1) }
        switch random.below(9) {
        case 0: return .unary(random.pick([.negate, .not]), sub(), .none)
        case 1:
            let ops: [BinaryOperator] = [
                .or, .and, .equal, .notEqual, .less, .lessEqual, .greater, .greaterEqual,
                .add, .subtract, .multiply, .divide, .modulo,
            ]
            return .binary(random.pick(ops), sub(), sub(), .none)
        case 2:
            let level = random.pick([[BinaryOperator.or], [.and], [.add, .subtract], [.multiply, .divide, .modulo]])
            let links = (0..<(random.below(3) + 2)).map { _ in ChainLink(random.pick(level), sub()) }
            return .chain(sub(), links, .none)
        case 3:
            let arguments = (0..<random.below(3)).map { _ in
                Argument(name: random.below(3) == 0 ? random.pick(["period", "p", "x y"]) : nil, value: sub())
            }
            return .call(random.pick(["sum", "if", "round", "not", "true", "x y", "é"]), arguments, .none)
        case 4: return .inList(sub(), (0..<random.below(4)).map { _ in sub() }, negated: random.below(2) == 0, .none)
        case 5: return .between(sub(), sub(), sub(), negated: random.below(2) == 0, .none)
        case 6: return .isNull(sub(), negated: random.below(2) == 0, .none)
        default: return .column(name(), .none)
        }
    }

    mutating func items() -> [NamedExpression] {
        (0..<(random.below(3) + 1)).map { _ in
            NamedExpression(name: random.below(2) == 0 ? name() : nil, expression: expression())
        }
    }

    mutating func operation() -> Operation {
        switch random.below(14) {
        case 0: return .where(expression())
        case 1: return .select(items())
        case 2: return .derive(items())
        case 3: return .group(items())
        case 4: return .agg(items())
        case 5:
            return .sort(
                (0..<(random.below(3) + 1)).map { _ in
                    SortKey(expression: expression(), descending: random.below(2) == 0)
                })
        case 6: return .take(random.below(1000))
        case 7: return .takeParameter("n")
        case 8: return .distinct((0..<random.below(3)).map { _ in name() })
        case 9:
            return .join(
                table: name(), on: (0..<(random.below(2) + 1)).map { _ in name() }, kind: random.pick([.inner, .left]))
        case 10: return .count
        case 11: return .top(random.below(100), by: expression())
        case 12: return .histogram(expression(), bins: random.below(200) + 1)
        default: return .rfm
        }
    }

    mutating func query() -> Query {
        Query(
            source: name(), sourceSpan: .none,
            operations: (0..<random.below(5)).map { _ in OperationNode(operation(), span: .none) })
    }
}

/// Trees with every span set to `.none`, to compare what two trees say regardless of where their text was.
enum SpanFree {
    static func query(_ query: Query) -> Query {
        Query(
            source: query.source, sourceSpan: .none,
            operations: query.operations.map { OperationNode(operation($0.operation), span: .none) })
    }

    static func items(_ items: [NamedExpression]) -> [NamedExpression] {
        items.map { NamedExpression(name: $0.name, expression: expression($0.expression)) }
    }

    static func operation(_ operation: Operation) -> Operation {
        switch operation {
        case .where(let e): return .where(expression(e))
        case .select(let items): return .select(self.items(items))
        case .derive(let items): return .derive(self.items(items))
        case .group(let items): return .group(self.items(items))
        case .agg(let items): return .agg(self.items(items))
        case .sort(let keys):
            return .sort(keys.map { SortKey(expression: expression($0.expression), descending: $0.descending) })
        case .top(let n, let by): return .top(n, by: expression(by))
        case .histogram(let e, let bins): return .histogram(expression(e), bins: bins)
        case .take, .takeParameter, .distinct, .join, .count, .rfm: return operation
        }
    }

    static func expression(_ e: Expression) -> Expression {
        switch e {
        case .literal(let l, _): return .literal(l, .none)
        case .column(let n, _): return .column(n, .none)
        case .parameter(let n, _): return .parameter(n, .none)
        case .unary(let op, let x, _): return .unary(op, expression(x), .none)
        case .binary(let op, let l, let r, _): return .binary(op, expression(l), expression(r), .none)
        case .call(let n, let args, _):
            return .call(n, args.map { Argument(name: $0.name, value: expression($0.value)) }, .none)
        case .inList(let x, let items, let negated, _):
            return .inList(expression(x), items.map(expression), negated: negated, .none)
        case .between(let x, let low, let high, let negated, _):
            return .between(expression(x), expression(low), expression(high), negated: negated, .none)
        case .isNull(let x, let negated, _): return .isNull(expression(x), negated: negated, .none)
        case .chain(let first, let links, _):
            return .chain(expression(first), links.map { ChainLink($0.op, expression($0.operand)) }, .none)
        }
    }
}
