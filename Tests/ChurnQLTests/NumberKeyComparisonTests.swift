import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLStore
import Foundation
import Testing

/// Numbers typed against text keys: `==`, `!=` and `in` compare with the number's text as written in the query;
/// ordering text against numbers stays an error that explains text keys.
struct NumberKeyComparisonTests {
    static let keys = ["42", "042", "42 ", "-7", "7", "10.10", "10.1", "1e5", "100000"]

    static func engine(_ keys: [String]) throws -> (Engine, URL) {
        let url = try KeyColumnTests.temporaryFile("orders.csv", KeyColumnTests.ordersCSV(keys))
        let engine = Engine()
        _ = try engine.loadFile(path: url.path)
        return (engine, url)
    }

    static func matchingKeys(_ engine: Engine, _ condition: String) throws -> Set<String> {
        let table = try MetricsTests.run(engine, "from customers | where \(condition) | select customer_id")
        return Set(KeyColumnTests.texts(table, "customer_id"))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var condition: String
        /// The texts the numbers stand for; the reference keeps keys equal to one of them (or none, negated).
        var texts: [String]
        var negated = false
        var testDescription: String { condition }
    }

    static let cases: [Case] = [
        Case(condition: "customer_id == 42", texts: ["42"]),
        Case(condition: "42 == customer_id", texts: ["42"]),
        Case(condition: "customer_id = 042", texts: ["042"]),
        Case(condition: "customer_id != 42", texts: ["42"], negated: true),
        Case(condition: "customer_id <> -7", texts: ["-7"], negated: true),
        Case(condition: "customer_id == -7", texts: ["-7"]),
        Case(condition: "customer_id == - 7", texts: ["-7"]),
        Case(condition: "customer_id == 10.10", texts: ["10.10"]),
        Case(condition: "customer_id == 1e5", texts: ["1e5"]),
        Case(condition: "customer_id == 100000", texts: ["100000"]),
        Case(condition: "customer_id in (42, -7, 10.10)", texts: ["42", "-7", "10.10"]),
        Case(condition: "customer_id in (42, \"42 \", 7)", texts: ["42", "42 ", "7"]),
        Case(condition: "customer_id not in (42, 042, 10.1)", texts: ["42", "042", "10.1"], negated: true),
        Case(condition: "customer_id in (43)", texts: ["43"]),
        Case(condition: "upper(customer_id) == 42", texts: ["42"]),
        Case(condition: "customer_id == $id", texts: ["42"]),
        Case(condition: "customer_id in ($id, 7)", texts: ["42", "7"]),
    ]

    @Test(arguments: cases)
    func numberMatchesItsTextAsWritten(_ c: Case) throws {
        let (engine, url) = try Self.engine(Self.keys)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        engine.parameters["id"] = .integer(42)
        let expected = Set(Self.keys.filter { c.texts.contains($0) != c.negated })
        #expect(try Self.matchingKeys(engine, c.condition) == expected)
    }

    /// Differential: integers in `in (…)` select exactly what their quoted texts select, on numeric-looking keys.
    @Test(arguments: [1, 2, 3])
    func integerListEqualsQuotedList(seed: UInt64) throws {
        var generator = FuzzTests.Random(state: seed)
        let keys = (0..<300).map { i -> String in
            let n = generator.below(200) - 20
            return i % 9 == 0 ? "0\(abs(n))" : String(n)
        }
        let (engine, url) = try Self.engine(keys)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let picked = (0..<40).map { _ in generator.below(220) - 20 }
        let numbers = picked.map(String.init).joined(separator: ", ")
        let quoted = picked.map { "\"\($0)\"" }.joined(separator: ", ")
        let byNumbers = try Self.matchingKeys(engine, "customer_id in (\(numbers))")
        #expect(byNumbers == (try Self.matchingKeys(engine, "customer_id in (\(quoted))")))
        #expect(byNumbers == Set(keys.filter { picked.map(String.init).contains($0) }))
        let excluded = try Self.matchingKeys(engine, "customer_id not in (\(numbers))")
        #expect(excluded == Set(keys).subtracting(byNumbers))
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var condition: String
        var hintMentions: String
        var testDescription: String { condition }
    }

    static let errors: [ErrorCase] = [
        ErrorCase(condition: "customer_id < 42", hintMentions: "customer_id < \"42\""),
        ErrorCase(condition: "customer_id >= 1.5", hintMentions: "holds text"),
        ErrorCase(condition: "42 > customer_id", hintMentions: "holds text"),
        ErrorCase(condition: "customer_id between 1 and 50", hintMentions: "holds text"),
        ErrorCase(condition: "customer_id == $rate", hintMentions: "\"10.10\""),
        ErrorCase(condition: "customer_id == orders", hintMentions: "compare text with text"),
        ErrorCase(condition: "customer_id in (1, orders)", hintMentions: "compare text with text"),
    ]

    @Test(arguments: errors)
    func orderingAndUnknownTextsAreLocatedErrors(_ c: ErrorCase) throws {
        let (engine, url) = try Self.engine(Self.keys)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        engine.parameters["rate"] = .decimal(10.1)
        do {
            _ = try Self.matchingKeys(engine, c.condition)
            Issue.record("expected an error for \(c.condition)")
        } catch let diagnostic as Diagnostic {
            #expect(diagnostic.code == "type-mismatch")
            #expect(diagnostic.line == 1)
            #expect(diagnostic.hint?.contains(c.hintMentions) == true, "\(diagnostic.hint ?? "no hint")")
        }
    }

    /// A pasted list of many ids is one lookup, not a chain of comparisons deep enough to exhaust the stack.
    @Test func longIdListsWork() throws {
        let keys = (1...50).map(String.init)
        let (engine, url) = try Self.engine(keys)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let list = (1...100_000).map { String($0 * 2) }.joined(separator: ", ")
        #expect(try Self.matchingKeys(engine, "customer_id in (\(list))") == Set((1...25).map { String($0 * 2) }))
    }
}
