import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad
@testable import ChurnQLMetrics

/// BG/NBD, MBG/NBD and Gamma-Gamma against the published CDNOW results and hand-checkable identities.
struct PredictiveModelTests {
    /// The CDNOW calibration data: orders up to 1997-09-30, time in weeks.
    static func cdnow() throws -> (CalibrationData, OrderHistory) {
        let path = GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv").path
        let table = try CSVLoader.load(path: path, name: "orders").table
        let cutoff = Dates.dayNumber(year: 1997, month: 9, day: 30)
        let history = OrderHistory.build(
            customer: try #require(table.column("customer_id")), date: try #require(table.column("order_date")),
            amount: table.column("amount"), asof: Dates.dayNumber(year: 1998, month: 6, day: 30))
        return (Calibration.data(history: history, cutoff: cutoff, unitDays: 7), history)
    }

    /// Fader, Hardie & Lee (2005), table 1: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
    @Test func bgnbdReproducesThePublishedCDNOWFit() throws {
        let (data, _) = try Self.cdnow()
        #expect(data.count == 2357)
        let (model, fit) = try BGNBD.fit(data)
        #expect(abs(model.r - 0.243) < 0.0005)
        #expect(abs(model.alpha - 4.414) < 0.0005)
        #expect(abs(model.a - 0.793) < 0.0005)
        #expect(abs(model.b - 2.426) < 0.0005)
        #expect(abs(fit.logLikelihood - -9582.4) < 0.05)
        #expect(fit.converged)
        #expect(fit.parameters.allSatisfy { ($0.standardError ?? 0) > 0 })
    }

    /// Fader & Hardie (2013): p = 6.25, q = 3.74, γ = 15.44 on the 946 repeat customers.
    @Test func gammaGammaReproducesThePublishedCDNOWFit() throws {
        let (data, _) = try Self.cdnow()
        let (model, fit) = try GammaGamma.fit(frequency: data.x, monetary: data.monetary)
        #expect(fit.customers == 946)
        #expect(abs(model.p - 6.25) < 0.005)
        #expect(abs(model.q - 3.74) < 0.005)
        #expect(abs(model.gamma - 15.44) < 0.005)
        // Independent reference: lifetimes' GammaGammaFitter(penalizer_coef=0) on the same 946 (x, m̄) pairs gives
        // p = 6.249572, q = 3.744225, v = 15.443521 (run in scripts/bench's virtualenv; scipy Nelder-Mead agrees).
        #expect(abs(model.p - 6.249572) < 1e-4)
        #expect(abs(model.q - 3.744225) < 1e-4)
        #expect(abs(model.gamma - 15.443521) < 1e-3)
    }

    /// Hardie's spreadsheet: with the published parameters, a customer with x = 2, t_x = 30.43, T = 38.86 weeks
    /// is expected to make 1.226 purchases in the next 39 weeks; lifetimes gives P(alive) = 0.7266.
    @Test func bgnbdPredictionsForOneCustomer() {
        let model = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let expected = model.conditionalExpectedPurchases(t: 39, x: 2, tx: 30.43, T: 38.86)
        #expect(abs(expected - 1.226) < 0.0005)
        let alive = model.probabilityAlive(x: 2, tx: 30.43, T: 38.86)
        // 1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)) = 1 / (1 + 0.793/3.426 · (43.274/34.844)^2.243)
        let byHand = 1 / (1 + 0.793 / 3.426 * pow(43.274 / 34.844, 2.243))
        #expect(abs(alive - byHand) < 1e-12)
        #expect(abs(alive - 0.7266) < 0.0005)
        #expect(model.probabilityAlive(x: 0, tx: 0, T: 30) == 1)
    }

    /// MBG/NBD lets one-time buyers drop out: P(alive) < 1 at x = 0, and falls with T.
    @Test func mbgnbdOneTimeBuyersAreNotCertainlyAlive() {
        let model = BGNBD(r: 0.5, alpha: 5, a: 0.8, b: 2.5, modified: true)
        let early = model.probabilityAlive(x: 0, tx: 0, T: 5)
        let late = model.probabilityAlive(x: 0, tx: 0, T: 50)
        #expect(early < 1 && late < early)
    }

    /// ₂F₁(1, 1; 2; z) = −ln(1 − z) / z.
    @Test(arguments: [0.1, 0.5, 0.9, 0.99])
    func hypergeometricIdentity(z: Double) {
        #expect(abs(SpecialFunctions.hyp2f1(1, 1, 2, z) - -log(1 - z) / z) < 1e-9)
    }

    /// Expected purchases never fall as the horizon grows.
    @Test func expectedPurchasesGrowWithTheHorizon() {
        let model = BGNBD(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        var previous = 0.0
        for t in stride(from: 1.0, through: 200, by: 7) {
            let e = model.conditionalExpectedPurchases(t: t, x: 3, tx: 20, T: 39)
            #expect(e >= previous)
            previous = e
        }
    }

    /// Data simulated from known parameters (seeded) is fitted back within three standard errors.
    @Test func bgnbdRecoversSimulatedParameters() throws {
        var random = FuzzTests.Random(state: 42)
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        func gamma(_ shape: Double, _ scale: Double) -> Double {
            // Marsaglia–Tsang, with the shape < 1 boost.
            if shape < 1 { return gamma(shape + 1, scale) * pow(uniform(), 1 / shape) }
            let d = shape - 1.0 / 3
            let c = 1 / sqrt(9 * d)
            while true {
                let u1 = Swift.max(uniform(), 1e-300)
                let n = sqrt(-2 * log(u1)) * cos(2 * .pi * uniform())
                let v = pow(1 + c * n, 3)
                if v > 0 && log(Swift.max(uniform(), 1e-300)) < 0.5 * n * n + d - d * v + d * log(v) {
                    return d * v * scale
                }
            }
        }
        let (r, alpha, a, b) = (0.5, 5.0, 0.8, 2.5)
        var data = CalibrationData(x: [], tx: [], T: [])
        for _ in 0..<4000 {
            let lambda = gamma(r, 1 / alpha)
            let ga = gamma(a, 1)
            let p = ga / (ga + gamma(b, 1))
            let T = 52.0
            var t = 0.0
            var x = 0.0
            var last = 0.0
            while true {
                t += -log(Swift.max(uniform(), 1e-300)) / lambda
                if t > T { break }
                x += 1
                last = t
                if uniform() < p { break }
            }
            data.x.append(x)
            data.tx.append(last)
            data.T.append(T)
        }
        let (_, fit) = try BGNBD.fit(data)
        for (name, truth) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] {
            let parameter = try #require(fit.parameters.first { $0.name == name })
            let se = try #require(parameter.standardError)
            #expect(abs(parameter.value - truth) < 3 * se, "\(name): \(parameter.value) ± \(se), truth \(truth)")
        }
    }

    @Test func noRepeatBuyersIsAClearError() {
        let data = CalibrationData(
            x: Array(repeating: 0, count: 50), tx: Array(repeating: 0, count: 50), T: Array(repeating: 10, count: 50))
        #expect(throws: ModelError.self) { try BGNBD.fit(data) }
    }
}

/// Pareto/NBD on CDNOW: r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0, standard errors 0.0476,
/// 0.843, 0.187, 6.21 (as published with CLVTools' tests).
struct ParetoNBDTests {
    @Test func reproducesThePublishedCDNOWFit() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        let (model, fit) = try ParetoNBD.fit(data)
        #expect(abs(model.r - 0.553) < 0.0015)
        #expect(abs(model.alpha - 10.578) < 0.01)
        #expect(abs(model.s - 0.606) < 0.0015)
        #expect(abs(model.beta - 11.669) < 0.05)
        #expect(abs(fit.logLikelihood - -9595.0) < 0.1)
        let se = fit.parameters.map { $0.standardError ?? 0 }
        for (estimate, published) in zip(se, [0.0476, 0.843, 0.187, 6.21]) {
            #expect(abs(estimate - published) / published < 0.05, "standard error \(estimate) vs \(published)")
        }
        // A one-time buyer is not certainly alive under Pareto/NBD.
        #expect(model.probabilityAlive(x: 0, tx: 0, T: 30) < 1)
    }
}

extension ParetoNBDTests {
    /// Expected purchases are continuous at s = 1 (the logarithmic limit) and grow with the horizon.
    @Test func expectedPurchasesAroundSEqualsOne() {
        let below = ParetoNBD(r: 0.55, alpha: 10.6, s: 1 - 1e-6, beta: 11.7)
        let at = ParetoNBD(r: 0.55, alpha: 10.6, s: 1, beta: 11.7)
        let a = below.conditionalExpectedPurchases(t: 39, x: 2, tx: 30.43, T: 38.86)
        let b = at.conditionalExpectedPurchases(t: 39, x: 2, tx: 30.43, T: 38.86)
        #expect(abs(a - b) < 1e-4)
        #expect(at.conditionalExpectedPurchases(t: 52, x: 2, tx: 30.43, T: 38.86) > b)
    }
}

/// Predictions against lifetimes 0.11.3, computed independently in Python (scripts/bench's virtualenv) with
///   BetaGeoFitter.params_ = {r: 0.242595, alpha: 4.413602, a: 0.792922, b: 2.425907}
///   GammaGammaFitter.params_ = {p: 6.249572, q: 3.744225, v: 15.443521}
/// calling conditional_probability_alive(x, t_x, T), conditional_expected_number_of_purchases_up_to_time(39, …),
/// conditional_expected_average_profit(2, 35.0) and customer_lifetime_value(…, time=12, discount_rate=0.01, freq="W").
struct LifetimesReferenceTests {
    static let model = BGNBD(r: 0.242595, alpha: 4.413602, a: 0.792922, b: 2.425907)
    static let spend = GammaGamma(p: 6.249572, q: 3.744225, gamma: 15.443521)

    struct Reference: Sendable, CustomTestStringConvertible {
        var x, tx, T, alive, expected39: Double
        var testDescription: String { "x=\(x) t_x=\(tx) T=\(T)" }
    }

    @Test(arguments: [
        Reference(x: 2, tx: 30.43, T: 38.86, alive: 0.7266091593, expected39: 1.2259070748),
        Reference(x: 0, tx: 0, T: 38.86, alive: 1.0, expected39: 0.1947824137),
        Reference(x: 7, tx: 35.0, T: 38.0, alive: 0.8620043723, expected39: 4.5561638462),
        Reference(x: 1, tx: 5.0, T: 30.0, alive: 0.3792964945, expected39: 0.4421178939),
    ])
    func bgnbdAgreesWithLifetimes(_ r: Reference) {
        #expect(abs(Self.model.probabilityAlive(x: r.x, tx: r.tx, T: r.T) - r.alive) < 1e-6)
        #expect(abs(Self.model.conditionalExpectedPurchases(t: 39, x: r.x, tx: r.tx, T: r.T) - r.expected39) < 1e-6)
    }

    @Test func spendAndCLVAgreeWithLifetimes() {
        #expect(abs(Self.spend.conditionalExpectedSpend(x: 2, m: 35) - 35.0306704786) < 1e-6)
        let clv = LifetimeValue.discounted(
            model: Self.model, spend: Self.spend.conditionalExpectedSpend(x: 2, m: 35), x: 2, tx: 30.43, T: 38.86,
            months: 12, monthlyDiscount: 0.01, weeksPerUnit: 1)
        #expect(abs(clv - 51.5379980226) < 1e-6)
    }
}
