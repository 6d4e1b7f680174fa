import ChurnQLDiagnostics
import ChurnQLEngine
import Foundation
import Testing

@testable import ChurnQLMetrics

/// Orders dated 0001-01-01 or 9999-12-31 among ordinary ones: every statement that walks calendar periods, bins or
/// per-day tables either answers at once or refuses with the dates that stretch the range.
struct ExtremeDateTests {
    static let ordinary = (0..<40).map { i in "c\(i % 12),202\(3 + i % 2)-0\(1 + i % 6)-\(10 + i % 18),\(5 + i)\n" }

    static func engine(extra: String, asof: String? = nil) throws -> Engine {
        let engine = try ExactValueTests.engine([
            ("orders.csv", "customer_id,order_date,amount\n" + ordinary.joined() + extra)
        ])
        if let asof { _ = try MetricsTests.run(engine, "set asof = \(asof)") }
        return engine
    }

    static let strays = [
        ("c1,0001-01-01,10\n", nil, "0001-01-01"), ("c1,9999-12-31,10\n", nil, "9999-12-31"),
        ("", "9999-12-31", "9999-12-31"), ("c1,0001-01-01,10\n", "9999-12-31", "0001-01-01"),
    ]

    @Test(arguments: strays)
    func periodStatementsRefuseWithTheDates(extra: String, asof: String?, named: String) throws {
        let engine = try Self.engine(extra: extra, asof: asof)
        for statement in ["churn weekly", "churn monthly", "churn quarterly", "cohort weekly", "cohort monthly"] {
            do {
                _ = try MetricsTests.run(engine, statement)
                Issue.record("\(statement) answered")
            } catch let error as Diagnostic {
                #expect(error.code == "too-many-periods", "\(statement): \(error.message)")
                #expect(error.message.contains(named) && error.message.contains("more than 2000"), "\(error.message)")
                #expect(error.hint?.contains("set asof") == true && error.hint?.contains("where") == true)
            }
        }
        // What does not walk periods still answers, with the stray customer's tenure in days.
        let tenure = try MetricsTests.cell(engine, "from customers | agg t = max(tenure_days)")
        #expect(tenure.asDouble.map { $0 > 700_000 } == true, "\(tenure)")
    }

    /// Fits on data whose calibration spans millions of days answer (the per-day tables keep only the days used).
    @Test(arguments: ["bgnbd", "mbgnbd", "paretonbd"])
    func fitsAnswerOnFarDatedOrders(model: String) throws {
        let engine = try Self.engine(extra: "c1,0001-01-01,10\n")
        let alive = try MetricsTests.cell(engine, "fit \(model); from customers | agg p = avg(p_alive)").asDouble
        #expect(alive.map { $0 >= 0 && $0 <= 1 } == true, "\(String(describing: alive))")
        let clv = try MetricsTests.cell(
            engine, "fit gammagamma; from customers | select v = predicted_clv(12, 0.01) | agg s = sum(v)"
        ).asDouble
        #expect(clv?.isFinite == true, "\(String(describing: clv))")
    }

    @Test func evaluateRefusesAHoldoutOfMillennia() throws {
        let engine = try Self.engine(extra: "c1,9999-12-31,10\n")
        _ = try MetricsTests.run(engine, "fit bgnbd until 2024-05-31")
        #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, "evaluate") }
        do {
            _ = try MetricsTests.run(engine, "evaluate")
        } catch let error as Diagnostic {
            #expect(error.code == "too-many-periods" && error.message.contains("2024-05-31"), "\(error.message)")
        }
    }

    @Test(arguments: [("0", false), ("1", true), ("10000", true), ("10001", false), ("1000000000", false)])
    func histogramBinsAreCheckedNotClamped(bins: String, answers: Bool) throws {
        let engine = try Self.engine(extra: "c1,0001-01-01,10\n")
        let query = "from customers | histogram tenure_days bins \(bins) | count"
        if answers {
            #expect(try MetricsTests.cell(engine, query).asDouble == Double(bins))
        } else {
            #expect(throws: Diagnostic.self) { try MetricsTests.run(engine, query) }
        }
    }

    /// The day tables renumbered over the days in use give the likelihood of the uncompressed path, which numbers
    /// every distinct value as it comes.
    @Test func usedDaysGiveTheSameLikelihood() throws {
        let days = CalibrationDays(
            x: [0, 3, 1, 0, 5, 3, 2, 0, 7, 1, 4], tx: [0, 20, 5, 0, 700_000, 20, 9, 0, 40, 2, 33],
            T: [50, 60, 60, 700_100, 700_000, 60, 61, 3, 45, 10, 40], unitDays: 7)
        var data = CalibrationData(
            x: days.x.map(Double.init), tx: days.tx.map { Double($0) / 7 }, T: days.T.map { Double($0) / 7 })
        let loose = CompressedTriples(data)
        data.days = days
        let compact = CompressedTriples(data)
        #expect(compact.tValues.count == Set(days.tx + days.T).count)
        for modified in [false, true] {
            for p in [[0.3, 4.0, 0.8, 2.4], [2.0, 0.5, 3.0, 1.5]] {
                let a = BGNBD.Likelihood(loose, modified: modified).evaluate(p)
                let b = BGNBD.Likelihood(compact, modified: modified).evaluate(p)
                #expect(abs(a.0 - b.0) <= 1e-9 * abs(a.0), "\(p)")
                for (u, v) in zip(a.1, b.1) { #expect(abs(u - v) <= 1e-9 * Swift.max(1, abs(u))) }
            }
        }
    }
}
