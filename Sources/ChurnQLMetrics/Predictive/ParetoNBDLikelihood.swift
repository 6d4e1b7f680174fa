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

        /// Built in passes over the triples (a few tens of milliseconds each on millions of customers); when the
        /// statement is asked to stop between them the likelihood is left empty, and the fit, which asks right
        /// after, drops it.
        init(_ unordered: CompressedTriples) {
            let stop = { Interrupt.requested }
            guard !stop() else {
                self.init(empty: unordered)
                return
            }
            let (distinct, _) = DistinctCounts.of(unordered.x)
            var position = DistinctNumbering(expected: distinct.count)
            for value in distinct { _ = position.id(value) }
            let xs = unordered.x.map { position.id($0) }
            // The times of both columns ranked in ascending order, then the (x, time) pairs the triples need,
            // numbered in (x, time) order.
            let times = Array(Set(unordered.txValues + unordered.tValues)).sorted()
            let rank = Dictionary(uniqueKeysWithValues: times.enumerated().map { ($1, UInt64($0)) })
            let txRank = unordered.txValues.map { rank[$0] ?? 0 }
            let tRank = unordered.tValues.map { rank[$0] ?? 0 }
            guard !stop() else {
                self.init(empty: unordered)
                return
            }
            var pairs = DistinctNumbering(expected: 1024)
            var upper = [Int32](repeating: -1, count: unordered.count)
            var lower = [Int32](repeating: -1, count: unordered.count)
            for i in 0..<unordered.count {
                if i & (Interrupt.stride - 1) == 0 && stop() { break }
                let (txi, ti) = (Int(unordered.txIndex[i]), Int(unordered.tIndex[i]))
                guard unordered.txValues[txi] < unordered.tValues[ti] else { continue }
                let x = UInt64(xs[i]) << 32
                upper[i] = pairs.id(Double(bitPattern: x | txRank[txi]))
                lower[i] = pairs.id(Double(bitPattern: x | tRank[ti]))
            }
            guard !stop() else {
                self.init(empty: unordered)
                return
            }
            let keys = pairs.values.map(\.bitPattern)
            let sortedPairs = keys.indices.sorted { keys[$0] < keys[$1] }
            var renumbered = [Int32](repeating: 0, count: keys.count)
            for (k, id) in sortedPairs.enumerated() { renumbered[id] = Int32(k) }
            let pairX = sortedPairs.map { distinct[Int(keys[$0] >> 32)] }
            let pairT = sortedPairs.map { times[Int(keys[$0] & 0xFFFF_FFFF)] }
            // Triples in the order of their (x, T) pair (counting sort, those without a dropout term first), so
            // that both tails of consecutive triples are near each other in memory.
            var start = [Int](repeating: 0, count: keys.count + 2)
            for l in lower { start[l < 0 ? 1 : Int(renumbered[Int(l)]) + 2] += 1 }
            for k in 1..<start.count { start[k] += start[k - 1] }
            var order = [Int](repeating: 0, count: unordered.count)
            for (i, l) in lower.enumerated() {
                let slot = l < 0 ? 0 : Int(renumbered[Int(l)]) + 1
                order[start[slot]] = i
                start[slot] += 1
            }
            guard !stop() else {
                self.init(empty: unordered)
                return
            }
            var triples = unordered
            triples.x = order.map { unordered.x[$0] }
            triples.weight = order.map { unordered.weight[$0] }
            triples.txIndex = order.map { unordered.txIndex[$0] }
            triples.tIndex = order.map { unordered.tIndex[$0] }
            var totals = [Double](repeating: 0, count: distinct.count)
            for (k, w) in zip(xs, unordered.weight) { totals[Int(k)] += w }
            self.init(
                triples: triples, xIndex: order.map { xs[$0] }, distinctX: distinct, weightOfX: totals,
                upperPair: order.map { upper[$0] < 0 ? -1 : renumbered[Int(upper[$0])] },
                lowerPair: order.map { lower[$0] < 0 ? -1 : renumbered[Int(lower[$0])] }, pairX: pairX, pairT: pairT)
        }

        private init(
            triples: CompressedTriples, xIndex: [Int32], distinctX: [Double], weightOfX: [Double],
            upperPair: [Int32], lowerPair: [Int32], pairX: [Double], pairT: [Double]
        ) {
            self.triples = triples
            self.xIndex = xIndex
            self.distinctX = distinctX
            self.weightOfX = weightOfX
            self.upperPair = upperPair
            self.lowerPair = lowerPair
            self.pairX = pairX
            self.pairT = pairT
        }

        /// No triple: what a stopped build leaves.
        private init(empty unordered: CompressedTriples) {
            var none = unordered
            none.x = []
            none.weight = []
            none.txIndex = []
            none.tIndex = []
            self.init(
                triples: none, xIndex: [], distinctX: [], weightOfX: [], upperPair: [], lowerPair: [], pairX: [],
                pairT: [])
        }

        /// Lanes 5–7 of each pair's tail: s H e^−ref, e^(F − ref) (F = −(r+x) ln(α+t) − s ln(β+t), the no-dropout
        /// term at T = t) and ref, the largest of F and ln s + ln H over the pairs of the same x (contiguous: pairs
        /// are in (x, t) order). A triple's e^F + s H(t_x) − s H(T) is then a sum of its two pairs' lanes.
        private func scale(_ tails: inout [SIMD8<Double>], r: Double, alpha: Double, s: Double, beta: Double) {
            let logS = log(s)
            var k = 0
            while k < pairX.count {
                var end = k
                var reference = -Double.infinity
                while end < pairX.count && pairX[end] == pairX[k] {
                    let f = -(r + pairX[end]) * log(alpha + pairT[end]) - s * log(beta + pairT[end])
                    tails[end][6] = f
                    if f > reference { reference = f }
                    if logS + tails[end][0] > reference { reference = logS + tails[end][0] }
                    end += 1
                }
                for j in k..<end {
                    tails[j][5] = exp(logS + tails[j][0] - reference)
                    tails[j][6] = exp(tails[j][6] - reference)
                    tails[j][7] = reference
                }
                k = end
            }
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
            // Per pair [ln H, ∂/∂p, ∂/∂α, ∂/∂q, ∂/∂β] in one cache line; NaN when the tail has no fast evaluation.
            var tails = ParallelArray.make(pairX.count, parallelFrom: 4_000) { k -> SIMD8<Double> in
                guard let h = ParetoTail.evaluate(p: r + pairX[k], q: s + 1, alpha: alpha, beta: beta, from: pairT[k])
                else { return SIMD8(repeating: .nan) }
                return SIMD8(h.value, h.dp, h.dAlpha, h.dq, h.dBeta, 0, 0, 0)
            }
            let logS = log(s)
            scale(&tails, r: r, alpha: alpha, s: s, beta: beta)
            let tValues = triples.tValues
            let logAT = tValues.map { log(alpha + $0) }
            let inverseAT = tValues.map { 1 / (alpha + $0) }
            let logBT = tValues.map { log(beta + $0) }
            let inverseBT = tValues.map { 1 / (beta + $0) }
            let (x, weight, tIndex, txIndex) = (triples.x, triples.weight, triples.tIndex, triples.txIndex)
            let (txValues, upperPair, lowerPair) = (triples.txValues, self.upperPair, self.lowerPair)
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
                    let (fromTx, fromT) = (tails[upper], tails[lower])
                    let gradientU = SIMD4(fromTx[1], fromTx[2], fromTx[3], fromTx[4])
                    let gradientV = SIMD4(fromT[1], fromT[2], fromT[3], fromT[4])
                    // e^F + s H(t_x) − s H(T) from the pairs' scaled terms: one logarithm per triple.
                    let (a, b, c) = (fromT[6], fromTx[5], fromT[5])
                    let scaled = a + b - c
                    if b > c && scaled > 1e-290 {
                        var g = a * gradientF + b * gradientU - c * gradientV
                        g[2] += (b - c) / s
                        ll += w * (fromT[7] + log(scaled))
                        sum += (w / scaled) * g
                        continue
                    }
                    if fromT[0] < fromTx[0] {
                        // Terms too far below the pair's reference: scaled by e^−m, m the larger of F and
                        // ln s + ln H(t_x), with two exponentials.
                        let top = logS + fromTx[0]
                        let m = Swift.max(first, top)
                        let a = first >= top ? 1 : exp(first - top)
                        let b = first >= top ? exp(top - first) : 1
                        let c = b * exp(fromT[0] - fromTx[0])
                        let terms = a + b - c
                        var g = a * gradientF + b * gradientU - c * gradientV
                        g[2] += (b - c) / s
                        if terms > 0 && (b - c) > 0 {
                            ll += w * (m + log(terms))
                            sum += (w / terms) * g
                            continue
                        }
                    }
                    // No tails (or H lost to rounding): the integral from t_x to T directly.
                    let h = DropoutIntegral.logWithGradient(
                        p: rx, q: s + 1, alpha: alpha, beta: beta, from: txValues[Int(txIndex[i])], to: tValues[t])
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
