import Dispatch

/// Sums a term over 0..<count on all cores, in a fixed split so the result is deterministic.
enum ParallelSum {
    static func sum(_ count: Int, _ term: (Int) -> Double) -> Double {
        vector(count, width: 1) { range, total in
            var part = 0.0
            for i in range { part += term(i) }
            total[0] = part
        }[0]
    }
}

extension ParallelSum {
    /// Sums `width` running totals over 0..<count on all cores: `body` adds range's terms into the totals it is
    /// given (one call per part, so the loop inside is plain code). Deterministic for a given count.
    static func vector(
        _ count: Int, width: Int, _ body: (Range<Int>, UnsafeMutableBufferPointer<Double>) -> Void
    ) -> [Double] {
        let parts = count > 20_000 ? 4 : 1
        let partials = UnsafeMutableBufferPointer<Double>.allocate(capacity: parts * width)
        partials.initialize(repeating: 0)
        defer { partials.deallocate() }
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            nonisolated(unsafe) let partials = partials
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let totals = UnsafeMutableBufferPointer(rebasing: partials[(part * width)..<((part + 1) * width)])
                body((count * part / parts)..<(count * (part + 1) / parts), totals)
            }
        }
        return (0..<width).map { k in (0..<parts).reduce(0) { $0 + partials[$1 * width + k] } }
    }
}

/// Builds an array on all cores, each element computed independently from its index.
enum ParallelArray {
    /// Below `parallelFrom` elements the array is built on the calling thread (each element then being cheap).
    static func make<T>(_ count: Int, parallelFrom: Int = 100_000, _ element: (Int) -> T) -> [T] {
        let parts = count >= parallelFrom ? Swift.min(4, count) : 1
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            withoutActuallyEscaping(element) { element in
                nonisolated(unsafe) let element = element
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for i in (count * part / parts)..<(count * (part + 1) / parts) {
                        buffer.initializeElement(at: i, to: element(i))
                    }
                }
            }
            initialized = count
        }
    }
}
