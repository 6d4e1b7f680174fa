import Foundation

extension ParetoNBD {
    /// The Pareto/NBD log-likelihood over distinct (x, t_x, T) triples with its gradient in (r, α, s, β), from one
    /// pass. Per customer LL = G(x) + r ln α + s ln β + ln(e^F + e^S) with F = −(r+x) ln(α+T) − s ln(β+T) and
    /// S = ln s + ln H, H = ∫ from t_x to T of (α+τ)^−(r+x) (β+τ)^−(s+1) dτ (S only when t_x < T). H is the
    /// difference of two tails ∫ from t to ∞, each a function of (x, t) alone: they are computed once per distinct
    /// pair (few: t is a calendar day), not per triple.
    struct Likelihood: Sendable {
        let triples: CompressedTriples
        let xIndex: [Int32]
        let distinctX: [Double]
        let weightOfX: [Double]
        /// Per triple, the (x, t_x) and (x, T) pairs whose tails make its H; −1 when t_x = T (no dropout term).
        let upperPair: [Int32]
        let lowerPair: [Int32]
        let pairX: [Double]
        let pairT: [Double]

        init(_ triples: CompressedTriples) {
            self.triples = triples
            let (distinct, _) = DistinctCounts.of(triples.x)
            distinctX = distinct
            var position = DistinctNumbering(expected: distinct.count)
            for value in distinct { _ = position.id(value) }
            xIndex = triples.x.map { position.id($0) }
            var totals = [Double](repeating: 0, count: distinct.count)
            for (k, w) in zip(xIndex, triples.weight) { totals[Int(k)] += w }
            weightOfX = totals
            // One numbering of the times of both columns, then of the (x, time) pairs the triples need.
            var times = DistinctNumbering(expected: triples.tValues.count)
            let txTime = triples.txValues.map { UInt64(times.id($0)) }
            let tTime = triples.tValues.map { UInt64(times.id($0)) }
            var pairs = DistinctNumbering(expected: 1024)
            var upper = [Int32](repeating: -1, count: triples.count)
            var lower = [Int32](repeating: -1, count: triples.count)
            for i in 0..<triples.count {
                let (txi, ti) = (Int(triples.txIndex[i]), Int(triples.tIndex[i]))
                guard triples.txValues[txi] < triples.tValues[ti] else { continue }
                let x = UInt64(xIndex[i]) << 32
                upper[i] = pairs.id(Double(bitPattern: x | txTime[txi]))
                lower[i] = pairs.id(Double(bitPattern: x | tTime[ti]))
            }
            upperPair = upper
            lowerPair = lower
            let timeValues = times.values
            pairX = pairs.values.map { distinct[Int($0.bitPattern >> 32)] }
            pairT = pairs.values.map { timeValues[Int($0.bitPattern & 0xFFFF_FFFF)] }
        }

        /// Every k-th triple with k times its weight, when there are enough triples for a warm start to pay.
        func sample() -> Likelihood? {
            let step = MaximumLikelihood.warmStartStep(triples.count)
            guard step >= 2 else { return nil }
            var part = triples
            let kept = Swift.stride(from: 0, to: triples.count, by: step)
            part.x = kept.map { triples.x[$0] }
            part.weight = kept.map { triples.weight[$0] * Double(step) }
            part.txIndex = kept.map { triples.txIndex[$0] }
            part.tIndex = kept.map { triples.tIndex[$0] }
            return Likelihood(part)
        }

        func evaluate(_ p: [Double]) -> (Double, [Double]) {
            let (r, alpha, s, beta) = (p[0], p[1], p[2], p[3])
            let (pairX, pairT) = (self.pairX, self.pairT)
            let tails = ParallelArray.make(pairX.count, parallelFrom: 4_000) { k in
                ParetoTail.evaluate(p: r + pairX[k], q: s + 1, alpha: alpha, beta: beta, from: pairT[k])
            }
            let tValues = triples.tValues
            let logAT = tValues.map { log(alpha + $0) }
            let inverseAT = tValues.map { 1 / (alpha + $0) }
            let logBT = tValues.map { log(beta + $0) }
            let inverseBT = tValues.map { 1 / (beta + $0) }
            let (x, weight, tIndex, txIndex) = (triples.x, triples.weight, triples.tIndex, triples.txIndex)
            let (txValues, upperPair, lowerPair) = (triples.txValues, self.upperPair, self.lowerPair)
            let logS = log(s)
            // [ln(e^F + e^S), ∂/∂r, ∂/∂α, ∂/∂s, ∂/∂β] over the triples.
            let sums = ParallelSum.vector(x.count, width: 5) { range, total in
                var sum = SIMD4<Double>.zero
                var ll = 0.0
                for i in range {
                    let w = weight[i]
                    let t = Int(tIndex[i])
                    let rx = r + x[i]
                    let first = -rx * logAT[t] - s * logBT[t]
                    let gradientF = SIMD4(-logAT[t], -rx * inverseAT[t], -logBT[t], -s * inverseBT[t])
                    let (upper, lower) = (Int(upperPair[i]), Int(lowerPair[i]))
                    guard upper >= 0 else {
                        ll += w * first
                        sum += w * gradientF
                        continue
                    }
                    var h = LogIntegral(value: .nan, dp: 0, dq: 0, dAlpha: 0, dBeta: 0)
                    if let fromTx = tails[upper], let fromT = tails[lower] {
                        h = LogIntegral.difference(fromTx, fromT)
                    }
                    if !(h.value.isFinite && h.dp.isFinite && h.dq.isFinite && h.dAlpha.isFinite && h.dBeta.isFinite) {
                        h = DropoutIntegral.logWithGradient(
                            p: rx, q: s + 1, alpha: alpha, beta: beta, from: txValues[Int(txIndex[i])],
                            to: tValues[t])
                    }
                    let second = logS + h.value
                    let gradientS = SIMD4(h.dp, h.dAlpha, 1 / s + h.dq, h.dBeta)
                    let e = exp(-abs(first - second))
                    let shareS = second > first ? 1 / (1 + e) : e / (1 + e)
                    ll += w * (Swift.max(first, second) + log1p(e))
                    sum += w * ((1 - shareS) * gradientF + shareS * gradientS)
                }
                total[0] += ll
                for j in 0..<4 { total[j + 1] += sum[j] }
            }
            // The terms in x alone, once per distinct x.
            let lg = SpecialFunctions.lnGamma
            let psi = SpecialFunctions.digamma
            var ll = sums[0]
            var gradient = Array(sums[1...])
            let (lgR, psiR) = (lg(r), psi(r))
            for (k, x) in distinctX.enumerated() {
                let w = weightOfX[k]
                ll += w * (lg(r + x) - lgR + r * log(alpha) + s * log(beta))
                gradient[0] += w * (psi(r + x) - psiR + log(alpha))
                gradient[1] += w * r / alpha
                gradient[2] += w * log(beta)
                gradient[3] += w * s / beta
            }
            return (ll, gradient)
        }
    }
}
