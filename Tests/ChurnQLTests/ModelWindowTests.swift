import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine
@testable import ChurnQLLoad
@testable import ChurnQLMetrics

/// One calibration period per model set: Gamma-Gamma follows the purchase model's `until`, and predicted_clv
/// never combines models calibrated on different periods.
struct ModelWindowTests {
    static func cdnow() throws -> Engine {
        try SessionStateTests.loaded(SessionStateTests.cdnow)
    }

    static let calibrationEnd = Dates.dayNumber(year: 1997, month: 9, day: 30)

    /// After `fit bgnbd until 1997-09-30`, `fit gammagamma` fits the published 946 customers, the same as an
    /// explicit `until` and as Gamma-Gamma on the calibration data directly.
    @Test(arguments: ["fit gammagamma", "fit gammagamma until 1997-09-30"])
    func gammaGammaTakesTheTransactionWindow(_ statement: String) throws {
        let engine = try Self.cdnow()
        _ = try MetricsTests.run(engine, "set asof = 1998-06-30; fit bgnbd until 1997-09-30; " + statement)
        let state = try #require(engine.predictive)
        let fit = try #require(state.spendFit)
        #expect(state.spendCalibrationEnd == Self.calibrationEnd)
        #expect(fit.customers == 946)
        #expect(abs(fit.value("p") - 6.25) <= 0.005)
        #expect(abs(fit.value("q") - 3.74) <= 0.005)
        #expect(abs(fit.value("gamma") - 15.44) <= 0.005)
        let (reference, _) = try PredictiveModelTests.cdnow()
        let (_, direct) = try GammaGamma.fit(frequency: reference.x, monetary: reference.monetary)
        #expect(fit.value("p") == direct.value("p"))
        #expect(fit.logLikelihood == direct.logLikelihood)
    }

    /// Without a transaction model, Gamma-Gamma's period ends at asof (all 1,139 repeat customers by 1998-06-30).
    @Test func gammaGammaAloneEndsAtAsof() throws {
        let engine = try Self.cdnow()
        _ = try MetricsTests.run(engine, "fit gammagamma")
        #expect(engine.models.spendOnly?.fit.customers == 1139)
        #expect(engine.models.spendOnly?.calibrationEnd == Dates.dayNumber(year: 1998, month: 6, day: 30))
    }

    /// Every fit names its calibration period.
    @Test(arguments: [
        "fit bgnbd until 1997-09-30", "fit gammagamma until 1997-09-30", "fit paretonbd until 1997-09-30",
    ])
    func fitsPrintTheirPeriod(_ statement: String) throws {
        let engine = try Self.cdnow()
        let source = SourceText(name: nil, text: statement)
        let result = try engine.execute(try VerifyTests.statement(statement), source: source)
        guard case .report(let parts, _, _) = result else {
            Issue.record("\(statement) did not report")
            return
        }
        #expect(
            parts.first?.title.contains("calibration 1997-01-01..1997-09-30") == true, "\(parts.first?.title ?? "")")
    }

    /// Models on different periods: predicted_clv is an error naming both, in either order of fitting; once they
    /// agree again it answers.
    @Test(arguments: [
        ["fit bgnbd until 1997-09-30", "fit gammagamma until 1998-06-30"],
        ["fit gammagamma until 1998-06-30", "fit bgnbd until 1997-09-30"],
        ["fit bgnbd until 1997-09-30", "fit gammagamma", "fit bgnbd until 1998-03-31"],
    ])
    func predictedCLVRefusesMismatchedWindows(_ fits: [String]) throws {
        let engine = try Self.cdnow()
        for statement in fits { _ = try MetricsTests.run(engine, statement) }
        let query = "from customers | derive v = predicted_clv(12, 0.01) | agg total = sum(v)"
        do {
            _ = try MetricsTests.run(engine, query)
            Issue.record("predicted_clv combined models on different periods")
        } catch let error as Diagnostic {
            #expect(error.code == "model-windows")
            let transactionsEnd = fits.contains("fit bgnbd until 1998-03-31") ? "1998-03-31" : "1997-09-30"
            let spendEnd = fits.contains("fit gammagamma until 1998-06-30") ? "1998-06-30" : "1997-09-30"
            #expect(error.message.contains(transactionsEnd) && error.message.contains(spendEnd), "\(error.message)")
            #expect(error.hint?.contains("fit gammagamma until \(transactionsEnd)") == true)
        }
        // Spend alone is not a combination.
        _ = try MetricsTests.run(engine, "from customers | derive s = expected_spend() | agg total = sum(s)")
        _ = try MetricsTests.run(engine, "fit gammagamma")
        let total = try MetricsTests.cell(engine, query)
        #expect((total.asDouble ?? 0) > 0)
    }
}
