import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// Integer arithmetic that cannot wrap, dates kept within 0001-01-01 … 9999-12-31, argument ranges and the
/// assert rule. Expected answers come from Swift's own overflow-reporting arithmetic and the calendar helpers.
struct ArithmeticRangeTests {
    static let edges: [Int64] = [.max, .max - 1, .min, .min + 1, -1, 0, 1, 2, 3_037_000_500]

    static func cell(_ query: String) throws -> Value {
        try MetricsTests.cell(try MetricsTests.engine(), query)
    }

    /// The error a statement gives, or nil when it succeeds.
    static func failure(_ engine: Engine, _ text: String) -> Diagnostic? {
        do {
            try MetricsTests.run(engine, text)
            return nil
        } catch let diagnostic as Diagnostic {
            return diagnostic
        } catch {
            return Diagnostic(code: "unexpected", message: "\(error)")
        }
    }

    /// An integer literal, with Int64.min written as an expression (its magnitude is no literal).
    static func literal(_ v: Int64) -> String { v == .min ? "(-9223372036854775807 - 1)" : "(\(v))" }

    @Test("+ - * on every pair of edge values: the exact result or integer-overflow at the operator")
    func integerOperators() throws {
        let engine = try MetricsTests.engine()
        let operators: [(String, (Int64, Int64) -> (partialValue: Int64, overflow: Bool))] = [
            ("+", { $0.addingReportingOverflow($1) }), ("-", { $0.subtractingReportingOverflow($1) }),
            ("*", { $0.multipliedReportingOverflow(by: $1) }),
        ]
        for (symbol, reference) in operators {
            for a in Self.edges {
                for b in Self.edges {
                    let prefix = "from customers | take 1 | select x = "
                    let query = prefix + "\(Self.literal(a)) \(symbol) \(Self.literal(b))"
                    let expected = reference(a, b)
                    if expected.overflow {
                        let error = Self.failure(engine, query)
                        #expect(error?.code == "integer-overflow", "\(query)")
                        // The operator's span starts inside the first bracket.
                        #expect(error?.column == prefix.count + 2, "\(query)")
                    } else {
                        #expect(try MetricsTests.cell(engine, query) == .integer(expected.partialValue), "\(query)")
                    }
                }
            }
        }
    }

    @Test(
        "unary minus, abs, % and / at the edges",
        arguments: [
            ("-(-9223372036854775807 - 1)", nil),
            ("abs(-9223372036854775807 - 1)", nil),
            ("abs(-9223372036854775807)", Value.integer(.max)),
            ("-(9223372036854775807)", .integer(-.max)),
            ("(-9223372036854775807 - 1) % -1", .integer(0)),
            ("7 % 0", .null),
            ("7 / 0", .null),
            ("(-9223372036854775807 - 1) / -1", .decimal(9_223_372_036_854_775_808.0)),
        ] as [(String, Value?)])
    func unaryAndDivision(_ expression: String, _ expected: Value?) throws {
        let engine = try MetricsTests.engine()
        let query = "from customers | take 1 | select x = " + expression
        if let expected {
            #expect(try MetricsTests.cell(engine, query) == expected)
        } else {
            #expect(Self.failure(engine, query)?.code == "integer-overflow")
        }
    }

    @Test func sumIsExactWhenOnlyAPartialSumOverflows() throws {
        let engine = try MetricsTests.engine()
        // A's amounts 10, 5, 20, 30, 15 become 1, 1, max, −max, 1: the running sum passes max, the total is 3.
        let ok =
            "from orders | where customer_id == \"A\" | derive v = if(amount == 20, 9223372036854775807, if(amount == 30, -9223372036854775807, 1)) | agg s = sum(v)"
        #expect(try MetricsTests.cell(engine, ok) == .integer(3))
        let error = Self.failure(engine, "from orders | agg s = sum(9223372036854775807)")
        #expect(error?.code == "integer-overflow")
        #expect(error?.column == 23)
    }

    @Test func calendarBounds() {
        #expect(Dates.firstDay == Dates.dayNumber(year: 1, month: 1, day: 1))
        #expect(Dates.lastDay == Dates.dayNumber(year: 9999, month: 12, day: 31))
        #expect(Dates.checkedDay(Int64(Dates.lastDay) + 1) == nil)
        #expect(Dates.checkedDay(Int64(Dates.firstDay) - 1) == nil)
        #expect(Dates.adding(days: .max, to: 0) == nil)
        #expect(Dates.adding(days: .min, to: 0) == nil)
        #expect(Dates.adding(months: .max, to: 0) == nil)
        #expect(Dates.adding(months: -1, to: Dates.firstDay) == nil)
        #expect(Dates.adding(months: 1, to: Dates.dayNumber(year: 9999, month: 12, day: 1)) == nil)
        #expect(
            Dates.adding(months: 1, to: Dates.dayNumber(year: 9999, month: 11, day: 30))
                == Dates.dayNumber(year: 9999, month: 12, day: 30))
    }

    @Test(
        "date arithmetic at the calendar's ends",
        arguments: [
            ("9999-12-31 + 1", nil), ("9999-12-30 + 1", "9999-12-31"), ("0001-01-01 - 1", nil),
            ("0001-01-02 - 1", "0001-01-01"), ("2024-01-01 + 2147483647", nil), ("2024-01-01 + 3000000000", nil),
            ("2024-01-01 - (-9223372036854775807 - 1)", nil), ("2024-01-01 + 9223372036854775807", nil),
            ("9999-12-01 + 1mo", nil), ("0001-01-31 - 1mo", nil), ("2024-01-31 + 1mo", "2024-02-29"),
            ("0001-01-01 + 36500000d", nil), ("first_order + 100000y", nil), ("asof - 100000y", nil),
        ] as [(String, String?)])
    func dateEdges(_ expression: String, _ expected: String?) throws {
        let engine = try MetricsTests.engine()
        let query = "from customers | take 1 | select d = " + expression
        if let expected {
            #expect(try MetricsTests.cell(engine, query) == .date(try #require(Dates.parseISO(expected))))
        } else {
            let error = Self.failure(engine, query)
            #expect(error?.code == "date-out-of-range", "\(expression)")
            #expect(error?.column == 38)
        }
    }

    @Test func dayDifferencesSpanTheWholeCalendar() throws {
        let span = Int64(Dates.lastDay) - Int64(Dates.firstDay)
        #expect(try Self.cell("from customers | take 1 | select d = 9999-12-31 - 0001-01-01") == .integer(span))
        #expect(try Self.cell("from customers | take 1 | select d = days_between(9999-12-31, 0001-01-01)") == .integer(-span))
    }

    @Test func yearZeroIsNotADateLiteral() {
        let parsed = Parser.parse(SourceText(name: nil, text: "from customers | select d = 0000-01-01"))
        #expect(parsed.diagnostics.first?.message.contains("invalid date") == true)
    }

    @Test func settingAsofBeyondTheCalendarIsAnError() throws {
        let engine = try MetricsTests.engine()
        #expect(Self.failure(engine, "set asof = 9999-12-31 + 1")?.code == "date-out-of-range")
        #expect(Self.failure(engine, "set asof = 9999-12-31") == nil)
    }

    @Test func roundingAnIntegerPastTheRangeIsAnOverflow() throws {
        let engine = try MetricsTests.engine()
        let query = "from customers | take 1 | select x = round(9223372036854775807, -1)"
        #expect(Self.failure(engine, query)?.code == "integer-overflow")
    }

    @Test(
        "round digits",
        arguments: [
            ("round(1234.5678, 2)", Value.decimal(1234.57)), ("round(1234.5678, -2)", .decimal(1200)),
            ("round(1234.5678, 15)", .decimal(1234.5678)), ("round(1234.5678, -15)", .decimal(0)),
            ("round(1e300, 15)", .decimal(1e300)), ("round(1234.5678, 16)", nil), ("round(1.5, 1000)", nil),
            ("round(1.5, 2.5)", nil), ("round(1.5, revenue)", nil),
            // Integers stay exact (a detour through a double would give 9007199254740992 and -9.2e18).
            ("round(9007199254740993)", .integer(9_007_199_254_740_993)),
            ("round(9007199254740993, 2)", .integer(9_007_199_254_740_993)),
            ("floor(-9223372036854775807)", .integer(-9_223_372_036_854_775_807)),
            ("ceil(9007199254740993)", .integer(9_007_199_254_740_993)),
            ("round(12345, -2)", .integer(12300)), ("round(-12350, -2)", .integer(-12400)),
            ("round(12349, -2)", .integer(12300)), ("floor(2.7)", .decimal(2)), ("ceil(-2.5)", .decimal(-2)),
        ] as [(String, Value?)])
    func roundDigits(_ expression: String, _ expected: Value?) throws {
        let engine = try MetricsTests.engine()
        let query = "from customers | take 1 | select x = " + expression
        if let expected {
            #expect(try MetricsTests.cell(engine, query) == expected)
        } else {
            #expect(Self.failure(engine, query)?.code == "wrong-arguments")
        }
    }

    @Test(
        "clv_formula ranges",
        arguments: [
            "margin: 2", "margin: -0.1", "discount: 1", "discount: -0.5", "horizon: 101", "horizon: 1e400",
            "horizon: 2.5", "retention: 1.5", "retention: -1", "margin: revenue",
        ])
    func formulaArgumentsOutOfRange(_ argument: String) throws {
        let engine = try MetricsTests.engine()
        let error = Self.failure(engine, "from customers | select c = clv_formula(\(argument))")
        #expect(error?.code == "argument-out-of-range" || error?.code == "wrong-arguments", "\(argument)")
        #expect(error?.column == 41 + argument.split(separator: ":")[0].count + 2, "\(argument)")
    }

    @Test func formulaWithHorizonZeroIsZero() throws {
        let value = try Self.cell("from customers | where customer_id == \"B\" | select v = clv_formula(horizon: 0)")
        #expect(value == .decimal(0))
    }

    /// (statement, passes): `==` and `!=` are exact; `within` allows |x − y| ≤ TOL.
    @Test(
        "assert rule",
        arguments: [
            ("assert 0.1 + 0.2 == 0.3", false), ("assert 0.1 + 0.2 != 0.3", true),
            ("assert 0.1 + 0.2 == 0.3 within 1e-9", true), ("assert 0.1 + 0.2 != 0.3 within 1e-9", false),
            ("assert 3 == 3.0", true), ("assert 3 != 3.0", false), ("assert 10 == 12 within 2", true),
            ("assert 10 == 12 within 1.9", false), ("assert 10 != 12 within 1.9", true),
            ("assert from customers | count == 5", true), ("assert from customers | count == 6 within 1", true),
            ("assert from customers | agg r = sum(revenue) == 290.1 within 0.2", true),
            ("assert from customers | agg r = sum(revenue) == 290.1", false),
        ])
    func assertRule(_ statement: String, _ passes: Bool) throws {
        let engine = try MetricsTests.engine()
        let error = Self.failure(engine, statement)
        #expect((error == nil) == passes, "\(statement): \(error?.message ?? "passed")")
        if !passes { #expect(error?.code == "assertion-failed") }
    }

    @Test(arguments: ["assert 1 == 1 within -1", "assert 1 == 1 within \"x\"", "assert 1 < 2 within 1"])
    func badTolerance(_ statement: String) throws {
        let engine = try MetricsTests.engine()
        let error = Self.failure(engine, statement)
        #expect(error != nil && error?.code != "assertion-failed", "\(statement)")
    }
}
