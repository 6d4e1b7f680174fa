import CByteScan
import ChurnQLStore

/// The fast path's field parsers. Each one returns exactly what its FieldParsers counterpart returns: the common
/// shapes (a few unsigned digits, `digits.digits`, `yyyy-MM-dd` between 1900 and 2155) are read eight bytes at a
/// time, anything else goes to the counterpart itself.
struct FastFieldParsers: ~Copyable {
    /// Eight bytes may be loaded from any field that starts at least eight bytes before this.
    private let readableEnd: UnsafePointer<UInt8>
    /// For month m (0-based) of year 1900 + y, at y * 12 + m: its first day's number and its length in days.
    private let monthStarts: UnsafeMutablePointer<Int32>
    private let monthLengths: UnsafeMutablePointer<UInt8>
    /// 1, 10, … 10^7: exact doubles.
    private let powersOfTen: UnsafeMutablePointer<Double>
    private static let firstYear = 1900
    private static let years = 256

    init(readableEnd: UnsafePointer<UInt8>) {
        self.readableEnd = readableEnd
        let months = Self.years * 12
        monthStarts = .allocate(capacity: months)
        monthLengths = .allocate(capacity: months)
        powersOfTen = .allocate(capacity: 8)
        powersOfTen.initialize(from: [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7], count: 8)
        // From churnql_iso_day itself, so the table cannot disagree with it.
        var text = Array("1900-01-01".utf8)
        for k in 0..<months {
            let year = Self.firstYear + k / 12
            let month = k % 12 + 1
            for (i, digit) in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10, 0, month / 10, month % 10]
                .enumerated() where i != 4
            {
                text[i] = UInt8(48 + digit)
            }
            var first: Int32 = 0
            var length: UInt8 = 0
            text.withUnsafeMutableBufferPointer { buffer in
                guard let p = buffer.baseAddress else { return }
                (p[8], p[9]) = (48, 49)
                _ = churnql_iso_day(p, &first)
                for days in 28...31 {
                    var day: Int32 = 0
                    (p[8], p[9]) = (UInt8(48 + days / 10), UInt8(48 + days % 10))
                    if churnql_iso_day(p, &day) != 0 { length = UInt8(days) }
                }
            }
            monthStarts[k] = first
            monthLengths[k] = length
        }
    }

    deinit {
        monthStarts.deallocate()
        monthLengths.deallocate()
        powersOfTen.deallocate()
    }

    /// The value of a field of 1 to 16 digits with no leading zero (bar "0"), or nil.
    @inline(__always)
    private func plainDigits(_ f: Field) -> Int64? {
        let count = f.count
        guard count > 0, count <= 16, f[0] != 48 || count == 1, f.base + 8 <= readableEnd else { return nil }
        if count <= 8 {
            guard let v = DigitWords.value(DigitWords.word(f.base), count) else { return nil }
            return Int64(v)
        }
        guard let high = DigitWords.value(DigitWords.word(f.base), count - 8),
            let low = DigitWords.value(DigitWords.word(f.base + (count - 8)), 8)
        else { return nil }
        return Int64(high &* 100_000_000 &+ low)
    }

    /// FieldParsers.integer.
    @inline(__always)
    func integer(_ f: Field) -> Int64? { plainDigits(f) ?? FieldParsers.integer(f) }

    /// FieldParsers.canonicalInteger.
    @inline(__always)
    func identifier(_ f: Field) -> Int64? { plainDigits(f) ?? FieldParsers.canonicalInteger(f) }

    /// FieldParsers.decimal. Up to eight bytes of digits with at most one dot, the first a digit and no leading zero
    /// before another digit: the mantissa (at most seven digits, exact) divided by an exact power of ten, one
    /// correctly rounded division — what FieldParsers computes for the same text.
    @inline(__always)
    func decimal(_ f: Field) -> Double? {
        let count = f.count
        guard count > 1, count <= 8, f[0] &- 48 <= 9, f.base + 8 <= readableEnd else {
            return FieldParsers.decimal(f)
        }
        let word = DigitWords.word(f.base)
        // The lowest '.' byte (the borrow trick is exact for the lowest zero byte).
        let dots = word ^ 0x2E2E_2E2E_2E2E_2E2E
        let found = (dots &- 0x0101_0101_0101_0101) & ~dots & 0x8080_8080_8080_8080
        let dot = found == 0 ? 8 : found.trailingZeroBitCount / 8
        // "007" and "01.5" are not numbers; "0.5" is.
        guard f[0] != 48 || dot == 1 else { return FieldParsers.decimal(f) }
        guard dot < count else {
            // No dot: an integer written as one.
            guard let v = DigitWords.value(word, count) else { return FieldParsers.decimal(f) }
            return Double(v)
        }
        // The dot taken out: the bytes above it move down one.
        let below: UInt64 = dot == 0 ? 0 : UInt64.max >> UInt64(64 - dot * 8)
        let joined = (word & below) | ((word >> 8) & ~below)
        let fractionDigits = count - 1 - dot
        guard count - 1 > 0, let mantissa = DigitWords.value(joined, count - 1) else { return FieldParsers.decimal(f) }
        return Double(mantissa) / powersOfTen[fractionDigits]
    }

    /// FieldParsers.isoDate.
    @inline(__always)
    func isoDate(_ f: Field) -> Int32? {
        guard f.count == 10, f.base + 8 <= readableEnd else { return FieldParsers.isoDate(f) }
        let word = DigitWords.word(f.base)
        // yyyy-MM- with the dashes read as '0' for the digit check; then each byte a digit's value.
        let w = word ^ 0x1D00_001D_0000_0000
        let d0 = f[8] &- 48
        let d1 = f[9] &- 48
        guard word & 0xFF00_00FF_0000_0000 == 0x2D00_002D_0000_0000, DigitWords.allDigits(w), d0 <= 9, d1 <= 9 else {
            return FieldParsers.isoDate(f)
        }
        let v = w &- DigitWords.zeros
        let year =
            Int(v & 0xFF) &* 1000 &+ Int(v >> 8 & 0xFF) &* 100 &+ Int(v >> 16 & 0xFF) &* 10 &+ Int(v >> 24 & 0xFF)
        let month = Int(v >> 40 & 0xFF) &* 10 &+ Int(v >> 48 & 0xFF)
        guard year >= Self.firstYear, year < Self.firstYear + Self.years, month >= 1, month <= 12 else {
            return FieldParsers.isoDate(f)
        }
        let k = (year - Self.firstYear) * 12 + month - 1
        let day = Int(d0) * 10 + Int(d1)
        guard day >= 1, day <= Int(monthLengths[k]) else { return FieldParsers.isoDate(f) }
        return monthStarts[k] + Int32(day - 1)
    }
}
