import Foundation
import ChurnQLStore

/// The Gamma-Gamma spend model (Fader & Hardie 2013): each customer's transaction values are gamma(p, ν) with
/// ν ~ gamma(q, γ) across customers; fitted on repeat customers' mean spend.
public struct GammaGamma: Sendable {
    public var p: Double
    public var q: Double
    public var gamma: Double

    static func logLikelihood(_ params: [Double], x: Double, m: Double) -> Double {
        let (p, q, v) = (params[0], params[1], params[2])
        let lg = SpecialFunctions.lnGamma
        return lg(p * x + q) - lg(p * x) - lg(q) + q * log(v) + (p * x - 1) * log(m) + p * x * log(x)
            - (p * x + q) * log(x * m + v)
    }

    /// Fits p, q, γ on customers with x ≥ 1 and positive mean spend; returns how many were left out. `newton` lets
    /// the last steps use the Hessian after a warm start (off only to test it against BFGS alone).
    public static func fit(frequency: [Double], monetary: [Double], newton: Bool = true) throws(ModelError) -> (
        GammaGamma, ModelFit
    ) {
        var xs: [Double] = []
        var ms: [Double] = []
        xs.reserveCapacity(frequency.count)
        ms.reserveCapacity(frequency.count)
        var nonPositive = 0
        for i in 0..<Swift.min(frequency.count, monetary.count) where frequency[i] >= 1 {
            let m = monetary[i]
            if m > 0 && m.isFinite {
                xs.append(frequency[i])
                ms.append(m)
            } else {
                nonPositive += 1
            }
        }
        guard xs.count >= 10 else {
            throw ModelError(
                message: "Gamma-Gamma needs at least 10 repeat customers with positive spend, got \(xs.count)")
        }
        if let limit = homogeneousLimit(x: xs, m: ms) { return limit }
        let likelihood = Likelihood(x: xs, m: ms)
        // A warm start on every k-th customer, scaled by k, when there are enough customers for it to pay.
        let step = MaximumLikelihood.warmStartStep(xs.count)
        let sample =
            step > 0
            ? Likelihood(
                x: Swift.stride(from: 0, to: xs.count, by: step).map { xs[$0] },
                m: Swift.stride(from: 0, to: xs.count, by: step).map { ms[$0] }) : nil
        let scale = Double(Swift.max(step, 1))
        var fit = try MaximumLikelihood.fit(
            model: "Gamma-Gamma", names: ["p", "q", "gamma"], customers: xs.count,
            starts: [[1, 1, 1], [2, 2, Swift.max(1, ms.reduce(0, +) / Double(ms.count))]],
            objective: likelihood.evaluate, hessian: likelihood.hessian,
            warmStart: sample.map { sample in
                { point in
                    let (value, gradient) = sample.evaluate(point)
                    return (value * scale, gradient.map { $0 * scale })
                }
            }, objectiveWithHessian: newton ? { likelihood.evaluateWithHessian($0) } : nil)
        if nonPositive > 0 {
            fit.notes.append(
                "\(nonPositive) repeat customer\(nonPositive == 1 ? "" : "s") with zero or negative mean spend left out"
            )
        }
        let r = correlation(xs, ms)
        fit.notes.append(
            String(
                format: "correlation of frequency and mean spend: %.3f%@", r,
                abs(r) > 0.3 ? " (the model assumes they are independent: treat spend predictions with care)" : ""))
        return (GammaGamma(p: fit.value("p"), q: fit.value("q"), gamma: fit.value("gamma")), fit)
    }

    /// Every repeat customer's mean spend the same (every order one amount): with no spread within or between
    /// customers the likelihood rises without end as p and q grow, so no optimiser can stop. The model's limit
    /// predicts that amount for everyone: p and q at the edge of the searched range (10¹⁰) and γ = m̄ (q − 1) / p,
    /// which makes E[M | x, m̄] = m̄ exactly for every x.
    static func homogeneousLimit(x: [Double], m: [Double]) -> (GammaGamma, ModelFit)? {
        guard let low = m.min(), let high = m.max(), high - low <= 1e-12 * high else { return nil }
        let mean = m.reduce(0, +) / Double(m.count)
        let (p, q) = (1e10, 1e10)
        let model = GammaGamma(p: p, q: q, gamma: mean * (q - 1) / p)
        let estimates = [("p", p), ("q", q), ("gamma", model.gamma)]
        var fit = ModelFit(
            model: "Gamma-Gamma",
            parameters: estimates.map { FittedParameter(name: $0.0, value: $0.1, standardError: nil) },
            logLikelihood: Likelihood(x: x, m: m).evaluate([p, q, model.gamma]).0, iterations: 0, converged: true,
            customers: x.count)
        fit.boundary = ["p → ∞", "q → ∞"]
        fit.notes.append(
            "every repeat customer's mean spend is \(NumberFormat.plain(mean)): the spend is homogeneous, so the "
                + "model's limit (p, q → ∞) is used and the expected spend is \(NumberFormat.plain(mean)) for everyone")
        return (model, fit)
    }

    /// E[M | x, m̄]: the expected mean spend of a customer with x repeat purchases of mean m̄.
    public func conditionalExpectedSpend(x: Double, m: Double) -> Double {
        guard x > 0 else { return p * gamma / (q - 1) }
        return p * (gamma + x * m) / (p * x + q - 1)
    }

    static func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0
    }
}

/// Discounted CLV as lifetimes' customer_lifetime_value computes it: for months i = 1…H, the expected purchases
/// in month i (the difference of cumulative predictions at i and i − 1 months, a month being 4.345 weeks)
/// times the expected spend, discounted by (1 + d)^i.
public enum LifetimeValue {
    public static func discounted(
        model: any TransactionModel, spend: Double, x: Double, tx: Double, T: Double, months: Int,
        monthlyDiscount: Double,
        weeksPerUnit: Double
    ) -> Double {
        let factor = 4.345 / weeksPerUnit
        var total = 0.0
        var previous = 0.0
        for i in 1...Swift.max(1, months) {
            let cumulative = model.conditionalExpectedPurchases(t: Double(i) * factor, x: x, tx: tx, T: T)
            total += spend * (cumulative - previous) / pow(1 + monthlyDiscount, Double(i))
            previous = cumulative
        }
        return total
    }
}

extension GammaGamma {
    /// Σ over customers of the Gamma-Gamma log-likelihood and its gradient in (p, q, γ). Everything but
    /// ln(x m + γ) is a sum fixed by the data (Σ x ln m, Σ ln m, Σ x ln x) or depends on x alone, so one pass
    /// per evaluation computes four sums over the customers:
    /// LL = Σ_x n_x [lnΓ(px+q) − lnΓ(px)] − N lnΓ(q) + N q ln γ + p Σ x ln m − Σ ln m + p Σ x ln x − Σ (px+q) ln(xm+γ).
    struct Likelihood: Sendable {
        let x: [Double]
        let m: [Double]
        let distinctX: [Double]
        let countOfX: [Double]
        let sumXLogM: Double
        let sumLogM: Double
        let sumXLogX: Double

        init(x: [Double], m: [Double]) {
            self.x = x
            self.m = m
            (distinctX, countOfX) = DistinctCounts.of(x)
            let sums = ParallelSum.vector(x.count, width: 3) { range, total in
                var xLogM = 0.0
                var logM = 0.0
                var xLogX = 0.0
                for i in range {
                    let l = log(m[i])
                    xLogM += x[i] * l
                    logM += l
                    xLogX += x[i] * log(x[i])
                }
                total[0] += xLogM
                total[1] += logM
                total[2] += xLogX
            }
            (sumXLogM, sumLogM, sumXLogX) = (sums[0], sums[1], sums[2])
        }

        func evaluate(_ params: [Double]) -> (Double, [Double]) { evaluate(params, sums: denominatorSums(params[2])) }

        /// Value, gradient and Hessian from one pass over the customers (for Newton's method).
        func evaluateWithHessian(_ params: [Double]) -> (Double, [Double], [[Double]]) {
            let sums = denominatorSums(params[2])
            let (value, gradient) = evaluate(params, sums: sums)
            return (value, gradient, hessian(params, sums: sums))
        }

        private func evaluate(_ params: [Double], sums: [Double]) -> (Double, [Double]) {
            let (p, q, v) = (params[0], params[1], params[2])
            let n = Double(x.count)
            let lg = SpecialFunctions.lnGamma
            let psi = SpecialFunctions.digamma
            var ll = -n * lg(q) + n * q * log(v) + p * sumXLogM - sumLogM + p * sumXLogX - p * sums[0] - q * sums[1]
            var dp = sumXLogM + sumXLogX - sums[0]
            var dq = -n * psi(q) + n * log(v) - sums[1]
            let dv = n * q / v - p * sums[2] - q * sums[3]
            for (k, xk) in distinctX.enumerated() {
                let count = countOfX[k]
                ll += count * (lg(p * xk + q) - lg(p * xk))
                let psiPXQ = psi(p * xk + q)
                dp += count * xk * (psiPXQ - psi(p * xk))
                dq += count * psiPXQ
            }
            return (ll, [dp, dq, dv])
        }

        /// With D = xm + γ and L = ln D: [Σ x L, Σ L, Σ x/D, Σ 1/D, Σ x/D², Σ 1/D²] in one pass.
        private func denominatorSums(_ v: Double) -> [Double] {
            ParallelSum.vector(x.count, width: 6) { range, total in
                var sums = (xl: 0.0, l: 0.0, xInv: 0.0, inv: 0.0, xInv2: 0.0, inv2: 0.0)
                for i in range {
                    let denominator = x[i] * m[i] + v
                    let logDenominator = log(denominator)
                    let inverse = 1 / denominator
                    sums.xl += x[i] * logDenominator
                    sums.l += logDenominator
                    sums.xInv += x[i] * inverse
                    sums.inv += inverse
                    sums.xInv2 += x[i] * inverse * inverse
                    sums.inv2 += inverse * inverse
                }
                total[0] += sums.xl
                total[1] += sums.l
                total[2] += sums.xInv
                total[3] += sums.inv
                total[4] += sums.xInv2
                total[5] += sums.inv2
            }
        }

        /// The Hessian of LL in (p, q, γ), in one pass: with D = xm + γ it needs Σ x/D, Σ 1/D, Σ x/D², Σ 1/D².
        func hessian(_ params: [Double]) -> [[Double]] { hessian(params, sums: denominatorSums(params[2])) }

        private func hessian(_ params: [Double], sums all: [Double]) -> [[Double]] {
            let (p, q, v) = (params[0], params[1], params[2])
            let sums = Array(all[2...])
            let n = Double(x.count)
            let psi1 = SpecialFunctions.trigamma
            var pp = 0.0
            var pq = 0.0
            var qq = -n * psi1(q)
            for (k, xk) in distinctX.enumerated() {
                let count = countOfX[k]
                let psi1PXQ = psi1(p * xk + q)
                pp += count * xk * xk * (psi1PXQ - psi1(p * xk))
                pq += count * xk * psi1PXQ
                qq += count * psi1PXQ
            }
            let pv = -sums[0]
            let qv = n / v - sums[1]
            let vv = -n * q / (v * v) + p * sums[2] + q * sums[3]
            return [[pp, pq, pv], [pq, qq, qv], [pv, qv, vv]]
        }
    }
}
