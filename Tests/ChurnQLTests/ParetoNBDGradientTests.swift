import Foundation
import Testing

@testable import ChurnQLMetrics

/// The analytic Pareto/NBD likelihood (issue 19 item 2): its value is the sum of the per-customer likelihood, its
/// gradient is that of central differences, and the fit it drives agrees with the former derivative-free fit.
struct ParetoNBDGradientTests {
    /// Customers in days: one-time buyers, ordinary repeat buyers, last purchase on the last day, heavy buyers.
    static func customers(seed: UInt64) -> CalibrationData {
        var random = FuzzTests.Random(state: seed)
        var data = CalibrationData(x: [], tx: [], T: [])
        for k in 0..<400 {
            let T = Double(5 + Int(random.next() % 360))
            let x: Double
            switch k % 8 {
            case 0, 1, 2: x = 0
            case 7: x = Double(100 + Int(random.next() % 900))
            default: x = Double(1 + Int(random.next() % 20))
            }
            let share = Double(random.next() % 1001) / 1000
            data.x.append(x)
            data.tx.append(x == 0 ? 0 : k % 11 == 0 ? T : (share * T).rounded())
            data.T.append(T)
        }
        return data
    }

    struct Point: Sendable, CustomTestStringConvertible {
        var parameters: [Double]
        var testDescription: String { "r, α, s, β = \(parameters)" }
    }

    /// Parameters around CDNOW's, far apart scales (long series, Laguerre tails, direct quadrature) and random ones.
    static let points: [Point] = {
        var random = FuzzTests.Random(state: 7)
        func logUniform(_ low: Double, _ high: Double) -> Double {
            exp(log(low) + (log(high) - log(low)) * Double(random.next() >> 11) / Double(1 << 53))
        }
        let fixed: [[Double]] = [
            [0.553, 10.578, 0.606, 11.669], [0.5, 0.1, 0.5, 5], [2, 0.3, 1.5, 40], [5, 1, 0.5, 100], [1, 20, 3, 2],
            [0.2, 50, 0.8, 0.5], [50, 0.5, 2, 1000], [0.8, 4, 12, 80], [3, 0.05, 0.3, 2.5], [1, 7, 1, 7],
        ]
        let drawn = (0..<8).map { _ in
            [logUniform(0.05, 20), logUniform(0.05, 500), logUniform(0.05, 20), logUniform(0.05, 500)]
        }
        return (fixed + drawn).map { Point(parameters: $0) }
    }()

    /// The value equals the per-customer likelihood summed (the independent evaluation the former fit used), and
    /// each component of the gradient equals central differences of it to 1e-5 relative.
    @Test(arguments: points)
    func gradientMatchesFiniteDifferences(_ point: Point) {
        let data = Self.customers(seed: 3)
        let likelihood = ParetoNBD.Likelihood(CompressedTriples(data))
        let p = point.parameters
        let (value, gradient) = likelihood.evaluate(p)
        let reference = (0..<data.count).reduce(0.0) {
            $0 + ParetoNBD.logLikelihood(p, x: data.x[$1], tx: data.tx[$1], T: data.T[$1])
        }
        #expect(abs(value - reference) <= 1e-9 * abs(reference), "\(value) vs \(reference)")
        for i in 0..<4 {
            // Differences in ln θ (step 1e-4): the truncation error is about 1e-9 of the derivative.
            let h = 1e-4
            var up = p
            var down = p
            up[i] *= exp(h)
            down[i] *= exp(-h)
            let difference = (likelihood.evaluate(up).0 - likelihood.evaluate(down).0) / (2 * h) / p[i]
            #expect(
                abs(difference - gradient[i]) <= 1e-5 * Swift.max(abs(gradient[i]), 1),
                "∂/∂\(["r", "α", "s", "β"][i]): \(gradient[i]) vs differences \(difference)")
        }
    }

    /// Each way of computing a tail's gradient agrees with differences of its own value where it applies.
    @Test(arguments: [(0.6, 1.6, 10.6, 11.7, 3.0), (300, 1.5, 0.5, 20, 10), (80, 3, 0.3, 40, 1), (1.5, 2, 5, 5, 0)])
    func tailGradientsMatchFiniteDifferences(p: Double, q: Double, alpha: Double, beta: Double, t: Double) throws {
        typealias Tail = (Double, Double, Double, Double) -> LogIntegral?
        let ways: [(String, Tail)] = [
            ("series", { ParetoTail.series(p: $0, q: $1, alpha: $2, beta: $3, from: t) }),
            ("laguerre", { ParetoTail.laguerre(p: $0, q: $1, alpha: $2, beta: $3, from: t) }),
            ("quadrature", { DropoutIntegral.logWithGradient(p: $0, q: $1, alpha: $2, beta: $3, from: t, to: t + 60) }),
        ]
        var checked = 0
        for (name, tail) in ways {
            guard let at = tail(p, q, alpha, beta) else { continue }
            let args = [p, q, alpha, beta]
            for i in 0..<4 {
                let h = 1e-5 * args[i]
                var up = args
                var down = args
                up[i] += h
                down[i] -= h
                let u = try #require(tail(up[0], up[1], up[2], up[3]))
                let d = try #require(tail(down[0], down[1], down[2], down[3]))
                let difference = (u.value - d.value) / (2 * h)
                let analytic = [at.dp, at.dq, at.dAlpha, at.dBeta][i]
                #expect(
                    abs(difference - analytic) <= 1e-6 * Swift.max(abs(analytic), 1e-3),
                    "\(name) ∂\(i): \(analytic) vs \(difference)")
            }
            checked += 1
        }
        #expect(checked >= 2)
    }

    /// On CDNOW the analytic fit finds the former fit's estimates (1e-4 relative), log-likelihood and standard
    /// errors.
    @Test func cdnowFitMatchesTheFormerFit() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        let (model, fit) = try ParetoNBD.fit(data)
        let (former, formerFit) = try ParetoNBD.fitWithoutGradient(data)
        #expect(fit.converged)
        let pairs = [(model.r, former.r), (model.alpha, former.alpha), (model.s, former.s), (model.beta, former.beta)]
        for (new, old) in pairs {
            #expect(abs(new - old) <= 1e-4 * old, "\(new) vs \(old)")
        }
        #expect(fit.logLikelihood >= formerFit.logLikelihood - 1e-7 * abs(formerFit.logLikelihood))
        for (new, old) in zip(fit.parameters, formerFit.parameters) {
            let (a, b) = (try #require(new.standardError), try #require(old.standardError))
            #expect(abs(a - b) <= 1e-3 * b, "\(new.name): \(a) vs \(b)")
        }
    }
}
