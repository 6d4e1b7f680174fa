import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine
@testable import ChurnQLShell

/// The evaluator, completion and `.help` all read FunctionCatalog and SettingsCatalog: every catalogue function
/// runs, calls are checked against the signature, did-you-mean and completion offer the catalogue's names.
struct FunctionCatalogTests {
    /// The shop example with both models fitted, so that every kind of function can run.
    static func fittedEngine() throws -> Engine {
        let engine = Engine()
        for file in ["customers", "orders"] {
            _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/\(file).csv").path)
        }
        try MetricsTests.run(engine, "fit bgnbd")
        try MetricsTests.run(engine, "fit gammagamma")
        return engine
    }

    static func query(for function: FunctionSignature) -> String {
        switch function.kind {
        case .aggregate, .retentionAggregate: return "from customers | group status | agg v = \(function.example)"
        case .scalar, .customer, .model: return "from customers | take 3 | select v = \(function.example)"
        }
    }

    @Test func everyCatalogueFunctionRunsInTheMemoryEngine() throws {
        let engine = try Self.fittedEngine()
        for function in FunctionCatalog.all where function.backends.contains(.memory) {
            let table = try MetricsTests.run(engine, Self.query(for: function))
            #expect(table?.columns.last?.name == "v", "\(function.name)")
            #expect((table?.rowCount ?? 0) > 0, "\(function.name)")
        }
    }

    /// Each call's error (nil: it runs) and the text its caret starts at (the last occurrence in the step).
    @Test(
        "arguments are checked against the signature",
        arguments: [
            ("select v = lower()", "wrong-arguments", "lower()"),
            ("select v = lower(region, 1)", "wrong-arguments", "1"),
            ("select v = lower(s: region)", "wrong-arguments", "region"),
            ("select v = round(revenue, 2)", nil, nil),
            ("select v = round(revenue, digits: 2)", "wrong-arguments", "2"),
            ("select v = coalesce(\(Array(repeating: "1", count: 16).joined(separator: ", ")))", nil, nil),
            ("select v = coalesce(\(Array(repeating: "1", count: 17).joined(separator: ", ")))", "wrong-arguments", "1"),
            ("select v = clv_formula(0.3)", "wrong-arguments", "0.3"),
            ("select v = clv_formula(margin: 0.3, margin: 0.2)", "wrong-arguments", "0.2"),
            ("select v = expected_spend(3)", "wrong-arguments", "3"),
            ("agg v = churn_rate(30d, period: 60d)", "wrong-arguments", "60d"),
            ("agg v = churn_rate(60d, method: \"average\")", nil, nil),
            ("agg v = repeat_rate(1)", "wrong-arguments", "1"),
            ("agg v = percentile(revenue)", "wrong-arguments", "percentile(revenue)"),
            ("agg v = median_purchase_cycle()", nil, nil),
            ("agg v = gross_revenue_retention(period: 365d)", nil, nil),
            ("agg v = mean(revenue)", nil, nil),
        ] as [(String, String?, String?)])
    func signatureChecks(_ step: String, _ code: String?, _ caretAt: String?) throws {
        let engine = try Self.fittedEngine()
        let prefix = "from customers | take 5 | "
        let error = ArithmeticRangeTests.failure(engine, prefix + step)
        #expect(error?.code == code, "\(step): \(error?.message ?? "no error")")
        let column = caretAt.flatMap { step.range(of: $0, options: .backwards) }.map {
            prefix.count + step.distance(from: step.startIndex, to: $0.lowerBound) + 1
        }
        #expect(error?.column == column, "\(step)")
    }

    /// A one-letter slip in any catalogue function's name suggests that function, including those older hand-kept
    /// lists left out.
    @Test func unknownFunctionSuggestsFromTheCatalogue() throws {
        let engine = try MetricsTests.engine()
        for name in FunctionCatalog.names where name.count >= 4 {
            var letters = Array(name)
            letters.swapAt(1, 2)
            let typo = String(letters)
            guard FunctionCatalog.find(typo) == nil else { continue }
            let error = ArithmeticRangeTests.failure(engine, "from customers | select v = \(typo)()")
            #expect(error?.code == "unknown-function", "\(typo)")
            #expect(error?.hint == "did you mean '\(name)'?", "\(typo): \(error?.hint ?? "")")
        }
    }

    @Test func completionOffersExactlyTheCatalogue() throws {
        let completer = Completer(sources: ["customers"]) { _ in ["revenue"] }
        let offered = try #require(completer.candidates(before: "from customers | agg x = ", word: ""))
        let functions = Set(offered.filter { $0.hasSuffix("(") }.map { String($0.dropLast()) })
        #expect(functions == Set(FunctionCatalog.names))
        let settings = try #require(completer.candidates(before: "set ", word: ""))
        #expect(Set(settings) == Set(SettingsCatalog.names))
        #expect(settings.contains("lost_when"))
    }

    @Test func settingsTableAndDefaultsComeFromTheCatalogue() throws {
        let engine = Engine()
        let table = engine.settingsTable()
        let names = (0..<table.rowCount).map { table.columns[0].value(at: $0).plainText }
        #expect(names == SettingsCatalog.names)
        for setting in SettingsCatalog.all where setting.type == "duration" {
            #expect(engine.settingValue(setting.name) == setting.defaultValue, "\(setting.name)")
        }
        let error = ArithmeticRangeTests.failure(engine, "set lost_whn = none")
        #expect(error?.code == "unknown-setting")
        #expect(error?.hint == "did you mean 'lost_when'?")
    }

    /// `set` accepts every catalogue setting, as its example writes it.
    /// Each on its own session: an earlier asof makes the fitted model stale, and lost_when's example reads p_alive.
    @Test func everyCatalogueSettingCanBeSet() throws {
        for setting in SettingsCatalog.all {
            let engine = try Self.fittedEngine()
            #expect(ArithmeticRangeTests.failure(engine, setting.example) == nil, "\(setting.example)")
        }
    }

    @Test func helpPrintsTheCatalogues() {
        let functions = HelpText.topic("functions")
        for function in FunctionCatalog.all {
            #expect(functions.contains("  \(function.usage) → \(function.result.rawValue)\n"), "\(function.name)")
            #expect(functions.contains(function.summary), "\(function.name)")
        }
        let settings = HelpText.topic("settings")
        #expect(HelpText.topic("set") == settings)
        for setting in SettingsCatalog.all {
            #expect(settings.contains("  \(setting.name) (\(setting.type), default \(setting.defaultValue))"))
        }
    }
}
