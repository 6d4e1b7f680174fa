import Foundation

/// The BG/NBD model (Fader, Hardie & Lee 2005): purchases follow a Poisson process with gamma(r, α) rates
/// while alive; after each purchase a customer drops out with probability p ~ beta(a, b).
public struct BGNBD: Sendable {
    public var r: Double
    public var alpha: Double
    public var a: Double
    public var b: Double
    /// Modified BG/NBD (Batislam et al. 2007): customers may also drop out right after the first purchase.
    public var modified: Bool

    public init(r: Double, alpha: Double, a: Double, b: Double, modified: Bool = false) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
        self.modified = modified
    }

    /// The log-likelihood of one customer.
    static func logLikelihood(_ p: [Double], x: Double, tx: Double, T: Double, modified: Bool) -> Double {
        let (r, alpha, a, b) = (p[0], p[1], p[2], p[3])
        let lg = SpecialFunctions.lnGamma
        let a1 = lg(r + x) - lg(r) + r * log(alpha)
        let a3 = -(r + x) * log(alpha + T)
        if modified {
            let a2 = lg(a + b) + lg(b + x + 1) - lg(b) - lg(a + b + x + 1)
            let a4 = log(a) - log(b + x) - (r + x) * log(alpha + tx)
            let m = Swift.max(a3, a4)
            return a1 + a2 + m + log(exp(a3 - m) + exp(a4 - m))
        }
        let a2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x)
        guard x > 0 else { return a1 + a2 + a3 }
        let a4 = log(a) - log(b + x - 1) - (r + x) * log(alpha + tx)
        let m = Swift.max(a3, a4)
        return a1 + a2 + m + log(exp(a3 - m) + exp(a4 - m))
    }

    /// Maximum-likelihood fit of r, α, a, b.
    public static func fit(_ data: CalibrationData, modified: Bool = false) throws(ModelError) -> (BGNBD, ModelFit) {
        let name = modified ? "MBG/NBD" : "BG/NBD"
        guard data.count >= 10 else {
            throw ModelError(message: "\(name) needs at least 10 customers, got \(data.count)")
        }
        guard data.x.contains(where: { $0 > 0 }) else {
            throw ModelError(
                message: "no customer bought twice: \(name) cannot tell purchase rates from dropout",
                hint: "fit on a longer period, or use a later asof")
        }
        let c = data.compressed()
        // The gamma-function terms depend on x only: compute them once per distinct x and evaluation.
        let distinctX = Array(Set(c.x)).sorted()
        let position = Dictionary(uniqueKeysWithValues: distinctX.enumerated().map { ($1, $0) })
        let xIndex = c.x.map { position[$0] ?? 0 }
        let fit = try MaximumLikelihood.fit(
            model: name, names: ["r", "alpha", "a", "b"], customers: data.count,
            starts: [[1, 1, 1, 1], [0.5, Swift.max(1, c.T.reduce(0, +) / Double(c.T.count)), 0.5, 2]]
        ) { p in
            let (r, alpha, a, b) = (p[0], p[1], p[2], p[3])
            let lg = SpecialFunctions.lnGamma
            let shift = modified ? 1.0 : 0.0
            let constant = lg(r) - r * log(alpha) + lg(b) - lg(a + b)
            let gammaTerms = distinctX.map { x in
                lg(r + x) + lg(b + x + shift) - lg(a + b + x + shift) - constant
            }
            let dropTerms = distinctX.map { x in
                modified ? log(a) - log(b + x) : (x > 0 ? log(a) - log(b + x - 1) : -Double.infinity)
            }
            return ParallelSum.sum(c.x.count) { i in
                let k = xIndex[i]
                let x = c.x[i]
                let a3 = -(r + x) * log(alpha + c.T[i])
                let drop = dropTerms[k]
                guard drop > -Double.infinity else { return c.weight[i] * (gammaTerms[k] + a3) }
                let a4 = drop - (r + x) * log(alpha + c.tx[i])
                let m = Swift.max(a3, a4)
                return c.weight[i] * (gammaTerms[k] + m + log(exp(a3 - m) + exp(a4 - m)))
            }
        }
        let model = BGNBD(
            r: fit.value("r"), alpha: fit.value("alpha"), a: fit.value("a"), b: fit.value("b"), modified: modified)
        return (model, fit)
    }

    /// P(alive | x, t_x, T), as lifetimes' BetaGeoFitter.conditional_probability_alive computes it.
    public func probabilityAlive(x: Double, tx: Double, T: Double) -> Double {
        if modified {
            return 1 / (1 + (a / (b + x)) * pow((alpha + T) / (alpha + tx), r + x))
        }
        guard x > 0 else { return 1 }
        return 1 / (1 + (a / (b + x - 1)) * pow((alpha + T) / (alpha + tx), r + x))
    }

    /// Expected purchases in (T, T + t] for a customer with history (x, t_x, T).
    public func conditionalExpectedPurchases(t: Double, x: Double, tx: Double, T: Double) -> Double {
        guard t > 0 else { return 0 }
        let z = t / (alpha + T + t)
        let ratio = pow((alpha + T) / (alpha + T + t), r + x)
        if modified {
            let first = (a + b + x) / (a - 1)
            let second = 1 - ratio * SpecialFunctions.hyp2f1(r + x, b + x + 1, a + b + x, z)
            return first * second / (1 + (a / (b + x)) * pow((alpha + T) / (alpha + tx), r + x))
        }
        let first = (a + b + x - 1) / (a - 1)
        let second = 1 - ratio * SpecialFunctions.hyp2f1(r + x, b + x, a + b + x - 1, z)
        let denominator = 1 + (x > 0 ? (a / (b + x - 1)) * pow((alpha + T) / (alpha + tx), r + x) : 0)
        return first * second / denominator
    }

    /// E[X(t)]: expected purchases in a period of length t for a new customer.
    public func expectedPurchases(t: Double) -> Double {
        let z = t / (alpha + t)
        let extra = modified ? 1.0 : 0.0
        return (a + b - 1 + extra) / (a - 1)
            * (1 - pow(alpha / (alpha + t), r) * SpecialFunctions.hyp2f1(r, b + extra, a + b - 1 + extra, z))
    }
}
