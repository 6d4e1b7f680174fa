import ChurnQLDiagnostics
import Testing

@testable import ChurnQLSyntax

// MARK: - Helpers: span-free renderings of tokens and trees, so expectations read like the grammar.

private func lex(_ text: String) -> Lexer.Result { Lexer.lex(SourceText(name: nil, text: text)) }

/// The token kinds without the trailing `.end`.
private func kinds(_ text: String) -> [TokenKind] {
    var result = lex(text).tokens.map(\.kind)
    if result.last == .end { result.removeLast() }
    return result
}

private func parse(_ text: String) -> ParseResult { Parser.parse(SourceText(name: nil, text: text)) }

private func render(_ literal: Literal) -> String {
    switch literal {
    case .integer(let v): return "\(v)"
    case .decimal(let v): return "\(v)"
    case .string(let s): return "'\(s)'"
    case .boolean(let b): return b ? "true" : "false"
    case .date(let y, let m, let d): return "date(\(y)-\(m)-\(d))"
    case .duration(let days, let months): return "dur(\(days)d,\(months)mo)"
    case .null: return "null"
    }
}

/// A prefix S-expression, e.g. `(+ a (* b c))`.
private func render(_ e: Expression) -> String {
    switch e {
    case .literal(let l, _): return render(l)
    case .column(let name, _): return name
    case .parameter(let name, _): return "$" + name
    case .unary(let op, let operand, _): return "(\(op == .negate ? "neg" : "not") \(render(operand)))"
    case .binary(let op, let l, let r, _): return "(\(op.rawValue) \(render(l)) \(render(r)))"
    case .chain(let first, let links, _):
        return links.reduce(render(first)) { "(\($1.op.rawValue) \($0) \(render($1.operand)))" }
    case .call(let name, let args, _):
        let rendered = args.map { ($0.name.map { "\($0): " } ?? "") + render($0.value) }
        return "\(name)(\(rendered.joined(separator: ", ")))"
    case .inList(let x, let items, let negated, _):
        return "(\(negated ? "not-in" : "in") \(render(x)) [\(items.map(render).joined(separator: " "))])"
    case .between(let x, let lo, let hi, let negated, _):
        return "(\(negated ? "not-between" : "between") \(render(x)) \(render(lo)) \(render(hi)))"
    case .isNull(let x, let negated, _): return "(\(negated ? "is-not-null" : "is-null") \(render(x)))"
    }
}

private func render(_ items: [NamedExpression]) -> String {
    items.map { ($0.name.map { "\($0)=" } ?? "") + render($0.expression) }.joined(separator: ", ")
}

private func render(_ op: Operation) -> String {
    switch op {
    case .where(let e): return "where \(render(e))"
    case .select(let items): return "select \(render(items))"
    case .derive(let items): return "derive \(render(items))"
    case .group(let items): return "group \(render(items))"
    case .agg(let items): return "agg \(render(items))"
    case .sort(let keys):
        return "sort " + keys.map { ($0.descending ? "-" : "+") + render($0.expression) }.joined(separator: ", ")
    case .take(let n): return "take \(n)"
    case .distinct(let columns): return "distinct [\(columns.joined(separator: ", "))]"
    case .join(let table, let on, let kind): return "join \(kind.rawValue) \(table) on [\(on.joined(separator: ", "))]"
    case .count: return "count"
    case .top(let n, let by): return "top \(n) by \(render(by))"
    case .rfm: return "rfm"
    default: return String(describing: op)  // steps added later render structurally
    }
}

private func render(_ q: Query) -> String {
    ([q.source] + q.operations.map { render($0.operation) }).joined(separator: " | ")
}

private func render(_ s: Statement) -> String {
    switch s {
    case .query(let q): return "query \(render(q))"
    case .let(let name, let q): return "let \(name) = \(render(q))"
    case .load(let path, let alias, let options):
        return
            "load '\(path)' as \(alias ?? "-") with (\(options.map { "\($0.key): \(render($0.value))" }.joined(separator: ", ")))"
    case .set(let name, let value): return "set \(name) = \(render(value))"
    case .param(let name, let value): return "param \(name) = \(render(value))"
    case .showSettings: return "show settings"
    case .tables: return "tables"
    case .describe(let name): return "describe \(name)"
    case .explain(let name): return "explain \(name)"
    case .export(let q, let path): return "export \(render(q)) to '\(path)'"
    case .print(let text): return "print '\(text)'"
    case .printQuery(let q): return "print \(render(q))"
    case .assert(let a):
        var out = "assert " + (a.query.map(render) ?? a.expression.map(render) ?? "?")
        if let op = a.comparison, let expected = a.expected { out += " \(op.rawValue) \(render(expected))" }
        if let (lo, hi) = a.range { out += " between \(render(lo)) and \(render(hi))" }
        return out
    case .churn(let p): return "churn \(p.rawValue)"
    case .cohort(let p, let byRevenue, let shares): return "cohort \(p.rawValue) \(byRevenue) \(shares)"
    case .fit(let model, _, _): return "fit \(model)"
    case .evaluate: return "evaluate"
    case .compareModels: return "compare models"
    default: return String(describing: s)
    }
}

/// The one statement of `text`, rendered; records an issue on diagnostics or a different count.
private func statement(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
    let result = parse(text)
    #expect(result.diagnostics.isEmpty, "\(result.diagnostics.map(\.message))", sourceLocation: sourceLocation)
    #expect(result.statements.count == 1, sourceLocation: sourceLocation)
    return result.statements.first.map { render($0.statement) }
}

private func expression(_ text: String) -> String? {
    let (e, diagnostics) = Parser.parseExpression(SourceText(name: nil, text: text))
    guard diagnostics.isEmpty else { return "error: \(diagnostics.map(\.message))" }
    return e.map(render)
}

// MARK: - Lexer

@Suite("Lexer")
struct LexerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var text: String
        var kinds: [TokenKind]
        var testDescription: String { text }
    }

    @Test(
        "token kinds",
        arguments: [
            Case(text: "2024-03-15", kinds: [.date(year: 2024, month: 3, day: 15)]),
            Case(text: "2024-02-29", kinds: [.date(year: 2024, month: 2, day: 29)]),
            Case(text: "90d", kinds: [.duration(days: 90, months: 0)]),
            Case(text: "12w", kinds: [.duration(days: 84, months: 0)]),  // 12 × 7
            Case(text: "6mo", kinds: [.duration(days: 0, months: 6)]),
            Case(text: "1y", kinds: [.duration(days: 0, months: 12)]),
            Case(text: "2Y", kinds: [.duration(days: 0, months: 24)]),  // units are case-insensitive
            Case(text: "'hello world'", kinds: [.string("hello world")]),
            Case(text: "\"double\"", kinds: [.string("double")]),
            Case(text: #""a\"b""#, kinds: [.string("a\"b")]),
            Case(text: #"'tab\there'"#, kinds: [.string("tab\there")]),
            Case(text: "'it''s'", kinds: [.string("it"), .string("s")]),  // no SQL-style doubling
            Case(text: "42", kinds: [.integer(42)]),
            Case(text: "3.25", kinds: [.decimal(3.25)]),
            Case(text: ".5", kinds: [.decimal(0.5)]),
            Case(text: "1e3", kinds: [.decimal(1000)]),
            Case(text: "2.5E-1", kinds: [.decimal(0.25)]),
            Case(text: "99999999999999999999", kinds: [.decimal(1e20)]),  // beyond Int64
            Case(text: "==", kinds: [.symbol("==")]),
            Case(text: "=", kinds: [.symbol("=")]),
            Case(text: "!=", kinds: [.symbol("!=")]),
            Case(text: "<>", kinds: [.symbol("!=")]),  // an alias of !=
            Case(text: "<= >= < >", kinds: [.symbol("<="), .symbol(">="), .symbol("<"), .symbol(">")]),
            Case(text: "a==1", kinds: [.identifier("a"), .symbol("=="), .integer(1)]),
            Case(text: "$since", kinds: [.parameter("since")]),
            Case(text: "`order date`", kinds: [.identifier("order date")]),
            Case(text: "`a``b`", kinds: [.identifier("a`b")]),  // a doubled backquote stands for one
            Case(text: "````", kinds: [.identifier("`")]),
            Case(text: "``", kinds: [.identifier("")]),
            Case(text: "`a` `b`", kinds: [.identifier("a"), .identifier("b")]),
            Case(text: "`--x|\"y`", kinds: [.identifier("--x|\"y")]),
            Case(text: "x # comment", kinds: [.identifier("x")]),
            Case(text: "x -- comment", kinds: [.identifier("x")]),
            Case(text: "a - -1", kinds: [.identifier("a"), .symbol("-"), .symbol("-"), .integer(1)]),
            Case(text: "a;b", kinds: [.identifier("a"), .semicolon, .identifier("b")]),
        ])
    func tokenKinds(_ c: Case) {
        let result = lex(c.text)
        #expect(result.diagnostics.isEmpty)
        #expect(kinds(c.text) == c.kinds)
        #expect(result.tokens.last?.kind == .end)
    }

    @Test func tokenSpansAreOneBasedLineAndColumn() {
        let tokens = lex("from t\n  | take 90d").tokens
        // from(1:1) t(1:6) newline… '|' at 2:3, take 2:5, 90d 2:10.
        let pipe = tokens.first { $0.isSymbol("|") }
        #expect(pipe?.span.line == 2)
        #expect(pipe?.span.column == 3)
        let duration = tokens.first { $0.kind == .duration(days: 90, months: 0) }
        #expect(duration?.span.line == 2)
        #expect(duration?.span.column == 10)
        #expect(duration?.text == "90d")
    }

    @Test(
        "lex errors",
        arguments: [
            ("2024-02-30", "invalid date"),
            ("2023-13-01", "invalid date"),
            ("5x", "unknown duration unit"),
            ("3days", "unknown duration unit"),
            ("a @ b", "unexpected character"),
            ("$", "parameter name"),
            ("`open", "unterminated"),
        ])
    func lexErrors(_ text: String, _ message: String) {
        let diagnostics = lex(text).diagnostics
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.message.contains(message) == true)
        #expect(diagnostics.first?.line == 1)
    }

    @Test("a backquoted name ends at its line", arguments: ["x `a``", "x `a``\nb`", "x ```", "x `a\nb`"])
    func unterminatedQuotedName(_ text: String) {
        let d = lex(text).diagnostics.first
        #expect(d?.message == "unterminated `quoted name`")
        #expect(d?.column == 3)
    }

    @Test func lexErrorColumn() {
        let d = lex("from t | where d > 2024-02-30").diagnostics.first
        // "from t | where d > " is 19 characters, so the date starts at column 20.
        #expect(d?.column == 20)
        #expect(d?.hint?.contains("yyyy-MM-dd") == true)
    }

    @Test(
        "incomplete input",
        arguments: [
            ("from customers |", true),
            ("from customers |\n", true),
            ("from customers | where (x > 1", true),
            ("from customers | where x in (1, 2,", true),
            ("print 'unterminated", true),
            ("print \"line one\nline two", true),
            ("from customers | where (x > 1)", false),
            ("from customers | take 5", false),
            ("print 'done'", false),
            ("", false),
        ])
    func incomplete(_ text: String, _ expected: Bool) {
        #expect(lex(text).isIncomplete == expected)
        #expect(parse(text).isIncomplete == expected)
    }

    @Test func multiLineStringTokenStartsWhereItsQuoteIs() throws {
        // The string opens at line 1, column 15 ("from t | take " is 14 characters) and ends on line 2.
        let result = parse("from t | take \"a\nb\"")
        let d = try #require(result.diagnostics.first)
        #expect(d.message.contains("row count"))
        #expect(d.line == 1)
        #expect(d.column == 15)

    }

    @Test(
        "huge durations are a diagnostic, not an overflow trap",
        arguments: ["2000000000000000000w", "1000000000000000000y"])
    func hugeDurations(_ text: String) {
        let result = lex(text)
        #expect(result.diagnostics.count == 1)
    }

    @Test func largestSafeDurationsLex() {
        // Durations are capped at 36,500,000 units (100,000 years in days): the cap itself lexes.
        #expect(kinds("36500000w") == [.duration(days: 255_500_000, months: 0)])
        #expect(kinds("36500000y") == [.duration(days: 0, months: 438_000_000)])
        #expect(lex("36500001d").diagnostics.first?.message.contains("too large") == true)
        // A day count beyond Int is reported.
        #expect(lex("99999999999999999999d").diagnostics.first?.message.contains("too large") == true)
    }

    @Test func unterminatedStringIsReportedWhereItOpened() {
        let d = lex("print 'abc").diagnostics.first
        #expect(d?.code == "unterminated-string")
        #expect(d?.column == 7)
    }

    @Test func newlinesInsideBracketsAndAfterOperatorsVanish() {
        // One statement: the newlines follow '(' ',' '+' 'and' or precede '|'.
        #expect(kinds("f(\n1,\n2\n)").filter { $0 == .newline }.isEmpty)
        #expect(kinds("a +\n b").filter { $0 == .newline }.isEmpty)
        #expect(kinds("a and\n b").filter { $0 == .newline }.isEmpty)
        #expect(kinds("from t\n| take 1").filter { $0 == .newline }.isEmpty)
        #expect(kinds("from t\n\n  | take 1").filter { $0 == .newline }.isEmpty)
        // A newline after a complete line ends the statement (blank lines collapse into one).
        #expect(kinds("tables\n\n\ntables") == [.identifier("tables"), .newline, .identifier("tables")])
    }
}

// MARK: - Parser: expressions

@Suite("Parser: expressions")
struct ExpressionParserTests {
    @Test(
        "precedence and forms",
        arguments: [
            ("a + b * c", "(+ a (* b c))"),
            ("(a + b) * c", "(* (+ a b) c)"),
            ("a - b - c", "(- (- a b) c)"),
            ("a / b % c", "(% (/ a b) c)"),
            ("-a * b", "(* (neg a) b)"),
            ("not a and b", "(and (not a) b)"),
            ("not (a and b)", "(not (and a b))"),
            ("a or b and c", "(or a (and b c))"),
            ("a and b or c", "(or (and a b) c)"),
            ("a + 1 > b * 2", "(> (+ a 1) (* b 2))"),
            ("a = 1", "(== a 1)"),
            ("a == 1", "(== a 1)"),
            ("a != 1", "(!= a 1)"),
            ("a <> 1", "(!= a 1)"),
            ("not a = 1", "(not (== a 1))"),
            ("x between 1 and 2", "(between x 1 2)"),
            ("x between 1 and 2 and y", "(and (between x 1 2) y)"),
            ("x not between a + 1 and 10", "(not-between x (+ a 1) 10)"),
            ("x in (1,2)", "(in x [1 2])"),
            ("x in ()", "(in x [])"),
            ("x not in ('a', 'b')", "(not-in x ['a' 'b'])"),
            ("x is null", "(is-null x)"),
            ("x is not null", "(is-not-null x)"),
            ("x is not null and y is null", "(and (is-not-null x) (is-null y))"),
            ("TRUE or false", "(or true false)"),
            ("null", "null"),
            ("d >= 2024-01-01 - 90d", "(>= d (- date(2024-1-1) dur(90d,0mo)))"),
            ("$since", "$since"),
            ("Churn_Rate(period: 30d, x)", "churn_rate(period: dur(30d,0mo), x)"),
            ("count()", "count()"),
            ("f(g(1), 2.5)", "f(g(1), 2.5)"),
            ("'a' + \"b\"", "(+ 'a' 'b')"),
        ])
    func parsesExpression(_ text: String, _ expected: String) {
        #expect(expression(text) == expected)
    }

    @Test(
        "expression errors",
        arguments: [
            ("a +", "expected a value"),
            ("x between 1", "expected 'and'"),
            ("x is 3", "expected 'null'"),
            ("(a + b", "never closed"),
            ("a b", "after the expression"),
        ])
    func expressionErrors(_ text: String, _ message: String) {
        let (e, diagnostics) = Parser.parseExpression(SourceText(name: nil, text: text))
        #expect(e == nil)
        #expect(diagnostics.contains { $0.message.contains(message) }, "\(diagnostics.map(\.message))")
    }

    @Test func deepParenthesisNestingIsADiagnosticNotACrash() {
        let open = String(repeating: "(", count: 10_000)
        let close = String(repeating: ")", count: 10_000)
        let balanced = parse("from t | where \(open)x\(close) > 1")
        #expect(balanced.statements.isEmpty)
        #expect(balanced.diagnostics.contains { $0.message.contains("nested too deeply") })

        let unbalanced = parse("from t | where " + open + "x")
        #expect(unbalanced.isIncomplete)
        #expect(!unbalanced.diagnostics.isEmpty)

        let (e, diagnostics) = Parser.parseExpression(SourceText(name: nil, text: open + "1" + close))
        #expect(e == nil)
        #expect(!diagnostics.isEmpty)
    }

    @Test func deepUnaryNestingIsADiagnosticNotACrash() {
        let nots = String(repeating: "not ", count: 10_000)
        #expect(!parse("from t | where \(nots)x").diagnostics.isEmpty)
        let minuses = String(repeating: "- ", count: 10_000)
        #expect(!parse("from t | derive y = \(minuses)1").diagnostics.isEmpty)
    }

    /// A too-deep expression must not leave the depth counter raised for the statements after it in the same text
    /// (the REPL parses a whole input at once): the deepest form that parses alone still parses after one.
    @Test(
        "nesting limit resets after a too-deep statement",
        arguments: [("(", ")"), ("not ", ""), ("- ", "")])
    func nestingLimitResetsAfterATooDeepStatement(_ opening: String, _ closing: String) throws {
        func statement(_ n: Int) -> String {
            "from t | where " + String(repeating: opening, count: n) + "x" + String(repeating: closing, count: n)
        }
        let name = opening
        let deepest = try #require((200...300).last { parse(statement($0)).diagnostics.isEmpty }, "\(name)")
        #expect(parse(statement(deepest + 1)).diagnostics.count == 1)
        let text = [statement(deepest + 1), statement(deepest), statement(deepest + 40), statement(deepest)]
            .joined(separator: "\n")
        let result = parse(text)
        #expect(result.diagnostics.map(\.line) == [1, 3], "\(name)")
        #expect(result.statements.count == 2, "\(name)")
    }

    @Test func bracketDepthLimitIs255() {
        let brackets = { (n: Int) in String(repeating: "(", count: n) + "x" + String(repeating: ")", count: n) }
        #expect(
            parse("from t | where \(brackets(255))\nfrom t | where \(brackets(256))").diagnostics.map(\.line) == [2])
        #expect(
            parse("from t | where \(brackets(256))\nfrom t | where \(brackets(255))").diagnostics.map(\.line) == [1])
    }

    @Test func moderateNestingStillParses() {
        let open = String(repeating: "(", count: 50)
        let close = String(repeating: ")", count: 50)
        #expect(expression(open + "a + 1" + close) == "(+ a 1)")
    }
}

// MARK: - Parser: pipelines

@Suite("Parser: pipeline steps")
struct PipelineParserTests {
    @Test(
        "each step",
        arguments: [
            ("from customers", "query customers"),
            ("from customers | where x > 1", "query customers | where (> x 1)"),
            ("from customers | filter x > 1", "query customers | where (> x 1)"),
            ("from orders | select id, total = amount * 2", "query orders | select id, total=(* amount 2)"),
            // `==` after a name is a comparison, not a naming.
            ("from orders | select a == 1", "query orders | select (== a 1)"),
            ("from orders | derive big = amount > 100, y = 1", "query orders | derive big=(> amount 100), y=1"),
            (
                "from orders | group customer_id | agg n = count(), total = sum(amount)",
                "query orders | group customer_id | agg n=count(), total=sum(amount)"
            ),
            ("from orders | aggregate sum(amount)", "query orders | agg sum(amount)"),
            ("from orders | sort -total, name, +id", "query orders | sort -total, +name, +id"),
            ("from orders | take 10", "query orders | take 10"),
            ("from orders | limit 0", "query orders | take 0"),
            ("from orders | distinct", "query orders | distinct []"),
            ("from orders | distinct a, b", "query orders | distinct [a, b]"),
            ("from orders | join customers on customer_id", "query orders | join inner customers on [customer_id]"),
            (
                "from orders | join left customers on customer_id, region",
                "query orders | join left customers on [customer_id, region]"
            ),
            ("from orders | join inner c on id", "query orders | join inner c on [id]"),
            ("from orders | count", "query orders | count"),
            ("from customers | top 5 by revenue", "query customers | top 5 by revenue"),
            ("from customers | top 3 by a + b", "query customers | top 3 by (+ a b)"),
            ("from customers | rfm", "query customers | rfm"),
            (
                "from orders | where amount > 0 | group c | agg s = sum(amount) | sort -s | take 3",
                "query orders | where (> amount 0) | group c | agg s=sum(amount) | sort -s | take 3"
            ),
        ])
    func step(_ text: String, _ expected: String) {
        #expect(statement(text) == expected)
    }

    @Test func operationSpansCoverTheStep() throws {
        let result = parse("from orders | take 10")
        let node = try #require(result.statements.first)
        guard case .query(let q) = node.statement else {
            Issue.record("not a query")
            return
        }
        // "take" starts at column 15; "take 10" is 7 bytes long.
        #expect(q.operations.first?.span.column == 15)
        #expect(q.operations.first.map { $0.span.end - $0.span.start } == 7)
        #expect(q.sourceSpan.column == 6)
    }
}

// MARK: - Parser: statements

@Suite("Parser: statements")
struct StatementParserTests {
    @Test(
        "statement forms",
        arguments: [
            ("let big = from orders | where amount > 100", "let big = orders | where (> amount 100)"),
            (
                #"load "data/orders.csv" as orders with (delimiter: ";", header: false, date_format: "%d.%m.%Y")"#,
                "load 'data/orders.csv' as orders with (delimiter: ';', header: false, date_format: '%d.%m.%Y')"
            ),
            (#"load "x.csv""#, "load 'x.csv' as - with ()"),
            (#"load "x.csv" with (Skip_Bad_Rows = true)"#, "load 'x.csv' as - with (skip_bad_rows: true)"),
            ("set churn_window = 90d", "set churn_window = dur(90d,0mo)"),
            ("set Churn_Window 6mo", "set churn_window = dur(0d,6mo)"),
            ("set as_of == 2024-01-01", "set as_of = date(2024-1-1)"),
            ("show settings", "show settings"),
            ("SHOW Settings", "show settings"),
            ("tables", "tables"),
            ("describe orders", "describe orders"),
            ("explain churn_rate", "explain churn_rate"),
            ("explain Churn_Rate()", "explain churn_rate"),
            (#"export from customers | take 10 to "out.csv""#, "export customers | take 10 to 'out.csv'"),
            (#"print "hello""#, "print 'hello'"),
            ("print from customers | count", "print customers | count"),
            ("assert from customers | count == 2357", "assert customers | count == 2357"),
            ("assert from customers | count = 2357", "assert customers | count == 2357"),
            ("assert from orders | count >= 1", "assert orders | count >= 1"),
            ("assert churn_rate() between 0.1 and 0.3", "assert churn_rate() between 0.1 and 0.3"),
            ("assert from customers | count between 1 and 10", "assert customers | count between 1 and 10"),
            ("assert avg_order_value() != 0", "assert avg_order_value() != 0"),
            ("param since = 2024-01-01", "param since = date(2024-1-1)"),
        ])
    func statementForm(_ text: String, _ expected: String) {
        #expect(statement(text) == expected)
    }

    @Test func lineStartingWithPipeContinuesTheStatement() {
        let result = parse("from customers\n| where x > 1\n   | take 5\nfrom orders | count")
        #expect(result.diagnostics.isEmpty)
        #expect(
            result.statements.map { render($0.statement) } == [
                "query customers | where (> x 1) | take 5", "query orders | count",
            ])
        // The first statement spans lines 1–3.
        #expect(result.statements.first?.span.line == 1)
        #expect(result.statements.last?.span.line == 4)
    }

    @Test func trailingPipeContinuesOnTheNextLine() {
        let result = parse("from customers |\n  where x > 1 |\n  take 5")
        #expect(result.diagnostics.isEmpty)
        #expect(result.statements.map { render($0.statement) } == ["query customers | where (> x 1) | take 5"])
    }

    @Test func statementsSplitOnNewlinesAndSemicolons() {
        let result = parse("tables; show settings\n\ndescribe t;")
        #expect(result.diagnostics.isEmpty)
        #expect(result.statements.map { render($0.statement) } == ["tables", "show settings", "describe t"])
    }

    @Test func unknownStepHasLineColumnAndHint() throws {
        let result = parse("from customers | wher x > 1")
        let d = try #require(result.diagnostics.first)
        #expect(result.diagnostics.count == 1)
        #expect(d.code == "syntax-error")
        #expect(d.line == 1)
        // f=1 … "from customers | " is 17 characters, so "wher" starts at column 18.
        #expect(d.column == 18)
        #expect(d.length == 4)
        #expect(d.message.contains("wher"))
        #expect(d.hint?.contains("'where'") == true)
        #expect(d.sourceLine == "from customers | wher x > 1")
    }

    @Test func errorOnALaterLineOfAMultilineStatement() throws {
        let result = parse("let v = from t\n| sort -x\n| take abc")
        let d = try #require(result.diagnostics.first)
        // "| take abc": the count starts at column 8 of line 3.
        #expect(d.line == 3)
        #expect(d.column == 8)
        #expect(d.message.contains("row count"))
        #expect(d.sourceLine == "| take abc")
    }

    @Test func unknownStatementSuggestsTheClosestWord() throws {
        let d = try #require(parse("  descrbe orders").diagnostics.first)
        #expect(d.column == 3)
        #expect(d.hint?.contains("'describe'") == true)
    }

    @Test func missingPipeHintsAtJoiningSteps() throws {
        let d = try #require(parse("from t where x > 1").diagnostics.first)
        #expect(d.column == 8)
        #expect(d.hint?.contains("'|'") == true)
    }

    @Test func parserRecoversAndReportsEveryBrokenStatement() {
        let result = parse("from a | wher x\nfrom b | take 1\nfrom c | take x\ntables")
        #expect(result.statements.map { render($0.statement) } == ["query b | take 1", "tables"])
        #expect(result.diagnostics.map(\.line) == [1, 3])
    }

    @Test func lexErrorsStopParsingButAreReported() {
        let result = parse("from t | where d > 2024-02-30")
        #expect(result.statements.isEmpty)
        #expect(result.diagnostics.map(\.code) == ["lex-error"])
    }

    @Test func unclosedParenthesisNamesWhereItOpened() throws {
        let d = try #require(parse("from t | where (x > 1 | take 3").diagnostics.first)
        #expect(d.message.contains("'('"))
        #expect(d.message.contains("1:16"))
    }

    @Test(
        "statement errors",
        arguments: [
            ("show tables", "expected 'settings'"),
            ("export from t", "expected 'to"),
            ("assert from t | count", "expected a comparison"),
            ("let = from t", "expected a view name"),
            ("load orders.csv", "file name"),
            ("from t | take -1", "row count"),
            ("from t | top 3 revenue", "expected 'by'"),
            ("from t | join c", "expected 'on'"),
            ("from t |", "pipeline step"),
        ])
    func statementErrors(_ text: String, _ message: String) {
        let result = parse(text)
        #expect(result.statements.isEmpty)
        #expect(result.diagnostics.contains { $0.message.contains(message) }, "\(result.diagnostics.map(\.message))")
    }
}
