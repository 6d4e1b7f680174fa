import Foundation

/// Special functions for the probability models.
enum SpecialFunctions {
    /// ln Γ(x) for x > 0.
    static func lnGamma(_ x: Double) -> Double { lgamma(x) }

    /// The digamma function ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to x ≥ 6, then the asymptotic series.
    static func digamma(_ x: Double) -> Double {
        var x = x
        var result = 0.0
        while x < 6 {
            result -= 1 / x
            x += 1
        }
        let f = 1 / (x * x)
        result += log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))))
        return result
    }

    /// The trigamma function ψ₁(x) = d²/dx² ln Γ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series
    /// 1/x + 1/(2x²) + Σ B₂ₖ/x²ᵏ⁺¹ (Bernoulli numbers 1/6, −1/30, 1/42, −1/30, 5/66).
    static func trigamma(_ x: Double) -> Double {
        var x = x
        var result = 0.0
        while x < 10 {
            result += 1 / (x * x)
            x += 1
        }
        let f = 1 / (x * x)
        result += 1 / x + f / 2 + f / x * (1.0 / 6 - f * (1.0 / 30 - f * (1.0 / 42 - f * (1.0 / 30 - f * 5 / 66))))
        return result
    }

    /// The Gaussian hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1, by its power series
    /// (the terms are computed by ratio, so large parameters do not overflow); NaN when the series has not
    /// converged after 100,000 terms (z too close to 1 for the parameters), never a truncated sum.
    static func hyp2f1(_ a: Double, _ b: Double, _ c: Double, _ z: Double) -> Double {
        hyp2f1Series(a, b, c, z, maxTerms: 100_000) ?? .nan
    }

    /// ₂F₁(a, b; c; z) by at most `maxTerms` terms of its power series; nil when the terms have not fallen below
    /// 10⁻¹⁵ of the sum by then, so that the caller uses another method.
    static func hyp2f1Series(_ a: Double, _ b: Double, _ c: Double, _ z: Double, maxTerms: Int) -> Double? {
        var term = 1.0
        var sum = 1.0
        var k = 0.0
        for _ in 0..<maxTerms {
            term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
            sum += term
            if abs(term) < 1e-15 * abs(sum) { return sum }
            k += 1
        }
        return nil
    }
}

/// Dense linear algebra for small symmetric matrices (Hessians of 3–4 parameters).
enum SmallMatrix {
    /// The solution x of m x = b by Cholesky factorisation; nil when m is not positive definite.
    static func solvePositiveDefinite(_ m: [[Double]], _ b: [Double]) -> [Double]? {
        let n = m.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                let sum = (0..<j).reduce(m[i][j]) { $0 - l[i][$1] * l[j][$1] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    l[i][i] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        // L y = b, then Lᵀ x = y.
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n { y[i] = (0..<i).reduce(b[i]) { $0 - l[i][$1] * y[$1] } / l[i][i] }
        var x = [Double](repeating: 0, count: n)
        for i in (0..<n).reversed() { x[i] = ((i + 1)..<n).reduce(y[i]) { $0 - l[$1][i] * x[$1] } / l[i][i] }
        return x
    }

    /// The inverse by Gauss–Jordan elimination with partial pivoting; nil when singular.
    static func inverse(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var a = m
        var inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }), abs(a[pivot][col]) > 1e-300
            else { return nil }
            a.swapAt(col, pivot)
            inv.swapAt(col, pivot)
            let p = a[col][col]
            for j in 0..<n {
                a[col][j] /= p
                inv[col][j] /= p
            }
            for row in 0..<n where row != col {
                let f = a[row][col]
                if f == 0 { continue }
                for j in 0..<n {
                    a[row][j] -= f * a[col][j]
                    inv[row][j] -= f * inv[col][j]
                }
            }
        }
        return inv
    }
}
