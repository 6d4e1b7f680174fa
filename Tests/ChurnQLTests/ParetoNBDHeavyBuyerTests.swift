import Foundation
import Testing

@testable import ChurnQLMetrics

/// Pareto/NBD on steady heavy buyers (issue 17 item 7): the dropout term no longer needs a long series when r + x
/// is large, every series is bounded, and a fit on thousands of purchases per customer finishes.
struct ParetoNBDHeavyBuyerTests {
    /// ln A₀ by the hypergeometric series alone, with as many terms as it needs (exact where it converges).
    static func seriesLogA0(_ p: [Double], x: Double, tx: Double, T: Double) -> Double? {
        let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3])
        let rsx = r + s + x
        let (m, b) = alpha >= beta ? (alpha, s + 1) : (beta, r + x)
        let d = abs(alpha - beta)
        guard let upper = SpecialFunctions.hyp2f1Series(rsx, b, rsx + 1, d / (m + tx), maxTerms: 2_000_000),
            let lower = SpecialFunctions.hyp2f1Series(rsx, b, rsx + 1, d / (m + T), maxTerms: 2_000_000)
        else { return nil }
        let l1 = log(upper) - rsx * log(m + tx)
        let l2 = log(lower) - rsx * log(m + T)
        return l1 + log(-expm1(l2 - l1))
    }

    /// The log-likelihood with the series' A₀, assembled as `ParetoNBD.logLikelihood` does.
    static func seriesLogLikelihood(_ p: [Double], x: Double, tx: Double, T: Double) -> Double? {
        let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3])
        guard let logA0 = seriesLogA0(p, x: x, tx: tx, T: T) else { return nil }
        let head = lgamma(r + x) - lgamma(r) + r * log(alpha) + s * log(beta)
        let first = -(r + x) * log(alpha + T) - s * log(beta + T)
        let second = log(s / (r + s + x)) + logA0
        let m = max(first, second)
        return head + m + log(exp(first - m) + exp(second - m))
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var parameters: [Double]
        var testDescription: String { "r, α, s, β = \(parameters)" }
    }

    static let parameterGrid: [Case] = [
        [0.553, 10.578, 0.606, 11.669], [0.5, 0.1, 0.5, 5], [2, 0.3, 1.5, 40], [5, 1, 0.5, 100], [1, 20, 3, 2],
        [0.2, 50, 0.8, 0.5], [50, 0.5, 2, 1000], [0.8, 4, 12, 80], [3, 0.05, 0.3, 2.5],
    ].map { Case(parameters: $0) }

    /// Wherever the series converges (with up to two million terms), the new evaluation gives the same
    /// log-likelihood to 1e-10 relative, across ordinary and heavy purchase counts and recencies.
    @Test(arguments: parameterGrid)
    func logLikelihoodMatchesTheSeries(_ c: Case) throws {
        var compared = 0
        for x in [0.0, 1, 2, 7, 30, 45, 120, 364, 1000] {
            for T in [5.0, 38.86, 52, 156] {
                for share in [0.0, 0.2, 0.6, 0.95, 0.999] {
                    let tx = x == 0 ? 0 : share * T
                    // The series overflows (₂F₁ beyond 10³⁰⁸) for large x: those points are checked below.
                    guard let reference = Self.seriesLogLikelihood(c.parameters, x: x, tx: tx, T: T),
                        reference.isFinite
                    else { continue }
                    let computed = ParetoNBD.logLikelihood(c.parameters, x: x, tx: tx, T: T)
                    #expect(
                        abs(computed - reference) <= 1e-10 * max(1, abs(reference)),
                        "x \(x), t_x \(tx), T \(T): \(computed) vs \(reference)")
                    compared += 1
                }
            }
        }
        #expect(compared > 100)
    }

    /// Where the series overflows (large x: the old evaluation gave NaN or infinity there), the log-likelihood is
    /// finite and agrees with adaptive Gauss–Legendre quadrature of the same integral.
    @Test(arguments: parameterGrid)
    func heavyBuyersMatchQuadrature(_ c: Case) {
        let (r, alpha, s, beta) = (c.parameters[0], c.parameters[1], c.parameters[2], c.parameters[3])
        for x in [120.0, 364, 1000, 5000] {
            for T in [5.0, 52, 156] {
                for share in [0.2, 0.95, 0.999] {
                    let tx = share * T
                    let logA0 =
                        log(r + s + x)
                        + DropoutIntegral.log(p: r + x, q: s + 1, alpha: alpha, beta: beta, from: tx, to: T)
                    let computed = ParetoNBD.logA0(c.parameters, x: x, tx: tx, T: T)
                    #expect(computed.isFinite && ParetoNBD.logLikelihood(c.parameters, x: x, tx: tx, T: T).isFinite)
                    #expect(
                        abs(computed - logA0) <= 1e-9 * max(1, abs(logA0)),
                        "x \(x), t_x \(tx), T \(T): \(computed) vs \(logA0)")
                }
            }
        }
    }

    /// The Laguerre rule integrates e^(−y) yᵏ exactly (k!) up to high degree, and its weights sum to 1.
    @Test(arguments: [0, 1, 2, 5, 10, 20, 31])
    func laguerreRuleIsExactForPolynomials(degree: Int) {
        let (nodes, weights) = GaussLaguerre.rule16
        let sum = zip(nodes, weights).reduce(0.0) { $0 + $1.1 * pow($1.0, Double(degree)) }
        let factorial = exp(lgamma(Double(degree) + 1))
        #expect(abs(sum / factorial - 1) < 1e-12, "degree \(degree): \(sum) vs \(factorial)")
    }

    /// A series that has not converged within its limit says so (nil, or NaN for the plain function).
    @Test func unconvergedSeriesIsNeverATruncatedSum() {
        #expect(SpecialFunctions.hyp2f1Series(1000, 1000, 1001, 0.999, maxTerms: 100) == nil)
        #expect(SpecialFunctions.hyp2f1(1e6, 1e6, 1e6 + 1, 0.99999).isNaN)
        let converged = SpecialFunctions.hyp2f1Series(1, 1, 2, 0.5, maxTerms: 200)
        #expect(abs((converged ?? 0) - -log(0.5) / 0.5) < 1e-14)
    }
}

extension ParetoNBDHeavyBuyerTests {
    /// The 5,000 steady heavy buyers of `scripts/bench/heavy_buyers.py --customers 5000` (about 1,000 orders
    /// each over a year, so a purchase nearly every day), as lifetimes' summary in days: distinct triples with
    /// how many customers share each.
    static func heavyBuyers() throws -> CalibrationData {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/heavy_buyers_5k_triples", withExtension: "csv"))
        let rows = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        var data = CalibrationData(x: [], tx: [], T: [])
        for row in rows {
            let fields = row.split(separator: ",").compactMap { Double($0) }
            try #require(fields.count == 4)
            for _ in 0..<Int(fields[3]) {
                data.x.append(fields[0])
                data.tx.append(fields[1])
                data.T.append(fields[2])
            }
        }
        return data
    }

    /// The fit finishes, and its log-likelihood is at least that at lifetimes' estimates (ParetoNBDFitter on the
    /// same triples: r 55.6087, α 55.8556, s 2.99749, β 579.745 in days), which stopped short of the boundary the
    /// likelihood keeps rising towards (r, α → ∞: every customer buys at the same rate).
    @Test func steadyHeavyBuyersFitFinishes() throws {
        let data = try Self.heavyBuyers()
        #expect(data.count == 5_000)
        let (model, fit) = try ParetoNBD.fit(data)
        let lifetimes = [55.6087264590196, 55.85558196282626, 2.997491542280984, 579.7454783620034]
        let atLifetimes = (0..<data.count).reduce(0.0) {
            $0 + ParetoNBD.logLikelihood(lifetimes, x: data.x[$1], tx: data.tx[$1], T: data.T[$1])
        }
        #expect(fit.logLikelihood.isFinite)
        #expect(fit.logLikelihood >= atLifetimes - 1e-6 * abs(atLifetimes))
        // Whatever the optimiser's state, the purchase rate is the customers': a purchase every day.
        #expect(abs(model.r / model.alpha - 1) < 0.01, "rate \(model.r / model.alpha)")
        #expect(!fit.boundary.isEmpty)
    }
}
