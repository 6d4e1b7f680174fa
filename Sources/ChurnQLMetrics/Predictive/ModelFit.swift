import Foundation

/// Each customer's repeat purchases x, time of the last purchase t_x and age T (in model time units), and the
/// mean value of the repeat purchases.
public struct CalibrationData: Sendable {
    public var x: [Double]
    public var tx: [Double]
    public var T: [Double]
    public var monetary: [Double]
    /// The same customers in whole days, when they come from order dates (lets the models use per-day tables).
    public var days: CalibrationDays?

    public init(x: [Double], tx: [Double], T: [Double], monetary: [Double] = []) {
        self.x = x
        self.tx = tx
        self.T = T
        self.monetary = monetary
    }

    public var count: Int { x.count }
}

/// x, t_x and T of each customer as whole numbers (t_x and T in days); a unit is `unitDays` days.
public struct CalibrationDays: Sendable {
    public var x: [Int32] = []
    public var tx: [Int32] = []
    public var T: [Int32] = []
    public var unitDays: Double

    public init(x: [Int32], tx: [Int32], T: [Int32], unitDays: Double) {
        self.x = x
        self.tx = tx
        self.T = T
        self.unitDays = unitDays
    }
}

/// A fitted parameter with its standard error and 95% interval from the observed information.
public struct FittedParameter: Sendable {
    public var name: String
    public var value: Double
    public var standardError: Double?
    /// 95% interval on the log scale (delta method), so it stays positive like the parameter.
    public var lower: Double? { standardError.map { value * exp(-1.959964 * $0 / value) } }
    public var upper: Double? { standardError.map { value * exp(1.959964 * $0 / value) } }
}

/// The outcome of a maximum-likelihood fit.
public struct ModelFit: Sendable {
    public var model: String
    public var parameters: [FittedParameter]
    public var logLikelihood: Double
    public var iterations: Int
    /// The optimiser stopped at a point where the gradient vanishes (not at an iteration cap or a stall).
    public var converged: Bool
    public var customers: Int
    public var notes: [String] = []
    /// Parameters whose estimate ran off towards 0 or infinity (`r → ∞`): the likelihood keeps rising towards the
    /// edge of the parameter space, so the numbers are a limit, not a point estimate.
    public var boundary: [String] = []

    /// One phrase for the fit's state, as reports print it.
    public var status: String {
        if !converged { return "did not converge after \(iterations) iterations" }
        if !boundary.isEmpty { return "at the boundary" }
        return "converged"
    }

    /// What the user must know even with --quiet: a fit that did not converge or sits at the boundary.
    public var warning: String? {
        let edge = boundary.joined(separator: ", ")
        switch (converged, boundary.isEmpty) {
        case (true, true): return nil
        case (false, true):
            return "\(model) did not converge after \(iterations) iterations: the estimates are where the optimiser "
                + "stopped, not a maximum of the likelihood"
        case (false, false):
            return "\(model) did not converge after \(iterations) iterations: the likelihood keeps rising towards the "
                + "boundary of the parameter space (\(edge)), so the data fit a limiting case of the model"
        case (true, false):
            return "\(model): the estimate is at the boundary of the parameter space (\(edge)): the data fit a "
                + "limiting case of the model; predictions use the numbers shown"
        }
    }

    public func value(_ name: String) -> Double { parameters.first { $0.name == name }?.value ?? .nan }
    public var aic: Double { 2 * Double(parameters.count) - 2 * logLikelihood }
    public var bic: Double { Double(parameters.count) * log(Double(Swift.max(customers, 1))) - 2 * logLikelihood }
}

/// Why a model could not be fitted.
public struct ModelError: Error, Sendable {
    public var message: String
    public var hint: String?
    /// The user stopped the fit (Ctrl-C), as opposed to a fit that failed.
    public var interrupted = false

    public init(message: String, hint: String? = nil, interrupted: Bool = false) {
        self.message = message
        self.hint = hint
        self.interrupted = interrupted
    }
}

/// Fits positive parameters by maximising a log-likelihood over their logarithms.
enum MaximumLikelihood {
    /// Fails when the user interrupted the fit (the optimiser stops at its next iteration).
    static func checkInterrupted() throws(ModelError) {
        if FitProgress.current?.isCancelled == true {
            throw ModelError(
                message: "interrupted", hint: "the fit was cancelled; any earlier model is kept", interrupted: true)
        }
    }

    /// Fails when the statement running the fit was asked to stop (`Interrupt.current`): asked between the
    /// passes that prepare the data, before the optimiser's first iteration asks `FitProgress`.
    static func checkStatementInterrupted() throws(ModelError) {
        if Interrupt.requested {
            throw ModelError(
                message: "interrupted", hint: "the fit was cancelled; any earlier model is kept", interrupted: true)
        }
    }

    /// Every how many customers (or triples) a warm-start sample keeps, or 0 for no warm start: about 50,000 of
    /// them, and at least every fourth from 100,000 on. Below that BFGS on everything costs less than a sample's
    /// fit plus Newton steps; from there on the sample's optimum is close enough for Newton's method to finish.
    static func warmStartStep(_ count: Int) -> Int {
        let step = Swift.max(count / 50_000, count >= 100_000 ? 4 : 0)
        return step >= 4 ? step : 0
    }

    /// Fits with a log-likelihood that returns its gradient (natural parameters) from the same pass: BFGS from each
    /// start until one converges, standard errors from the analytic Hessian of LL when given, else from differences
    /// of the gradient. Falls back to the
    /// derivative-free path when no start converges.
    static func fit(
        model: String, names: [String], customers: Int, starts: [[Double]],
        objective: @escaping ([Double]) -> (Double, [Double]),
        hessian analyticHessian: (([Double]) -> [[Double]])? = nil,
        warmStart: (([Double]) -> (Double, [Double]))? = nil,
        objectiveWithHessian: (([Double]) -> (Double, [Double], [[Double]]))? = nil
    ) throws(ModelError) -> ModelFit {
        let negative = logScale(objective)
        var best: Optimizer.Result?
        // The Hessian of −LL (natural scale) at the best point, when Newton's method computed it there.
        var bestHessian: [[Double]]?
        var warmIterations = 0
        for start in starts {
            var from = start.map { log($0) }
            var curvature: [[Double]]?
            // On a sample scaled to the whole, BFGS gets close for a fraction of the cost; the full data then
            // needs only a few steps from there, starting with the sample's curvature.
            if let warmStart {
                let negativeSample = logScale(warmStart)
                let sample = Optimizer.bfgs(valueAndGradient: negativeSample, start: from, maxIterations: 500)
                if sample.converged && sample.value.isFinite {
                    from = sample.point
                    curvature = sample.inverseHessian
                    warmIterations = sample.iterations
                }
            }
            // Near the optimum, Newton's method converges in a few passes that each give the Hessian too.
            let newton = curvature == nil ? nil : objectiveWithHessian.flatMap { newtonSteps($0, from: from) }
            var result =
                newton?.result
                ?? Optimizer.bfgs(
                    valueAndGradient: negative, start: from, maxIterations: 500, inverseHessian: curvature)
            result.iterations += warmIterations
            if result.value.isFinite, best.map({ result.value < $0.value }) ?? true {
                best = result
                bestHessian = newton?.hessian
            }
            if result.converged && result.value.isFinite { break }
        }
        try checkInterrupted()
        guard let best, best.converged else {
            return try fit(
                model: model, names: names, customers: customers, starts: starts, logLikelihood: { objective($0).0 },
                gradient: { objective($0).1 })
        }
        let estimates = best.point.map { exp($0) }
        // The Hessian of −LL: analytic when the model has one (one pass), else differences of the gradient.
        let hessian =
            bestHessian ?? analyticHessian.map { h in h(estimates).map { $0.map { -$0 } } }
            ?? Optimizer.hessian(gradient: { theta in objective(theta).1.map { -$0 } }, at: estimates)
        try checkInterrupted()
        return summary(
            model: model, names: names, customers: customers, best: best, estimates: estimates, hessian: hessian)
    }

    /// Newton's method on −LL over the logarithms of the parameters, from a point near the optimum: each step
    /// takes the value, gradient and Hessian from one pass over the data, and halves until −LL decreases enough.
    /// Returns the optimum and the Hessian of −LL there (natural scale); nil when a step fails (a Hessian that is
    /// not positive definite, a line search that stalls), so that the caller runs BFGS instead.
    private static func newtonSteps(
        _ fused: ([Double]) -> (Double, [Double], [[Double]]), from start: [Double], maxIterations: Int = 20
    ) -> (result: Optimizer.Result, hessian: [[Double]])? {
        let n = start.count
        func dot(_ u: [Double], _ v: [Double]) -> Double { zip(u, v).reduce(0) { $0 + $1.0 * $1.1 } }
        // −LL, its gradient and Hessian in log-parameters (θ = e^u), and the natural-scale Hessian of −LL.
        func negative(_ logs: [Double]) -> (
            value: Double, gradient: [Double], curvature: [[Double]], natural: [[Double]]
        )? {
            let theta = logs.map { exp($0) }
            guard theta.allSatisfy(isInRange) else { return nil }
            let (ll, g, h) = fused(theta)
            guard ll.isFinite, g.allSatisfy(\.isFinite), h.allSatisfy({ $0.allSatisfy(\.isFinite) }) else { return nil }
            let gradient = (0..<n).map { -theta[$0] * g[$0] }
            // ∂²/∂u_i∂u_j of −LL = −(θ_i θ_j H_ij + [i = j] θ_i g_i).
            let curvature = (0..<n).map { i -> [Double] in
                (0..<n).map { j -> Double in
                    let diagonal: Double = i == j ? theta[i] * g[i] : 0
                    return -(theta[i] * theta[j] * h[i][j] + diagonal)
                }
            }
            return (-ll, gradient, curvature, h.map { $0.map { -$0 } })
        }
        guard var current = negative(start) else { return nil }
        var point = start
        for iteration in 1...maxIterations {
            guard FitProgress.step() else { return nil }
            let (value, gradient) = (current.value, current.gradient)
            if sqrt(dot(gradient, gradient)) < 1e-9 * Swift.max(1, abs(value)) {
                return (
                    Optimizer.Result(point: point, value: value, iterations: iteration, converged: true),
                    current.natural
                )
            }
            // Only a positive definite Hessian gives a step toward a minimum.
            guard let solved = SmallMatrix.solvePositiveDefinite(current.curvature, gradient) else { return nil }
            var direction = solved.map { -$0 }
            let longest = direction.reduce(0) { Swift.max($0, abs($1)) }
            if longest > 1 { direction = direction.map { $0 / longest } }
            let slope = dot(direction, gradient)
            guard slope < 0 else { return nil }
            var step = 1.0
            while true {
                let next = (0..<n).map { point[$0] + step * direction[$0] }
                if let candidate = negative(next), candidate.value <= value + 1e-4 * step * slope {
                    point = next
                    current = candidate
                    break
                }
                step /= 2
                if step < 1e-3 { return nil }
            }
            // A full step without measurable progress: the gradient is at the level of rounding in the sums.
            if step == 1 && value - current.value < 1e-15 * (abs(current.value) + 1) {
                return (
                    Optimizer.Result(point: point, value: current.value, iterations: iteration, converged: true),
                    current.natural
                )
            }
        }
        return nil
    }

    /// Parameters beyond 10¹⁰ or below 10⁻¹⁰ are a boundary the search does not cross: out there ln Γ and the
    /// products in the likelihoods lose the digits that tell one point from the next, and a fit on regular buyers
    /// (rates running off to infinity) would climb on rounding noise.
    static func isInRange(_ value: Double) -> Bool { value >= 1e-10 && value <= 1e10 }

    /// −LL over the logarithms of the parameters: ∂(−LL)/∂ log θ = −θ ∂LL/∂θ; infinite where LL is not finite.
    private static func logScale(_ objective: @escaping ([Double]) -> (Double, [Double])) -> ([Double]) -> (
        Double, [Double]
    ) {
        { logs in
            let theta = logs.map { exp($0) }
            guard theta.allSatisfy(isInRange) else { return (.infinity, logs.map { _ in 0 }) }
            let (value, gradient) = objective(theta)
            guard value.isFinite, gradient.allSatisfy(\.isFinite) else { return (.infinity, gradient.map { _ in 0 }) }
            return (-value, zip(gradient, theta).map { -$0 * $1 })
        }
    }

    /// Parameters with standard errors from the inverse Hessian of −LL (natural scale).
    private static func summary(
        model: String, names: [String], customers: Int, best: Optimizer.Result, estimates: [Double],
        hessian: [[Double]]
    ) -> ModelFit {
        let covariance = SmallMatrix.inverse(hessian)
        let parameters = names.enumerated().map { i, name in
            let variance = covariance?[i][i]
            return FittedParameter(
                name: name, value: estimates[i], standardError: variance.flatMap { $0 > 0 ? sqrt($0) : nil })
        }
        var fit = ModelFit(
            model: model, parameters: parameters, logLikelihood: -best.value, iterations: best.iterations,
            converged: best.converged, customers: customers)
        fit.boundary = boundaryParameters(names: names, estimates: estimates, parameters: parameters)
        if covariance == nil {
            fit.notes.append("the information matrix is singular: the data cannot identify every parameter")
        }
        return fit
    }

    /// Shape parameters beyond [10⁻⁴, 10⁴] (a gamma or beta shape that far out means no heterogeneity, or none
    /// of the process), with the scale that runs off beside them, and any parameter the data cannot pin down within
    /// orders of magnitude (standard error over 10 times the estimate).
    private static func boundaryParameters(names: [String], estimates: [Double], parameters: [FittedParameter])
        -> [String]
    {
        let scaleOfShape = ["r": "alpha", "s": "beta", "q": "gamma"]
        let scales = Set(scaleOfShape.values)
        var flagged = Set<String>()
        for (name, value) in zip(names, estimates) where !scales.contains(name) && (value > 1e4 || value < 1e-4) {
            flagged.insert(name)
            if let scale = scaleOfShape[name] { flagged.insert(scale) }
        }
        for parameter in parameters {
            if let se = parameter.standardError, se > 10 * parameter.value { flagged.insert(parameter.name) }
        }
        return zip(names, estimates).compactMap { name, value in
            flagged.contains(name) ? "\(name) → \(value > 1 ? "∞" : "0")" : nil
        }
    }

    static func fit(
        model: String, names: [String], customers: Int, starts: [[Double]], logLikelihood: ([Double]) -> Double,
        gradient: (([Double]) -> [Double])? = nil
    ) throws(ModelError) -> ModelFit {
        let negative: ([Double]) -> Double = { logs in
            let theta = logs.map { exp($0) }
            guard theta.allSatisfy(isInRange) else { return 1e300 }
            let value = -logLikelihood(theta)
            return value.isFinite ? value : 1e300
        }
        var best: Optimizer.Result?
        // Further starting points are tried only when the first does not converge.
        for start in starts {
            // The analytic gradient is of LL in natural parameters; the optimiser works on −LL over logs.
            let logGradient: (([Double]) -> [Double])? = gradient.map { g in
                { logs in
                    let theta = logs.map { exp($0) }
                    return zip(g(theta), theta).map { -$0 * $1 }
                }
            }
            let result = Optimizer.minimize(negative, from: start.map { log($0) }, gradient: logGradient)
            if best.map({ result.value < $0.value }) ?? true { best = result }
            if result.converged { break }
        }
        try checkInterrupted()
        guard let best, best.value < 1e299 else {
            throw ModelError(message: "the \(model) likelihood could not be evaluated on this data")
        }
        let estimates = best.point.map { exp($0) }
        // Standard errors on the natural scale from the inverse Hessian of −LL.
        let hessian = Optimizer.hessian({ -logLikelihood($0) }, at: estimates)
        try checkInterrupted()
        return summary(
            model: model, names: names, customers: customers, best: best, estimates: estimates, hessian: hessian)
    }
}
