/// Sorts keys made of two big-endian words (the first sixteen bytes of a string) with a least-significant-byte
/// radix sort: one counting pass per byte, skipping every byte that all keys share (ids like "C00012345" differ in
/// few). Stable, so equal keys keep their order. For large dictionaries, where a comparison sort spends its time
/// on cache misses.
enum PrefixRadixSort {
    struct Item {
        var high: UInt64
        var low: UInt64
        var index: Int
    }

    static func sort(_ items: inout [Item]) {
        let n = items.count
        guard n > 1 else { return }
        // Histograms of all sixteen bytes in one read: low's bytes are digits 0–7, high's 8–15.
        var counts = [Int](repeating: 0, count: 16 * 256)
        counts.withUnsafeMutableBufferPointer { counts in
            for item in items {
                for byte in 0..<8 {
                    counts[byte * 256 + Int(truncatingIfNeeded: item.low >> (8 * UInt64(byte))) & 255] += 1
                    counts[(byte + 8) * 256 + Int(truncatingIfNeeded: item.high >> (8 * UInt64(byte))) & 255] += 1
                }
            }
        }
        var scratch = items
        for digit in 0..<16 {
            let histogram = counts[(digit * 256)..<(digit * 256 + 256)]
            if histogram.contains(n) { continue }
            var starts = [Int](repeating: 0, count: 256)
            var total = 0
            for (bucket, count) in histogram.enumerated() {
                starts[bucket] = total
                total += count
            }
            let shift = 8 * UInt64(digit % 8)
            let useHigh = digit >= 8
            items.withUnsafeBufferPointer { source in
                scratch.withUnsafeMutableBufferPointer { target in
                    for item in source {
                        let bucket = Int(truncatingIfNeeded: (useHigh ? item.high : item.low) >> shift) & 255
                        target[starts[bucket]] = item
                        starts[bucket] += 1
                    }
                }
            }
            swap(&items, &scratch)
        }
    }
}
