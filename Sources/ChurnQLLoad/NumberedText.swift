/// The shape of most key columns that are text only because of a letter or a leading zero ("C00012345", "00004",
/// "SKU-0042"): one fixed prefix followed by a fixed number of digits (1 to 9), every value the same length. A
/// column of that shape needs no hash table: the digits are a number, and two values are equal exactly when their
/// numbers are (same prefix, same width), so a chunk keeps the numbers and the merge numbers them with an array.
struct NumberedText: Equatable, Sendable {
    /// Values below 10^9: a number fits an Int32 code with room to spare.
    static let maxDigits = 9

    let prefix: [UInt8]
    let digits: Int
    /// The prefix's bytes as a little-endian word (for prefixes of up to eight bytes), and the mask of its bytes.
    private let prefixWord: UInt64
    private let prefixMask: UInt64

    var length: Int { prefix.count + digits }

    /// The shape of `f`: its trailing digits (at most nine; digits before them belong to the prefix), or nil when
    /// it does not end with a digit.
    init?(of f: Field) {
        var digits = 0
        while digits < Self.maxDigits && digits < f.count && f[f.count - 1 - digits] &- 48 <= 9 { digits += 1 }
        guard digits > 0 else { return nil }
        self.init(prefix: (0..<(f.count - digits)).map { f[$0] }, digits: digits)
    }

    init(prefix: [UInt8], digits: Int) {
        self.prefix = prefix
        self.digits = digits
        var word: UInt64 = 0
        for (i, byte) in prefix.prefix(8).enumerated() { word |= UInt64(byte) << UInt64(8 * i) }
        prefixWord = word
        prefixMask = prefix.count >= 8 ? UInt64.max : (1 << UInt64(8 * prefix.count)) &- 1
    }

    /// The number of a value of this shape, or nil when `f` has another shape. Bytes up to `readableEnd` may be
    /// loaded eight at a time (a field that ends closer to it is read byte by byte).
    @inline(__always)
    func number(_ f: Field, readableEnd: UnsafePointer<UInt8>? = nil) -> Int32? {
        guard f.count == length else { return nil }
        let count = prefix.count
        if let readableEnd, f.base + count + 8 <= readableEnd, f.base + 8 <= readableEnd, count <= 8 {
            guard Self.word(f.base) & prefixMask == prefixWord else { return nil }
            return Self.digitsValue(f.base + count, digits)
        }
        for i in 0..<count where f[i] != prefix[i] { return nil }
        var value: Int32 = 0
        for i in count..<f.count {
            let digit = f[i] &- 48
            guard digit <= 9 else { return nil }
            value = value &* 10 &+ Int32(digit)
        }
        return value
    }

    /// The text of `number` in this shape.
    func text(_ number: Int32) -> String {
        String(unsafeUninitializedCapacity: length) { bytes in
            guard let out = bytes.baseAddress else { return 0 }
            write(number, to: out)
            return length
        }
    }

    /// Writes the text of `number` to `out` (room for `length` bytes).
    @inline(__always)
    func write(_ number: Int32, to out: UnsafeMutablePointer<UInt8>) {
        prefix.withUnsafeBufferPointer { bytes in
            if let base = bytes.baseAddress { out.update(from: base, count: bytes.count) }
        }
        var rest = UInt32(bitPattern: number)
        var i = length - 1
        while i >= prefix.count {
            out[i] = UInt8(truncatingIfNeeded: 48 &+ rest % 10)
            rest /= 10
            i -= 1
        }
    }

    @inline(__always)
    private static func word(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// The value of the `count` (1 to 9) digits at p, eight bytes loaded at a time (p + 8 must be readable), or nil
    /// when one is not a digit.
    @inline(__always)
    private static func digitsValue(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int32? {
        if count == 9 {
            let first = p[0] &- 48
            guard first <= 9, let rest = eightDigits(word(p + 1), 8) else { return nil }
            return Int32(first) &* 100_000_000 &+ Int32(truncatingIfNeeded: rest)
        }
        return eightDigits(word(p), count).map { Int32(truncatingIfNeeded: $0) }
    }

    /// The value of the `count` (1 to 8) ASCII digits in the low bytes of `word`, or nil (SWAR: the digits shifted
    /// to the top, the bytes below filled with '0', then pairs, quads and the halves combined).
    @inline(__always)
    private static func eightDigits(_ word: UInt64, _ count: Int) -> UInt64? {
        let zeros: UInt64 = 0x3030_3030_3030_3030
        let shift = UInt64(8 - count) &* 8
        var w = word &<< shift
        w |= zeros & ~(UInt64.max &<< shift)
        let f0: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        guard (w & f0) | (((w &+ 0x0606_0606_0606_0606) & f0) >> 4) == 0x3333_3333_3333_3333 else { return nil }
        w &-= zeros
        w = w &* 10 &+ (w >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        return ((w & mask) &* 0x000F_4240_0000_0064 &+ ((w >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
    }
}
