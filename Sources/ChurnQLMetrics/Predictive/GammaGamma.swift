import Foundation

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

    /// Fits p, q, γ on customers with x ≥ 1 and positive mean spend; returns how many were left out.
    public static func fit(frequency: [Double], monetary: [Double]) throws(ModelError) -> (GammaGamma, ModelFit) {
        var xs: [Double] = []
        var ms: [Double] = []
        var nonPositive = 0
        for (x, m) in zip(frequency, monetary) where x >= 1 {
            if m > 0 && m.isFinite {
                xs.append(x)
                ms.append(m)
            } else {
                nonPositive += 1
            }
        }
        guard xs.count >= 10 else {
            throw ModelError(
                message: "Gamma-Gamma needs at least 10 repeat customers with positive spend, got \(xs.count)")
        }
        var fit = try MaximumLikelihood.fit(
            model: "Gamma-Gamma", names: ["p", "q", "gamma"], customers: xs.count,
            starts: [[1, 1, 1], [2, 2, Swift.max(1, ms.reduce(0, +) / Double(ms.count))]]
        ) { params in
            ParallelSum.sum(xs.count) { i in logLikelihood(params, x: xs[i], m: ms[i]) }
        } gradient: { params in
            // ∂LL/∂p = Σ x [ψ(px+q) − ψ(px) + ln m + ln x − ln(xm+γ)], ∂LL/∂q = Σ ψ(px+q) − ψ(q) + ln γ − ln(xm+γ),
            // ∂LL/∂γ = Σ q/γ − (px+q)/(xm+γ).
            let (p, q, v) = (params[0], params[1], params[2])
            let psi = SpecialFunctions.digamma
            let psiQ = psi(q)
            var dp = 0.0
            var dq = 0.0
            var dv = 0.0
            for i in 0..<xs.count {
                let x = xs[i]
                let m = ms[i]
                let a = psi(p * x + q)
                let l = log(x * m + v)
                dp += x * (a - psi(p * x) + log(m) + log(x) - l)
                dq += a - psiQ + log(v) - l
                dv += q / v - (p * x + q) / (x * m + v)
            }
            return [dp, dq, dv]
        }
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
