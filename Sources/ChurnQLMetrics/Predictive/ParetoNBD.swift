import Foundation

/// What the engine needs from a purchase-count model to make predictions per customer.
public protocol TransactionModel: Sendable {
    func probabilityAlive(x: Double, tx: Double, T: Double) -> Double
    func conditionalExpectedPurchases(t: Double, x: Double, tx: Double, T: Double) -> Double
    /// Expected purchases in (T, T + t] for each t of `horizons` (one customer's curve).
    func conditionalExpectedPurchases(horizons: [Double], x: Double, tx: Double, T: Double) -> [Double]
}

extension TransactionModel {
    public func conditionalExpectedPurchases(horizons: [Double], x: Double, tx: Double, T: Double) -> [Double] {
        horizons.map { conditionalExpectedPurchases(t: $0, x: x, tx: tx, T: T) }
    }
}

extension BGNBD: TransactionModel {}

/// The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): Poisson purchases with gamma(r, α) rates and an
/// exponential lifetime with gamma(s, β) dropout rates. Likelihood in the form of Fader & Hardie's note, with
/// the ₂F₁ argument kept below 1 by choosing the larger of α and β.
public struct ParetoNBD: TransactionModel {
    public var r: Double
    public var alpha: Double
    public var s: Double
    public var beta: Double

    public init(r: Double, alpha: Double, s: Double, beta: Double) {
        self.r = r
        self.alpha = alpha
        self.s = s
        self.beta = beta
    }

    /// ln A₀, where A₀ = F(tx)/(m+tx)^(r+s+x) − F(T)/(m+T)^(r+s+x) and m is the larger of α and β; equivalently
    /// (r+s+x) ∫ from t_x to T of (α+τ)^−(r+x) (β+τ)^−(s+1) dτ. The series needs about (b z + 35) / (1 − z) terms
    /// (b = r+x when β > α), so it serves up to 500 of them; past that the integral, as two Laguerre tails when
    /// its decay is fast enough (large r + x: a fixed 16-point rule), else adaptive Gauss–Legendre quadrature.
    static func logA0(_ p: [Double], x: Double, tx: Double, T: Double) -> Double {
        let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3])
        let rsx = r + s + x
        let (m, b) = alpha >= beta ? (alpha, s + 1) : (beta, r + x)
        let d = abs(alpha - beta)
        let z = d / (m + tx)
        if (b * z + 35) / (1 - z) <= 500,
            let upper = SpecialFunctions.hyp2f1Series(rsx, b, rsx + 1, z, maxTerms: 2_000),
            let lower = SpecialFunctions.hyp2f1Series(rsx, b, rsx + 1, d / (m + T), maxTerms: 2_000)
        {
            let l1 = log(upper) - rsx * log(m + tx)
            let l2 = log(lower) - rsx * log(m + T)
            // log(e^l1 − e^l2), l1 > l2 because tx ≤ T.
            return l1 + log(-expm1(l2 - l1))
        }
        let tail = { (t: Double) in
            DropoutIntegral.logTail(p: r + x, q: s + 1, alpha: alpha, beta: beta, from: t)
        }
        if let fromTx = tail(tx), let fromT = tail(T) {
            return log(rsx) + fromTx + log(-expm1(fromT - fromTx))
        }
        return log(rsx) + DropoutIntegral.log(p: r + x, q: s + 1, alpha: alpha, beta: beta, from: tx, to: T)
    }

    static func logLikelihood(_ p: [Double], x: Double, tx: Double, T: Double) -> Double {
        let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3])
        let lg = SpecialFunctions.lnGamma
        let head = lg(r + x) - lg(r) + r * log(alpha) + s * log(beta)
        let first = -(r + x) * log(alpha + T) - s * log(beta + T)
        guard tx < T else { return head + first }
        let second = log(s / (r + s + x)) + logA0(p, x: x, tx: tx, T: T)
        let m = Swift.max(first, second)
        return head + m + log(exp(first - m) + exp(second - m))
    }

    /// Maximum-likelihood fit of r, α, s, β: BFGS in log-parameters on the analytic gradient (after a warm start
    /// on a sample of the triples when there are many), standard errors from differences of that gradient.
    public static func fit(_ data: CalibrationData) throws(ModelError) -> (ParetoNBD, ModelFit) {
        try checkFittable(data)
        // Each setup step is a pass over every customer or triple: Ctrl-C is asked between them.
        let triples = CompressedTriples(data)
        try MaximumLikelihood.checkStatementInterrupted()
        let likelihood = Likelihood(triples)
        try MaximumLikelihood.checkStatementInterrupted()
        let sample = likelihood.sample()
        try MaximumLikelihood.checkStatementInterrupted()
        let fit = try MaximumLikelihood.fit(
            model: "Pareto/NBD", names: ["r", "alpha", "s", "beta"], customers: data.count,
            starts: [[0.5, 10, 0.5, 10], [1, 1, 1, 1]], objective: likelihood.evaluate,
            warmStart: sample.map { $0.evaluate })
        let model = ParetoNBD(r: fit.value("r"), alpha: fit.value("alpha"), s: fit.value("s"), beta: fit.value("beta"))
        return (model, fit)
    }

    private static func checkFittable(_ data: CalibrationData) throws(ModelError) {
        guard data.count >= 10 else {
            throw ModelError(message: "Pareto/NBD needs at least 10 customers, got \(data.count)")
        }
        guard data.x.contains(where: { $0 > 0 }) else {
            throw ModelError(message: "no customer bought twice: Pareto/NBD cannot tell purchase rates from dropout")
        }
    }

    /// The former fit, Nelder–Mead then BFGS on numerical gradients of the value alone: kept as the reference the
    /// tests compare the analytic path with.
    static func fitWithoutGradient(_ data: CalibrationData) throws(ModelError) -> (ParetoNBD, ModelFit) {
        try checkFittable(data)
        let c = CompressedTriples(data)
        let (x, tx, T, weight) = (c.x, c.tx, c.T, c.weight)
        let fit = try MaximumLikelihood.fit(
            model: "Pareto/NBD", names: ["r", "alpha", "s", "beta"], customers: data.count,
            starts: [[0.5, 10, 0.5, 10], [1, 1, 1, 1]]
        ) { p in
            ParallelSum.sum(x.count) { i in weight[i] * logLikelihood(p, x: x[i], tx: tx[i], T: T[i]) }
        }
        let model = ParetoNBD(r: fit.value("r"), alpha: fit.value("alpha"), s: fit.value("s"), beta: fit.value("beta"))
        return (model, fit)
    }

    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        guard tx < T else { return 1 }
        let p = [r, alpha, s, beta]
        let logRatio =
            log(s / (r + s + x)) + (r + x) * log(alpha + T) + s * log(beta + T)
            + Self.logA0(p, x: x, tx: tx, T: T)
        return 1 / (1 + exp(logRatio))
    }

    public func conditionalExpectedPurchases(t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        return expectedIfAlive(t: t, x: x, T: T) * probabilityAlive(x: x, tx: tx, T: T)
    }

    /// P(alive) once for the whole curve: it is the costly part (the dropout integral).
    public func conditionalExpectedPurchases(horizons: [Double], x: Double, tx: Double, T: Double) -> [Double] {
        let alive = probabilityAlive(x: x, tx: tx, T: T)
        return horizons.map { $0 > 0 ? expectedIfAlive(t: $0, x: x, T: T) * alive : 0 }
    }

    private func expectedIfAlive(t: Double, x: Double, T: Double) -> Double {
        let rate = (r + x) / (alpha + T)
        // At s = 1 the general formula's limit is a logarithm.
        if abs(s - 1) < 1e-9 { return rate * (beta + T) * log((beta + T + t) / (beta + T)) }
        return rate * (beta + T) / (s - 1) * (1 - pow((beta + T) / (beta + T + t), s - 1))
    }
}
