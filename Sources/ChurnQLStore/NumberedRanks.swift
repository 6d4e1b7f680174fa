import Dispatch

extension ValueOrdering {
    /// The sort ranks of dictionary entries that all have one shape, a fixed prefix and a fixed number of digits
    /// ("C00012345", "00004"), found from their numbers with an array instead of a sort: with the prefix and the
    /// width the same, the numbers' order is the entries' byte order. nil when an entry has another shape, or when
    /// the numbers are spread over more than four slots per entry.
    static func numberedRanks(_ dictionary: [String]) -> [Int32]? {
        guard let first = dictionary.first, let shape = NumberShape(first) else { return nil }
        let count = dictionary.count
        let parts = count >= 200_000 ? 2 : 1
        var shapeHeld = [Bool](repeating: true, count: parts)
        let numbers = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            shapeHeld.withUnsafeMutableBufferPointer { held in
                nonisolated(unsafe) let held = held
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    for i in (count * part / parts)..<(count * (part + 1) / parts) {
                        guard let number = shape.number(dictionary[i]) else {
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

/// A prefix followed by a fixed number (1 to 18) of ASCII digits, every value the same length in UTF-8.
private struct NumberShape {
    let prefix: [UInt8]
    let digits: Int

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        var digits = 0
        while digits < 18 && digits < bytes.count && bytes[bytes.count - 1 - digits] &- 48 <= 9 { digits += 1 }
        guard digits > 0 else { return nil }
        prefix = Array(bytes[0..<(bytes.count - digits)])
        self.digits = digits
    }

    /// The number of a value of this shape, or nil.
    func number(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            guard bytes.count == prefix.count + digits else { return nil }
            for i in 0..<prefix.count where bytes[i] != prefix[i] { return nil }
            var value: Int64 = 0
            for i in prefix.count..<bytes.count {
                let digit = bytes[i] &- 48
                guard digit <= 9 else { return nil }
                value = value &* 10 &+ Int64(digit)
            }
            return value
        }
    }
}
