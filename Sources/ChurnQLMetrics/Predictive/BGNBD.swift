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
    /// `newton` lets the last steps use the Hessian (off only to test it against BFGS alone).
    public static func fit(_ data: CalibrationData, modified: Bool = false, newton: Bool = true) throws(ModelError)
        -> (BGNBD, ModelFit)
    {
        let name = modified ? "MBG/NBD" : "BG/NBD"
        guard data.count >= 10 else {
            throw ModelError(message: "\(name) needs at least 10 customers, got \(data.count)")
        }
        guard data.x.contains(where: { $0 > 0 }) else {
            throw ModelError(
                message: "no customer bought twice: \(name) cannot tell purchase rates from dropout",
                hint: "fit on a longer period, or use a later asof")
        }
        // Each setup step is a pass over every customer or triple: Ctrl-C is asked between them.
        let triples = CompressedTriples(data)
        try MaximumLikelihood.checkStatementInterrupted()
        let likelihood = Likelihood(triples, modified: modified)
        try MaximumLikelihood.checkStatementInterrupted()
        let sample = likelihood.sample()
        try MaximumLikelihood.checkStatementInterrupted()
        let polish: (([Double]) -> (Double, [Double], [[Double]]))? =
            newton ? { likelihood.evaluateWithHessian($0) } : nil
        let fit = try MaximumLikelihood.fit(
            model: name, names: ["r", "alpha", "a", "b"], customers: data.count,
            starts: [[1, 1, 1, 1], [0.5, Swift.max(1, likelihood.meanT), 0.5, 2]], objective: likelihood.evaluate,
            hessian: likelihood.hessian, warmStart: sample.map { $0.evaluate },
            objectiveWithHessian: polish)
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

extension BGNBD {
    /// The BG/NBD (or MBG/NBD) log-likelihood over distinct (x, t_x, T) triples, with its gradient in (r, α, a, b)
    /// from the same pass. Per customer, with A = −(r+x) ln(α+T) and B = ln a − ln(b+x−1+s) − (r+x) ln(α+t_x)
    /// (s = 1 for MBG, and B only when x > 0 for BG), LL = G(x) + ln(e^A + e^B), G holding the gamma functions.
    /// The terms that depend on x alone are added once per distinct x.
    struct Likelihood: Sendable {
        let triples: CompressedTriples
        /// Index of each triple's x in `distinctX`, and the total weight of each distinct x.
        let xIndex: [Int32]
        let distinctX: [Double]
        let weightOfX: [Double]
        let shift: Double
        let modified: Bool

        /// Every k-th triple with k times its weight, when there are enough triples for a warm start to pay
        /// (k = `step`, by default `MaximumLikelihood.warmStartStep`).
        func sample(step chosen: Int? = nil) -> Likelihood? {
            let step = chosen ?? MaximumLikelihood.warmStartStep(triples.count)
            guard step >= 2 else { return nil }
            var part = triples
            let kept = Swift.stride(from: 0, to: triples.count, by: step)
            part.x = kept.map { triples.x[$0] }
            part.weight = kept.map { triples.weight[$0] * Double(step) }
            part.txIndex = kept.map { triples.txIndex[$0] }
            part.tIndex = kept.map { triples.tIndex[$0] }
            return Likelihood(part, modified: modified)
        }

        init(_ triples: CompressedTriples, modified: Bool) {
            self.triples = triples
            (distinctX, _) = DistinctCounts.of(triples.x)
            if let smallest = distinctX.first, let largest = distinctX.last, smallest >= 0, largest < 1_048_576,
                distinctX.allSatisfy({ $0.rounded() == $0 })
            {
                // Purchase counts: an array indexed by x finds each one's position.
                var position = [Int32](repeating: 0, count: Int(largest) + 1)
                for (k, x) in distinctX.enumerated() { position[Int(x)] = Int32(k) }
                xIndex = triples.x.map { position[Int($0)] }
            } else {
                let position = Dictionary(uniqueKeysWithValues: distinctX.enumerated().map { ($1, Int32($0)) })
                xIndex = triples.x.map { position[$0] ?? 0 }
            }
            var totals = [Double](repeating: 0, count: distinctX.count)
            for (k, w) in zip(xIndex, triples.weight) { totals[Int(k)] += w }
            weightOfX = totals
            shift = modified ? 1 : 0
            self.modified = modified
        }

        var meanT: Double {
            let total = zip(triples.tIndex, triples.weight).reduce(0) { $0 + triples.tValues[Int($1.0)] * $1.1 }
            return total / Swift.max(1, triples.weight.reduce(0, +))
        }

        /// Per distinct x: whether the dropout term applies, ln a − ln(b+x−1+s) and 1/(b+x−1+s); per distinct T and
        /// t_x (one per calendar day, not per customer): ln(α+t) and 1/(α+t).
        private func tables(_ p: [Double]) -> (
            hasDrop: [Bool], dropTerms: [Double], dropScale: [Double], logT: [Double], inverseT: [Double],
            logTx: [Double], inverseTx: [Double]
        ) {
            let (alpha, a, b) = (p[1], p[2], p[3])
            return (
                distinctX.map { modified || $0 > 0 }, distinctX.map { log(a) - log(b + $0 - 1 + shift) },
                distinctX.map { 1 / (b + $0 - 1 + shift) }, triples.tValues.map { log(alpha + $0) },
                triples.tValues.map { 1 / (alpha + $0) }, triples.txValues.map { log(alpha + $0) },
                triples.txValues.map { 1 / (alpha + $0) }
            )
        }

        func evaluate(_ p: [Double]) -> (Double, [Double]) {
            let r = p[0]
            let (hasDrop, dropTerms, dropScale, logT, inverseT, logTx, inverseTx) = tables(p)
            let (x, weight, tIndex, txIndex) = (triples.x, triples.weight, triples.tIndex, triples.txIndex)
            // Per triple: [ln(e^A + e^B), ∂/∂r, ∂/∂α, Σ w_B (for ∂/∂a), Σ w_B/(b+x−1+s) (for ∂/∂b)].
            let sums = ParallelSum.vector(x.count, width: 5) { range, total in
                var ll = 0.0
                var dr = 0.0
                var dAlpha = 0.0
                var da = 0.0
                var db = 0.0
                for i in range {
                    let k = Int(xIndex[i])
                    let rx = r + x[i]
                    let w = weight[i]
                    let t = Int(tIndex[i])
                    let termA = -rx * logT[t]
                    guard hasDrop[k] else {
                        ll += w * termA
                        dr -= w * logT[t]
                        dAlpha -= w * rx * inverseT[t]
                        continue
                    }
                    let s = Int(txIndex[i])
                    let termB = dropTerms[k] - rx * logTx[s]
                    let e = exp(-abs(termA - termB))
                    // Weights of the two terms in the sum: wA + wB = 1.
                    let wB = termB > termA ? 1 / (1 + e) : e / (1 + e)
                    let wA = 1 - wB
                    ll += w * (Swift.max(termA, termB) + log1p(e))
                    dr -= w * (wA * logT[t] + wB * logTx[s])
                    dAlpha -= w * rx * (wA * inverseT[t] + wB * inverseTx[s])
                    da += w * wB
                    db += w * wB * dropScale[k]
                }
                total[0] += ll
                total[1] += dr
                total[2] += dAlpha
                total[3] += da
                total[4] += db
            }
            return withXTerms(sums[...], p)
        }

        /// LL and its gradient from the per-triple sums [ln(e^A + e^B), ∂/∂r, ∂/∂α, Σ w_B, Σ w_B/(b+x−1+s)],
        /// adding the terms in x alone.
        private func withXTerms(_ sums: ArraySlice<Double>, _ p: [Double]) -> (Double, [Double]) {
            let (r, alpha, a, b) = (p[0], p[1], p[2], p[3])
            let sums = Array(sums)
            let lg = SpecialFunctions.lnGamma
            let psi = SpecialFunctions.digamma
            var ll = sums[0]
            var dr = sums[1]
            var dAlpha = sums[2]
            var da = sums[3] / a
            var db = -sums[4]
            let constant = lg(r) - r * log(alpha) + lg(b) - lg(a + b)
            let (psiR, psiB, psiAB) = (psi(r), psi(b), psi(a + b))
            for (k, x) in distinctX.enumerated() {
                let w = weightOfX[k]
                let psiABX = psi(a + b + x + shift)
                ll += w * (lg(r + x) + lg(b + x + shift) - lg(a + b + x + shift) - constant)
                dr += w * (psi(r + x) - psiR + log(alpha))
                dAlpha += w * r / alpha
                da += w * (psiAB - psiABX)
                db += w * (psi(b + x + shift) - psiB + psiAB - psiABX)
            }
            return (ll, [dr, dAlpha, da, db])
        }

        /// The Hessian of LL in (r, α, a, b).
        func hessian(_ p: [Double]) -> [[Double]] { evaluateWithHessian(p).2 }

        /// LL, its gradient and its Hessian in (r, α, a, b), in one pass. Per triple, with softmax weights w_A, w_B
        /// of the two terms and g_A, g_B, H_A, H_B their gradients and Hessians, the Hessian of ln(e^A + e^B) is
        /// w_A H_A + w_B H_B + w_A w_B (g_A − g_B)(g_A − g_B)ᵀ; the terms in x alone add trigamma functions.
        func evaluateWithHessian(_ p: [Double]) -> (Double, [Double], [[Double]]) {
            let (r, alpha, a, b) = (p[0], p[1], p[2], p[3])
            let (hasDrop, dropTerms, dropScale, logT, inverseT, logTx, inverseTx) = tables(p)
            let (x, weight, tIndex, txIndex) = (triples.x, triples.weight, triples.tIndex, triples.txIndex)
            // [rr, rα, αα, Σc·d_r, Σc·d_r/D, Σc·d_α, Σc·d_α/D, Σ(c − w_B), Σc/D, Σ(w_B + c)/D²] with c = w_A w_B
            // and d = g_A − g_B = (ln(α+t_x) − ln(α+T), (r+x)(1/(α+t_x) − 1/(α+T)), −1/a, 1/D); then the five
            // sums of `evaluate`.
            let sums = ParallelSum.vector(x.count, width: 15) { range, total in
                var h = SIMD16<Double>()
                for i in range {
                    let k = Int(xIndex[i])
                    let rx = r + x[i]
                    let w = weight[i]
                    let t = Int(tIndex[i])
                    guard hasDrop[k] else {
                        h[1] -= w * inverseT[t]
                        h[2] += w * rx * inverseT[t] * inverseT[t]
                        h[10] -= w * rx * logT[t]
                        h[11] -= w * logT[t]
                        h[12] -= w * rx * inverseT[t]
                        continue
                    }
                    let s = Int(txIndex[i])
                    let termA = -rx * logT[t]
                    let termB = dropTerms[k] - rx * logTx[s]
                    let e = exp(-abs(termA - termB))
                    let wB = termB > termA ? 1 / (1 + e) : e / (1 + e)
                    let wA = 1 - wB
                    let c = w * wA * wB
                    let dR = logTx[s] - logT[t]
                    let dAlpha = rx * (inverseTx[s] - inverseT[t])
                    let scale = dropScale[k]
                    h[0] += c * dR * dR
                    h[1] += c * dR * dAlpha - w * (wA * inverseT[t] + wB * inverseTx[s])
                    h[2] +=
                        c * dAlpha * dAlpha
                        + w * rx * (wA * inverseT[t] * inverseT[t] + wB * inverseTx[s] * inverseTx[s])
                    h[3] += c * dR
                    h[4] += c * dR * scale
                    h[5] += c * dAlpha
                    h[6] += c * dAlpha * scale
                    h[7] += c - w * wB
                    h[8] += c * scale
                    h[9] += (w * wB + c) * scale * scale
                    h[10] += w * (Swift.max(termA, termB) + log1p(e))
                    h[11] -= w * (wA * logT[t] + wB * logTx[s])
                    h[12] -= w * rx * (wA * inverseT[t] + wB * inverseTx[s])
                    h[13] += w * wB
                    h[14] += w * wB * scale
                }
                for j in 0..<15 { total[j] += h[j] }
            }
            let (ll, gradient) = withXTerms(sums[10..<15], p)
            var rr = sums[0]
            var rAlpha = sums[1]
            var alphaAlpha = sums[2]
            let rA = -sums[3] / a
            let rB = sums[4]
            let alphaA = -sums[5] / a
            let alphaB = sums[6]
            var aa = sums[7] / (a * a)
            var ab = -sums[8] / a
            var bb = sums[9]
            let psi1 = SpecialFunctions.trigamma
            let (psi1R, psi1B, psi1AB) = (psi1(r), psi1(b), psi1(a + b))
            for (k, x) in distinctX.enumerated() {
                let w = weightOfX[k]
                let psi1ABX = psi1(a + b + x + shift)
                rr += w * (psi1(r + x) - psi1R)
                rAlpha += w / alpha
                alphaAlpha -= w * r / (alpha * alpha)
                aa += w * (psi1AB - psi1ABX)
                ab += w * (psi1AB - psi1ABX)
                bb += w * (psi1(b + x + shift) - psi1B + psi1AB - psi1ABX)
            }
            return (
                ll, gradient,
                [
                    [rr, rAlpha, rA, rB], [rAlpha, alphaAlpha, alphaA, alphaB], [rA, alphaA, aa, ab],
                    [rB, alphaB, ab, bb],
                ]
            )
        }
    }
}
