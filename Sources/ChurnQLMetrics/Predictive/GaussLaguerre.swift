import Foundation

/// Gauss–Laguerre nodes and weights: ∫₀^∞ e^(−y) h(y) dy ≈ Σ wᵢ h(yᵢ), exact for polynomials h of degree below
/// 2n. Computed once by Newton's method on the Laguerre polynomial (Numerical Recipes' gaulag, α = 0).
enum GaussLaguerre {
    static let rule16 = rule(16)

    static func rule(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        let count = Double(n)
        var z = 0.0
        for i in 0..<n {
            // Starting guesses for the i-th root (Stroud & Secrest), then Newton's method.
            if i == 0 {
                z = 3 / (1 + 2.4 * count)
            } else if i == 1 {
                z += 15 / (1 + 2.5 * count)
            } else {
                let ai = Double(i - 1)
                z += (1 + 2.55 * ai) / (1.9 * ai) * (z - nodes[i - 2])
            }
            var derivative = 0.0
            var previous = 0.0
            for _ in 0..<100 {
                var p1 = 1.0
                var p2 = 0.0
                for j in 1...n {
                    let p3 = p2
                    p2 = p1
                    let jj = Double(j)
                    p1 = ((2 * jj - 1 - z) * p2 - (jj - 1) * p3) / jj
                }
                previous = p2
                derivative = count * (p1 - p2) / z
                let step = p1 / derivative
                z -= step
                if abs(step) <= 1e-15 * Swift.max(1, z) { break }
            }
            nodes[i] = z
            weights[i] = -1 / (derivative * count * previous)
        }
        return (nodes, weights)
    }
}
