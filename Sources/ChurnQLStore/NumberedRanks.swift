import Dispatch

extension ValueOrdering {
    /// The sort ranks of dictionary entries that all have one shape, a fixed prefix and a fixed number of digits
    /// ("C00012345", "00004"), found from their numbers with an array instead of a sort: with the prefix and the
    /// width the same, the numbers' order is the entries' byte order. nil when an entry has another shape, or when
    /// the numbers are spread over more than four slots per entry.
    static func numberedRanks(_ dictionary: [String]) -> [Int32]? {
        guard var first = dictionary.first,
            let shape = first.withUTF8({ NumberedText(of: $0, maxDigits: 18) })
        else { return nil }
        let count = dictionary.count
        let parts = count >= 200_000 ? 2 : 1
        var shapeHeld = [Bool](repeating: true, count: parts)
        let numbers = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            shapeHeld.withUnsafeMutableBufferPointer { held in
                nonisolated(unsafe) let held = held
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for i in (count * part / parts)..<(count * (part + 1) / parts) {
                        var text = dictionary[i]
                        let number = text.withUTF8 { bytes -> Int64? in
                            guard let base = bytes.baseAddress else { return nil }
                            return shape.number(base, count: bytes.count)
                        }
                        guard let number else {
                            held[part] = false
                            return
                        }
                        buffer[i] = number
                    }
                }
            }
            // Plain integers: a part that stopped early leaves its rest unset but readable.
            initialized = count
        }
        guard !shapeHeld.contains(false), let low = numbers.min(), let high = numbers.max(),
            high - low < Int64(4 * count + 65_536)
        else { return nil }
        // Present numbers marked 0, then numbered in ascending order; equal entries share a rank.
        var rankOf = [Int32](repeating: -1, count: Int(high - low) + 1)
        for number in numbers { rankOf[Int(number - low)] = 0 }
        var rank: Int32 = 0
        for slot in rankOf.indices where rankOf[slot] == 0 {
            rankOf[slot] = rank
            rank += 1
        }
        return numbers.map { rankOf[Int($0 - low)] }
    }
}
