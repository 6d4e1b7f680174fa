import Foundation

/// ln ∫ (α+τ)^(−p) (β+τ)^(−q) dτ over [from, to], the dropout term of the Pareto/NBD likelihood, by Gauss–Legendre
/// quadrature. The hypergeometric series for the same quantity needs millions of terms when α and β are far
/// apart or r + x is large (parameters running off to a boundary), which made small fits take a minute; this costs
/// at most a few hundred logarithms.
enum DropoutIntegral {
    /// 8-point Gauss–Legendre nodes and weights on [−1, 1] (positive half).
    private static let nodes = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363]
    private static let weights = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763]
    /// Panels on each side of the peak at most (the integrand falls by about 1.5 per panel).
    private static let maxPanels = 200

    static func log(p: Double, q: Double, alpha: Double, beta: Double, from: Double, to: Double) -> Double {
        integrate(p: p, q: q, alpha: alpha, beta: beta, from: from, to: to, moments: false).value
    }

    /// The same integral with its gradient (weighted means of the integrand's derivatives from the same panels).
    static func logWithGradient(p: Double, q: Double, alpha: Double, beta: Double, from: Double, to: Double)
        -> LogIntegral
    {
        let (value, m) = integrate(p: p, q: q, alpha: alpha, beta: beta, from: from, to: to, moments: true)
        // m: means of ln(c+τ), ln(d+c+τ), 1/(c+τ), 1/(d+c+τ), c the smaller of α and β.
        return alpha <= beta
            ? LogIntegral(value: value, meanLogA: m[0], meanLogB: m[1], meanInvA: m[2], meanInvB: m[3], p: p, q: q)
            : LogIntegral(value: value, meanLogA: m[1], meanLogB: m[0], meanInvA: m[3], meanInvB: m[2], p: p, q: q)
    }

    private static func integrate(
        p: Double, q: Double, alpha: Double, beta: Double, from: Double, to: Double, moments: Bool
    ) -> (value: Double, means: SIMD4<Double>) {
        guard to > from else { return (-.infinity, .zero) }
        // In u = ln(c + τ), c the smaller of α and β, the log-integrand L(u) = (1 − n) u − f ln(d + e^u) is concave
        // (n, f the exponents of c's and the other factor): start at its peak and walk outwards in panels over which
        // it changes by about 1.5, until it has fallen by 50 (e^−50 is below what the sum can see).
        let c = Swift.min(alpha, beta)
        let d = abs(alpha - beta)
        let (near, far) = alpha <= beta ? (p, q) : (q, p)
        let start = Foundation.log(c + from)
        let end = Foundation.log(c + to)
        guard start.isFinite, end.isFinite, near.isFinite, far.isFinite else { return (.nan, .zero) }
        func logIntegrand(_ u: Double) -> Double { (1 - near) * u - far * Foundation.log(d + Foundation.exp(u)) }
        func width(_ u: Double) -> Double {
            let share = 1 / (1 + d * Foundation.exp(-u))
            let slope = abs(1 - near - far * share)
            let curvature = far * share * (1 - share)
            return 1.5 / Swift.max(1, slope, curvature.squareRoot())
        }
        var peak = start
        if near < 1 && near + far > 1 && d > 0 {
            peak = Swift.min(end, Swift.max(start, Foundation.log((1 - near) * d / (near + far - 1))))
        }
        let top = logIntegrand(peak)
        guard top.isFinite else { return (top, .zero) }
        var sum = 0.0
        var weighted = SIMD4<Double>.zero
        func add(_ u: Double, _ weight: Double) {
            let value = weight * exp(logIntegrand(u) - top)
            sum += value
            if moments {
                let farFactor = d + Foundation.exp(u)
                weighted += value * SIMD4(u, Foundation.log(farFactor), Foundation.exp(-u), 1 / farFactor)
            }
        }
        func panel(_ a: Double, _ b: Double) {
            let half = (b - a) / 2
            let middle = a + half
            for (node, weight) in zip(nodes, weights) {
                add(middle - node * half, weight * half)
                add(middle + node * half, weight * half)
            }
        }
        for direction in [1.0, -1.0] {
            var u = peak
            var panels = 0
            while panels < maxPanels {
                let limit = direction > 0 ? end : start
                let next = direction > 0 ? Swift.min(limit, u + width(u)) : Swift.max(limit, u - width(u))
                guard next != u else { break }
                panel(Swift.min(u, next), Swift.max(u, next))
                u = next
                panels += 1
                if u == limit || logIntegrand(u) < top - 50 { break }
            }
        }
        return (top + Foundation.log(sum), weighted / sum)
    }

    /// ln ∫ (α+τ)^(−p) (β+τ)^(−q) dτ over [from, ∞), by Gauss–Laguerre after taking out the integrand's exponential
    /// decay; nil where that decay is too slow for the rule to be exact (`laguerreSlope` below 40). With c and
    /// d + c the smaller and larger of α and β, n and f their exponents, u = ln((c+τ)/(c+t)) and
    /// σ = (c+t)/(d+c+t), the integral is (c+t)^(1−n) (d+c+t)^(−f) ∫₀^∞ e^(−k u) e^(f φ(u)) du with
    /// k = n − 1 + f σ and φ(u) = σ u − ln(1 − σ + σ eᵘ) ≤ 0, smooth and flat at 0; y = k u makes it a Laguerre
    /// integral whose cost does not grow with r + x (the hypergeometric series needs about (r+x) z / (1 − z) terms).
    static func logTail(p: Double, q: Double, alpha: Double, beta: Double, from t: Double) -> Double? {
        let c = Swift.min(alpha, beta)
        let d = abs(alpha - beta)
        let (near, far) = alpha <= beta ? (p, q) : (q, p)
        let sigma = (c + t) / (d + c + t)
        let k = laguerreSlope(p: p, q: q, alpha: alpha, beta: beta, at: t)
        guard k >= 40, sigma > 0, k.isFinite else { return nil }
        let (nodes, weights) = GaussLaguerre.rule16
        var sum = 0.0
        for (y, w) in zip(nodes, weights) {
            // u ≤ 52 / 40 (the largest node over the least k), so eᵘ cannot overflow; log1p and expm1 keep φ's small difference exact.
            let u = y / k
            let phi = sigma * u - log1p(sigma * expm1(u))
            sum += w * Foundation.exp(far * phi)
        }
        return (1 - near) * Foundation.log(c + t) - far * Foundation.log(d + c + t) + Foundation.log(sum)
            - Foundation.log(k)
    }

    /// The decay rate k of the integrand of `logTail` in u at its start: how many e-folds the weight e^(−k u) falls
    /// per unit of u, against the curvature of f φ, which is at most f σ (1 − σ) ≤ k.
    static func laguerreSlope(p: Double, q: Double, alpha: Double, beta: Double, at t: Double) -> Double {
        let c = Swift.min(alpha, beta)
        let (near, far) = alpha <= beta ? (p, q) : (q, p)
        return near - 1 + far * (c + t) / (abs(alpha - beta) + c + t)
    }
}
