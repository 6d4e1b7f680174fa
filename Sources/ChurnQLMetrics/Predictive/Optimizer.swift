import Foundation

/// Minimises a smooth function of a few variables: Nelder–Mead to get close, then BFGS with central-difference
/// gradients to converge tightly. Deterministic for given starting points.
enum Optimizer {
    struct Result {
        var point: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
        /// BFGS's final estimate of the inverse Hessian (nil for Nelder–Mead).
        var inverseHessian: [[Double]]? = nil
    }

    static func minimize(_ f: ([Double]) -> Double, from start: [Double], gradient: (([Double]) -> [Double])? = nil)
        -> Result
    {
        // A few hundred simplex steps get close; BFGS finishes with far fewer evaluations.
        let coarse = nelderMead(f, start: start, maxIterations: 2000)
        var fine = bfgs(f, start: coarse.point, maxIterations: 500, gradient: gradient)
        // A restart with a fresh curvature estimate polishes flat directions (Gamma-Gamma's γ).
        let polished = bfgs(f, start: fine.point, maxIterations: 200, gradient: gradient)
        if polished.value <= fine.value {
            fine = Result(
                point: polished.point, value: polished.value, iterations: fine.iterations + polished.iterations,
                converged: polished.converged)
        }
        if fine.value <= coarse.value {
            return Result(
                point: fine.point, value: fine.value, iterations: coarse.iterations + fine.iterations,
                converged: fine.converged)
        }
        return coarse
    }

    static func nelderMead(_ f: ([Double]) -> Double, start: [Double], maxIterations: Int) -> Result {
        let n = start.count
        var simplex = [start]
        for i in 0..<n {
            var p = start
            p[i] += 0.5
            simplex.append(p)
        }
        var values = simplex.map(f)
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            if !FitProgress.step() { break }
            let order = values.indices.sorted { values[$0] < values[$1] }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            if abs(values[n] - values[0]) < 1e-10 * (abs(values[0]) + 1e-10) {
                converged = true
                break
            }
            var centroid = [Double](repeating: 0, count: n)
            for p in simplex.dropLast() { for j in 0..<n { centroid[j] += p[j] / Double(n) } }
            func along(_ t: Double) -> [Double] { (0..<n).map { centroid[$0] + t * (simplex[n][$0] - centroid[$0]) } }
            let reflected = along(-1)
            let fr = f(reflected)
            if fr < values[0] {
                let expanded = along(-2)
                let fe = f(expanded)
                if fe < fr {
                    simplex[n] = expanded
                    values[n] = fe
                } else {
                    simplex[n] = reflected
                    values[n] = fr
                }
            } else if fr < values[n - 1] {
                simplex[n] = reflected
                values[n] = fr
            } else {
                let contracted = fr < values[n] ? along(-0.5) : along(0.5)
                let fc = f(contracted)
                if fc < Swift.min(fr, values[n]) {
                    simplex[n] = contracted
                    values[n] = fc
                } else {
                    for i in 1...n {
                        simplex[i] = (0..<n).map { simplex[0][$0] + 0.5 * (simplex[i][$0] - simplex[0][$0]) }
                        values[i] = f(simplex[i])
                    }
                }
            }
        }
        let best = values.indices.min { values[$0] < values[$1] } ?? 0
        return Result(point: simplex[best], value: values[best], iterations: iterations, converged: converged)
    }

    static func gradient(_ f: ([Double]) -> Double, _ x: [Double]) -> [Double] {
        (0..<x.count).map { i in
            // Central differences: h near the cube root of machine epsilon balances truncation and rounding.
            let h = 1e-5 * Swift.max(1, abs(x[i]))
            var up = x
            var down = x
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / (2 * h)
        }
    }

    static func bfgs(
        _ f: ([Double]) -> Double, start: [Double], maxIterations: Int,
        gradient analytic: (([Double]) -> [Double])? = nil
    ) -> Result {
        func grad(_ point: [Double]) -> [Double] { analytic?(point) ?? gradient(f, point) }
        let n = start.count
        var x = start
        var fx = f(x)
        var g = grad(x)
        var h = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            if !FitProgress.step() { break }
            if sqrt(g.reduce(0) { $0 + $1 * $1 }) < 1e-7 {
                converged = true
                break
            }
            var direction = (0..<n).map { i in -(0..<n).reduce(0) { $0 + h[i][$1] * g[$1] } }
            if zip(direction, g).reduce(0, { $0 + $1.0 * $1.1 }) >= 0 {
                direction = g.map { -$0 }
                h = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
            }
            // Backtracking line search (Armijo).
            var step = 1.0
            var next = x
            var fnext = fx
            let slope = zip(direction, g).reduce(0) { $0 + $1.0 * $1.1 }
            while step > 1e-12 {
                // Each trial is a pass over the data: Ctrl-C is answered between trials, not only per iteration.
                if FitProgress.current?.isCancelled == true {
                    return Result(point: x, value: fx, iterations: iterations, converged: false)
                }
                next = (0..<n).map { x[$0] + step * direction[$0] }
                fnext = f(next)
                if fnext.isFinite && fnext <= fx + 1e-4 * step * slope { break }
                step *= 0.5
            }
            guard step > 1e-12 else {
                // A stalled line search is an optimum only where the gradient is at the level of its own noise.
                converged = isStationary(g, value: fx)
                break
            }
            let gnext = grad(next)
            let s = (0..<n).map { next[$0] - x[$0] }
            let y = (0..<n).map { gnext[$0] - g[$0] }
            updateInverseHessian(&h, step: s, gradientChange: y)
            let improvement = fx - fnext
            x = next
            fx = fnext
            g = gnext
            if improvement >= 0 && improvement < 1e-16 * (abs(fx) + 1) {
                converged = isStationary(g, value: fx)
                break
            }
        }
        return Result(point: x, value: fx, iterations: iterations, converged: converged)
    }

    /// BFGS on a function that returns its value and gradient together (one pass over the data for both), with
    /// a backtracking line search.
    static func bfgs(
        valueAndGradient fg: ([Double]) -> (Double, [Double]), start: [Double], maxIterations: Int,
        inverseHessian: [[Double]]? = nil
    ) -> Result {
        let n = start.count
        var x = start
        var (fx, g) = fg(x)
        guard fx.isFinite else { return Result(point: x, value: fx, iterations: 0, converged: false) }
        var h = inverseHessian ?? identity(n)
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            if !FitProgress.step() { break }
            // Relative to the objective's size: sums over millions of customers cannot reach an absolute 1e-7.
            if sqrt(dot(g, g)) < 1e-9 * Swift.max(1, abs(fx)) {
                converged = true
                break
            }
            var direction = (0..<n).map { i in -dot(h[i], g) }
            if dot(direction, g) >= 0 {
                direction = g.map { -$0 }
                h = identity(n)
            }
            // No step longer than 1 in any coordinate: the gradient of a sum over millions of customers is huge,
            // and a full step from the identity would overflow the parameters.
            let longest = direction.reduce(0) { Swift.max($0, abs($1)) }
            if longest > 1 { direction = direction.map { $0 / longest } }
            let slope = dot(direction, g)
            var step = 1.0
            var next = x
            var fnext = fx
            var gnext = g
            while step > 1e-12 {
                if FitProgress.current?.isCancelled == true {
                    return Result(point: x, value: fx, iterations: iterations, converged: false)
                }
                next = (0..<n).map { x[$0] + step * direction[$0] }
                (fnext, gnext) = fg(next)
                if fnext.isFinite && fnext <= fx + 1e-4 * step * slope { break }
                step *= 0.5
            }
            guard step > 1e-12 else {
                converged = isStationary(g, value: fx)
                break
            }
            let s = (0..<n).map { next[$0] - x[$0] }
            let y = (0..<n).map { gnext[$0] - g[$0] }
            // After the first step, start the curvature estimate at the observed scale (Nocedal & Wright 6.20).
            let sy = dot(s, y)
            if iterations == 1 && inverseHessian == nil && sy > 1e-12 {
                h = identity(n).map { $0.map { $0 * sy / dot(y, y) } }
            }
            updateInverseHessian(&h, step: s, gradientChange: y)
            let improvement = fx - fnext
            x = next
            fx = fnext
            g = gnext
            if improvement >= 0 && improvement < 1e-15 * (abs(fx) + 1) && sqrt(dot(g, g)) < 1e-5 * (abs(fx) + 1) {
                converged = true
                break
            }
        }
        return Result(point: x, value: fx, iterations: iterations, converged: converged, inverseHessian: h)
    }

    /// The BFGS update of the inverse Hessian estimate after a step s that changed the gradient by y (skipped
    /// when the curvature s·y is not positive).
    private static func updateInverseHessian(_ h: inout [[Double]], step s: [Double], gradientChange y: [Double]) {
        let n = s.count
        let sy = dot(s, y)
        guard sy > 1e-12 else { return }
        let hy = (0..<n).map { i in dot(h[i], y) }
        let yhy = dot(y, hy)
        for i in 0..<n {
            for j in 0..<n {
                h[i][j] += (sy + yhy) * s[i] * s[j] / (sy * sy) - (hy[i] * s[j] + s[i] * hy[j]) / sy
            }
        }
    }

    /// Whether a gradient is small enough, relative to the objective, to call a point where no step helps an
    /// optimum (and not a stall on a slope).
    private static func isStationary(_ g: [Double], value: Double) -> Bool {
        sqrt(dot(g, g)) < 1e-6 * Swift.max(1, abs(value))
    }

    private static func identity(_ n: Int) -> [[Double]] { (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } } }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    /// The Hessian by central differences of an analytic gradient (2n gradient evaluations, symmetrised).
    static func hessian(gradient: ([Double]) -> [Double], at x: [Double]) -> [[Double]] {
        let n = x.count
        var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        // Each gradient is a pass over all customers (about 0.1 s on millions of triples): a stopped fit is asked
        // before every pass and leaves the rest (its caller throws).
        func cancelled() -> Bool { FitProgress.current?.isCancelled == true }
        for i in 0..<n {
            if cancelled() { return h }
            let step = 1e-5 * Swift.max(abs(x[i]), 1e-2)
            var up = x
            var down = x
            up[i] += step
            down[i] -= step
            let gu = gradient(up)
            if cancelled() { return h }
            let gd = gradient(down)
            for j in 0..<n { h[i][j] = (gu[j] - gd[j]) / (2 * step) }
        }
        for i in 0..<n {
            for j in (i + 1)..<n {
                let mean = (h[i][j] + h[j][i]) / 2
                h[i][j] = mean
                h[j][i] = mean
            }
        }
        return h
    }

    /// The Hessian by central differences (for standard errors from the observed information).
    static func hessian(_ f: ([Double]) -> Double, at x: [Double]) -> [[Double]] {
        let n = x.count
        var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        let steps = x.map { 1e-4 * Swift.max(abs($0), 1e-2) }
        for i in 0..<n {
            for j in i..<n {
                if FitProgress.current?.isCancelled == true { return h }
                func at(_ di: Double, _ dj: Double) -> Double {
                    var p = x
                    p[i] += di * steps[i]
                    p[j] += dj * steps[j]
                    return f(p)
                }
                let value = (at(1, 1) - at(1, -1) - at(-1, 1) + at(-1, -1)) / (4 * steps[i] * steps[j])
                h[i][j] = value
                h[j][i] = value
            }
        }
        return h
    }
}
