import Foundation

/// ln H and its gradient, where H = ∫ (α+τ)^(−p) (β+τ)^(−q) dτ over [t, ∞) (a tail) or over [t_x, T] (the
/// Pareto/NBD dropout integral: A₀ = (r+s+x) H with p = r + x, q = s + 1).
struct LogIntegral {
    var value: Double
    /// ∂ ln H / ∂p, ∂q, ∂α, ∂β.
    var dp: Double
    var dq: Double
    var dAlpha: Double
    var dBeta: Double

    /// From the integral's weighted means of ln(α+τ), ln(β+τ), 1/(α+τ), 1/(β+τ) (differentiating under the
    /// integral: ∂H/∂p = −∫ ln(α+τ) (…), ∂H/∂α = −p ∫ (…)/(α+τ)).
    init(value: Double, meanLogA: Double, meanLogB: Double, meanInvA: Double, meanInvB: Double, p: Double, q: Double) {
        self.value = value
        dp = -meanLogA
        dq = -meanLogB
        dAlpha = -p * meanInvA
        dBeta = -q * meanInvB
    }

    init(value: Double, dp: Double, dq: Double, dAlpha: Double, dBeta: Double) {
        self.value = value
        self.dp = dp
        self.dq = dq
        self.dAlpha = dAlpha
        self.dBeta = dBeta
    }

    /// ln(H(t_x) − H(T)) from the two tails (t_x < T), with its gradient: (∇ln H(t_x) − ρ ∇ln H(T)) / (1 − ρ),
    /// ρ = H(T)/H(t_x) < 1.
    static func difference(_ upper: LogIntegral, _ lower: LogIntegral) -> LogIntegral {
        let gap = lower.value - upper.value
        let rho = exp(gap)
        let scale = 1 / -expm1(gap)
        return LogIntegral(
            value: upper.value + log(-expm1(gap)), dp: (upper.dp - rho * lower.dp) * scale,
            dq: (upper.dq - rho * lower.dq) * scale, dAlpha: (upper.dAlpha - rho * lower.dAlpha) * scale,
            dBeta: (upper.dBeta - rho * lower.dBeta) * scale)
    }
}

/// The tail H(t) = ∫ (α+τ)^(−p) (β+τ)^(−q) dτ over [t, ∞) with its gradient: by the hypergeometric series
/// where it is short, else by the Gauss–Laguerre rule where the integrand decays fast; nil otherwise (the caller
/// integrates [t_x, T] directly).
enum ParetoTail {
    static func evaluate(p: Double, q: Double, alpha: Double, beta: Double, from t: Double) -> LogIntegral? {
        series(p: p, q: q, alpha: alpha, beta: beta, from: t) ?? laguerre(p: p, q: q, alpha: alpha, beta: beta, from: t)
    }

    /// H = ₂F₁(a, b; a+1; z) / (a (m+t)^a) with a = p + q − 1, m the larger of α and β, z = |α − β| / (m + t) and
    /// b the exponent of the smaller one's factor. The series is Σ a/(a+k) c_k with c_k = (b)_k z^k / k!; its
    /// derivatives in a, b and z are summed in the same loop. Nil where it would need over 500 terms.
    static func series(p: Double, q: Double, alpha: Double, beta: Double, from t: Double) -> LogIntegral? {
        let a = p + q - 1
        let alphaLarger = alpha >= beta
        let m = alphaLarger ? alpha : beta
        let b = alphaLarger ? q : p
        let z = abs(alpha - beta) / (m + t)
        guard a > 0, (b * z + 35) / (1 - z) <= 500 else { return nil }
        var c = 1.0
        var sum = 1.0
        // Σ ∂/∂a, Σ ∂/∂b (c_k's derivative is c_k Σ_{j<k} 1/(b+j)), Σ ∂/∂z (k c_k / z = c_{k−1} (b+k−1)).
        var sumA = 0.0
        var sumB = 0.0
        var sumZ = 0.0
        var harmonic = 0.0
        var k = 1.0
        var converged = false
        while k <= 2_000 {
            let previous = c
            c *= (b + k - 1) * z / k
            harmonic += 1 / (b + k - 1)
            let share = a / (a + k)
            let term = share * c
            sum += term
            sumA += k / ((a + k) * (a + k)) * c
            sumB += term * harmonic
            sumZ += share * previous * (b + k - 1)
            if c * (1 + harmonic) * (1 + k) < 1e-16 * sum {
                converged = true
                break
            }
            k += 1
        }
        guard converged, sum.isFinite, sum > 0 else { return nil }
        let logM = log(m + t)
        let dA = sumA / sum - 1 / a - logM
        let dB = sumB / sum
        let dZ = sumZ / sum
        // z's derivatives in the larger parameter (m) and the smaller one; m also appears in (m+t)^a.
        let dLarger = dZ * (Swift.min(alpha, beta) + t) / ((m + t) * (m + t)) - a / (m + t)
        let dSmaller = -dZ / (m + t)
        return LogIntegral(
            value: log(sum) - log(a) - a * logM, dp: dA + (alphaLarger ? 0 : dB), dq: dA + (alphaLarger ? dB : 0),
            dAlpha: alphaLarger ? dLarger : dSmaller, dBeta: alphaLarger ? dSmaller : dLarger)
    }

    /// The tail by `DropoutIntegral.logTail`'s Laguerre rule, with the weighted means of the gradient from the same
    /// nodes (τ at node u: c + τ = (c+t) eᵘ, d + c + τ = (d+c+t)(1 + σ (eᵘ − 1))).
    static func laguerre(p: Double, q: Double, alpha: Double, beta: Double, from t: Double) -> LogIntegral? {
        let c = Swift.min(alpha, beta)
        let d = abs(alpha - beta)
        let nearIsAlpha = alpha <= beta
        let (near, far) = nearIsAlpha ? (p, q) : (q, p)
        let sigma = (c + t) / (d + c + t)
        let k = DropoutIntegral.laguerreSlope(p: p, q: q, alpha: alpha, beta: beta, at: t)
        guard k >= 40, sigma > 0, k.isFinite else { return nil }
        let (nodes, weights) = GaussLaguerre.rule16
        let logNear = log(c + t)
        let logFar = log(d + c + t)
        var sum = 0.0
        var nearLog = 0.0
        var farLog = 0.0
        var nearInverse = 0.0
        var farInverse = 0.0
        for (y, w) in zip(nodes, weights) {
            let u = y / k
            let grown = expm1(u)
            let share = log1p(sigma * grown)
            let weight = w * exp(far * (sigma * u - share))
            sum += weight
            nearLog += weight * u
            farLog += weight * share
            nearInverse += weight / (1 + grown)
            farInverse += weight / (1 + sigma * grown)
        }
        guard sum > 0, sum.isFinite else { return nil }
        let value = (1 - near) * logNear - far * logFar + log(sum) - log(k)
        let meanLogNear = logNear + nearLog / sum
        let meanLogFar = logFar + farLog / sum
        let meanInvNear = nearInverse / sum / (c + t)
        let meanInvFar = farInverse / sum / (d + c + t)
        return nearIsAlpha
            ? LogIntegral(
                value: value, meanLogA: meanLogNear, meanLogB: meanLogFar, meanInvA: meanInvNear,
                meanInvB: meanInvFar, p: p, q: q)
            : LogIntegral(
                value: value, meanLogA: meanLogFar, meanLogB: meanLogNear, meanInvA: meanInvFar,
                meanInvB: meanInvNear, p: p, q: q)
    }
}
