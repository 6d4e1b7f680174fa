/// The shape of most key columns that are text only because of a letter or a leading zero ("C00012345", "00004",
/// "SKU-0042"): one fixed prefix followed by a fixed number of digits, every value the same length. Two values of
/// one shape are equal exactly when their numbers are, and their numbers' order is their byte order: the loader
/// keeps such keys as numbers (NumberedMerge) and ValueOrdering ranks them by number.
public struct NumberedText: Equatable, Sendable {
    public let prefix: [UInt8]
    public let digits: Int
    /// The prefix's bytes as a little-endian word (for prefixes of up to eight bytes), and the mask of its bytes.
    @usableFromInline let prefixWord: UInt64
    @usableFromInline let prefixMask: UInt64

    @inlinable public var length: Int { prefix.count + digits }

    /// The shape of `bytes`: its trailing digits, at most `maxDigits` of them (digits before those belong to the
    /// prefix), or nil when the bytes do not end with a digit. `maxDigits` is at most 18 (an Int64 holds them).
    public init?(of bytes: UnsafeBufferPointer<UInt8>, maxDigits: Int) {
        var digits = 0
        while digits < Swift.min(maxDigits, 18) && digits < bytes.count && bytes[bytes.count - 1 - digits] &- 48 <= 9 {
            digits += 1
        }
        guard digits > 0 else { return nil }
        self.init(prefix: Array(bytes[0..<(bytes.count - digits)]), digits: digits)
    }

    public init(prefix: [UInt8], digits: Int) {
        self.prefix = prefix
        self.digits = digits
        var word: UInt64 = 0
        for (i, byte) in prefix.prefix(8).enumerated() { word |= UInt64(byte) << UInt64(8 * i) }
        prefixWord = word
        prefixMask = prefix.count >= 8 ? UInt64.max : (1 << UInt64(8 * prefix.count)) &- 1
    }

    /// The number of the `count` bytes at `base` when they have this shape, else nil. With `readableEnd`, bytes
    /// before it may be loaded eight at a time (up to nine digits after a prefix of up to eight bytes); otherwise,
    /// or for a field that ends too close to it, byte by byte.
    @inlinable @inline(__always)
    public func number(_ base: UnsafePointer<UInt8>, count: Int, readableEnd: UnsafePointer<UInt8>? = nil) -> Int64? {
        guard count == length else { return nil }
        let start = prefix.count
        if let readableEnd, digits <= 9, start <= 8, base + start + 9 <= readableEnd {
            guard DigitWords.word(base) & prefixMask == prefixWord else { return nil }
            if digits == 9 {
                let first = base[start] &- 48
                guard first <= 9, let rest = DigitWords.value(DigitWords.word(base + start + 1), 8) else { return nil }
                return Int64(first) &* 100_000_000 &+ Int64(rest)
            }
            return DigitWords.value(DigitWords.word(base + start), digits).map { Int64($0) }
        }
        for i in 0..<start where base[i] != prefix[i] { return nil }
        var value: Int64 = 0
        for i in start..<count {
            let digit = base[i] &- 48
            guard digit <= 9 else { return nil }
            value = value &* 10 &+ Int64(digit)
        }
        return value
    }

    /// The text of `number` in this shape.
    public func text(_ number: Int64) -> String {
        String(unsafeUninitializedCapacity: length) { bytes in
            guard let out = bytes.baseAddress else { return 0 }
            write(number, to: out)
            return length
        }
    }

    /// Writes the text of `number` (0 ≤ number < 10^digits) to `out`, which has room for `length` bytes.
    @inlinable @inline(__always)
    public func write(_ number: Int64, to out: UnsafeMutablePointer<UInt8>) {
        prefix.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress { out.update(from: base, count: bytes.count) }
        }
        var rest = UInt64(bitPattern: number)
        var i = length - 1
        while i >= prefix.count {
            out[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
            rest /= 10
            i -= 1
        }
    }
}
