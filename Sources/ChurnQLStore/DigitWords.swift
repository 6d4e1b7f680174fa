/// ASCII digits read eight bytes at a time (SWAR): the loader's number and date parsers and `NumberedText` share
/// them. Inlinable: they run once per field on the loader's hot path, in other modules.
public enum DigitWords {
    public static let zeros: UInt64 = 0x3030_3030_3030_3030

    /// The eight bytes at p, first byte lowest.
    @inlinable @inline(__always)
    public static func word(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Whether all eight bytes are 0x30...0x39: the high nibble 3, and still 3 after adding 6.
    @inlinable @inline(__always)
    public static func allDigits(_ w: UInt64) -> Bool {
        let f0: UInt64 = 0xF0F0_F0F0_F0F0_F0F0
        return (w & f0) | (((w &+ 0x0606_0606_0606_0606) & f0) >> 4) == 0x3333_3333_3333_3333
    }

    /// The value of the `count` (1 to 8) ASCII digits in the low bytes of `word`, or nil if one is not a digit.
    @inlinable @inline(__always)
    public static func value(_ word: UInt64, _ count: Int) -> UInt64? {
        // Shifted up so that the digits end in the top byte, the bytes below them filled with '0'.
        let shift = UInt64(8 - count) &* 8
        var w = word &<< shift
        w |= zeros & ~(UInt64.max &<< shift)
        guard allDigits(w) else { return nil }
        w &-= zeros
        w = w &* 10 &+ (w >> 8)
        let mask: UInt64 = 0x0000_00FF_0000_00FF
        return ((w & mask) &* 0x000F_4240_0000_0064 &+ ((w >> 16) & mask) &* 0x0000_2710_0000_0001) >> 32
    }
}
