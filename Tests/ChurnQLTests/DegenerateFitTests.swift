import Foundation
import Testing

@testable import ChurnQLMetrics

/// Fits on small or degenerate data answer quickly and say honestly whether they converged: never "converged"
/// at an iteration cap, and "at the boundary" when parameters run off to 0 or infinity.
struct DegenerateFitTests {
    /// 10 customers, one order on the 1st of each month for 12 months, first orders a month apart, calibration
    /// ending at the last order (in weeks).
    static func monthly(extraDays: Double = 0) -> CalibrationData {
        let lastOrder = 334.0
        return CalibrationData(
            x: Array(repeating: 11, count: 10), tx: Array(repeating: lastOrder / 7, count: 10),
            T: (0..<10).map { (lastOrder + 30 * Double(9 - $0) + extraDays) / 7 },
            monetary: (0..<10).map { 20 + Double($0) })
    }

    static func checkHonest(_ fit: ModelFit) {
        #expect(fit.iterations > 0)
        if !fit.converged {
            #expect(fit.status == "did not converge after \(fit.iterations) iterations")
            #expect(fit.warning?.contains("did not converge after \(fit.iterations) iterations") == true)
        } else if !fit.boundary.isEmpty {
            #expect(fit.status == "at the boundary")
            #expect(fit.warning?.contains("at the boundary") == true)
        } else {
            #expect(fit.warning == nil)
        }
        #expect(fit.logLikelihood.isFinite)
        #expect(fit.parameters.allSatisfy { $0.value.isFinite && $0.value >= 0 })
    }

    @Test(arguments: [0.0, 30.0])
    func paretoNBDOnRegularBuyers(extraDays: Double) throws {
        let data = Self.monthly(extraDays: extraDays)
        let (model, fit) = try ParetoNBD.fit(data)
        Self.checkHonest(fit)
        #expect(fit.logLikelihood < 0)
        // Every customer buys monthly: the fit's purchase rate must be about one a month (52/12 weeks), whatever
        // the state of the optimiser, and the customer whose last order was a month ago is likely alive.
        let rate = model.r / model.alpha
        #expect(abs(rate - 12.0 / 52) < 0.05, "rate \(rate)")
        #expect(model.probabilityAlive(x: 11, tx: data.tx[9], T: data.T[9]) > 0.5)
        // The parameters that ran off are named, and the fit does not call that an ordinary convergence.
        #expect(fit.status != "converged" || fit.boundary.isEmpty)
        #expect(!fit.boundary.isEmpty || !fit.converged)
    }

    @Test(arguments: [false, true])
    func bgnbdOnRegularBuyers(modified: Bool) throws {
        let data = Self.monthly()
        let (model, fit) = try BGNBD.fit(data, modified: modified)
        Self.checkHonest(fit)
        #expect(abs(model.r / model.alpha - 12.0 / 52) < 0.05, "\(fit.parameters.map(\.value))")
        #expect(!fit.boundary.isEmpty || !fit.converged)
    }

    /// Every order one amount: the model's limit answers at once (no optimiser run) and says so; the expected
    /// spend is that amount for every frequency and for a new customer.
    @Test(arguments: [25.0, 0.01, 1e6])
    func gammaGammaWithHomogeneousSpend(amount: Double) throws {
        let frequency = (0..<20).map { Double(1 + $0 % 5) }
        let monetary = Array(repeating: amount, count: 20)
        let (model, fit) = try GammaGamma.fit(frequency: frequency, monetary: monetary)
        #expect(fit.iterations == 0 && fit.status == "at the boundary")
        #expect(fit.notes.contains { $0.contains("the spend is homogeneous") })
        for x in [0.0, 1, 3, 500] {
            #expect(abs(model.conditionalExpectedSpend(x: x, m: amount) - amount) <= 1e-9 * amount, "x = \(x)")
        }
        // One customer a cent apart is no longer homogeneous: an ordinary fit, no note.
        let (_, spread) = try GammaGamma.fit(frequency: frequency + [2], monetary: monetary + [amount + 0.01])
        #expect(!spread.notes.contains { $0.contains("homogeneous") })
        #expect(spread.iterations > 0)
    }

    @Test func degenerateDataIsAClearError() {
        let one = CalibrationData(x: [3], tx: [10], T: [20], monetary: [5])
        let oneTime = CalibrationData(
            x: Array(repeating: 0, count: 30), tx: Array(repeating: 0, count: 30), T: (0..<30).map { Double($0) })
        let oneDay = CalibrationData(
            x: Array(repeating: 0, count: 30), tx: Array(repeating: 0, count: 30), T: Array(repeating: 0, count: 30))
        for data in [one, oneTime, oneDay] {
            #expect(throws: ModelError.self) { try ParetoNBD.fit(data) }
            #expect(throws: ModelError.self) { try BGNBD.fit(data) }
            #expect(throws: ModelError.self) { try BGNBD.fit(data, modified: true) }
        }
        // Zero and negative mean spends are left out; too few positive ones is an error.
        #expect(throws: ModelError.self) {
            try GammaGamma.fit(frequency: Array(repeating: 2, count: 30), monetary: (0..<30).map { -Double($0) })
        }
    }

    /// The quadrature that replaces the hypergeometric series where it is slow agrees with the series where the
    /// series is quick (ln A₀ = ln(r+s+x) + ln ∫).
    @Test(arguments: [
        [0.55, 10.6, 0.61, 11.7], [1.0, 2.0, 3.0, 50.0], [5.0, 40.0, 0.2, 3.0], [0.3, 1.0, 1.5, 1.2],
    ])
    func dropoutIntegralMatchesTheSeries(_ p: [Double]) {
        for (x, tx, T) in [(2.0, 30.43, 38.86), (0.0, 0.0, 20.0), (7.0, 5.0, 60.0)] where tx < T {
            let rsx = p[0] + p[2] + x
            let (m, b) = p[1] >= p[3] ? (p[1], p[2] + 1) : (p[3], p[0] + x)
            let d = abs(p[1] - p[3])
            let l1 = log(SpecialFunctions.hyp2f1(rsx, b, rsx + 1, d / (m + tx))) - rsx * log(m + tx)
            let l2 = log(SpecialFunctions.hyp2f1(rsx, b, rsx + 1, d / (m + T))) - rsx * log(m + T)
            let series = l1 + log(-expm1(l2 - l1))
            let integral =
                log(rsx) + DropoutIntegral.log(p: p[0] + x, q: p[2] + 1, alpha: p[1], beta: p[3], from: tx, to: T)
            #expect(abs(series - integral) < 1e-9 * Swift.max(1, abs(series)), "\(p) \(x) \(tx) \(T)")
        }
    }
}
