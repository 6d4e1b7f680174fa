import CByteScan
import ChurnQLStore

/// A view of one field's bytes inside a loaded file.
struct Field {
    let base: UnsafePointer<UInt8>
    let count: Int

    @inline(__always) subscript(_ i: Int) -> UInt8 { base[i] }

    var string: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }

    func containsByte(_ byte: UInt8) -> Bool {
        for i in 0..<count where base[i] == byte { return true }
        return false
    }
}

/// Byte-level parsers for cell values; each returns nil when the field is not of that kind.
enum FieldParsers {
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 48 < 10 }

    /// Empty, `NA`, `NULL`, `null`, `N/A` (and user tokens) are null.
    static func isNullToken(_ f: Field, extra: [[UInt8]]) -> Bool {
        if f.count == 0 { return true }
        if f.count <= 4 {
            let c0 = f[0] | 0x20
            if f.count == 2 && c0 == UInt8(ascii: "n") && (f[1] | 0x20) == UInt8(ascii: "a") { return true }
            if f.count == 4 && c0 == UInt8(ascii: "n") && (f[1] | 0x20) == UInt8(ascii: "u")
                && (f[2] | 0x20) == UInt8(ascii: "l") && (f[3] | 0x20) == UInt8(ascii: "l")
            {
                return true
            }
            if f.count == 3 && c0 == UInt8(ascii: "n") && f[1] == UInt8(ascii: "/")
                && (f[2] | 0x20) == UInt8(ascii: "a")
            {
                return true
            }
        }
        for token in extra where token.count == f.count {
            var same = true
            for i in 0..<f.count where token[i] != f[i] {
                same = false
                break
            }
            if same { return true }
        }
        return false
    }

    /// A base-10 integer without leading zeros (those are identifiers such as "00042", kept as text).
    static func integer(_ f: Field) -> Int64? {
        // The common case in one tight loop: up to 18 digits, no sign, no leading zero.
        if f.count > 0 && f.count <= 18 && (f[0] != UInt8(ascii: "0") || f.count == 1) {
            let (value, end) = leadingDigits(f)
            if end == f.count { return value }
        }
        var i = 0
        var negative = false
        if f.count > 0 && (f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+")) {
            negative = f[0] == UInt8(ascii: "-")
            i = 1
        }
        let digits = f.count - i
        guard digits > 0, digits <= 19 else { return nil }
        if digits > 1 && f[i] == UInt8(ascii: "0") { return nil }
        // The magnitude as unsigned, so that −2^63 (one more than Int64.max) fits.
        var magnitude: UInt64 = 0
        while i < f.count {
            let c = f[i]
            guard isDigit(c) else { return nil }
            if digits < 19 {
                magnitude = magnitude &* 10 &+ UInt64(c &- 48)
            } else {
                // 19 digits may overflow: check each step.
                let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times.addingReportingOverflow(UInt64(c &- 48))
                if o1 || o2 { return nil }
                magnitude = sum
            }
            i += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(bitPattern: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// An integer written the one way its value prints: no `+`, no leading zero, not `-0`; so storing it as a
    /// number keeps its text.
    static func canonicalInteger(_ f: Field) -> Int64? {
        guard f.count > 0, f[0] != UInt8(ascii: "+") else { return nil }
        if f[0] == UInt8(ascii: "-") && (f.count < 2 || f[1] == UInt8(ascii: "0")) { return nil }
        return integer(f)
    }

    // A literal, so the compiler lays it out statically (no lazy initialisation on each use).
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]
    /// A decimal number (`12`, `-3.5`, `.5`, `1e-3`). Exact fast path for up to 15 significant digits.
    static func decimal(_ f: Field) -> Double? {
        if let value = plainDecimal(f) { return value }
        var i = 0
        var negative = false
        if f.count > 0 && (f[0] == UInt8(ascii: "-") || f[0] == UInt8(ascii: "+")) {
            negative = f[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var sawDot = false
        var sawDigit = false
        let integerStart = i
        while i < f.count {
            let c = f[i]
            if isDigit(c) {
                sawDigit = true
                if digits < 18 {
                    mantissa = mantissa &* 10 &+ Int64(c &- 48)
                    if mantissa > 0 { digits += 1 }
                    if sawDot { fractionDigits += 1 }
                } else {
                    return slowDecimal(f)
                }
            } else if c == UInt8(ascii: ".") && !sawDot {
                sawDot = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                return sawDigit ? slowDecimal(f) : nil
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        // "007" and "01.5" are identifiers or codes, not numbers.
        if f.count - integerStart > 1 && f[integerStart] == UInt8(ascii: "0")
            && f[integerStart + 1] != UInt8(ascii: ".")
        {
            return nil
        }
        guard digits <= 15, fractionDigits < powersOfTen.count else { return slowDecimal(f) }
        let value = Double(mantissa) / powersOfTen[fractionDigits]
        return negative ? -value : value
    }

    /// The common case in tight loops: unsigned, at most 15 digits, digits then optionally a dot and digits, and
    /// no leading zero before another digit. Computes exactly what `decimal` computes; nil for anything else.
    @inline(__always)
    private static func plainDecimal(_ f: Field) -> Double? {
        guard f.count > 0, f.count <= 15, f[0] &- 48 <= 9 else { return nil }
        var (mantissa, i) = leadingDigits(f)
        if i > 1 && f[0] == UInt8(ascii: "0") { return nil }
        var fractionDigits = 0
        if i < f.count {
            guard f[i] == UInt8(ascii: ".") else { return nil }
            i += 1
            while i < f.count {
                let digit = f[i] &- 48
                guard digit <= 9 else { return nil }
                mantissa = mantissa &* 10 &+ Int64(digit)
                fractionDigits += 1
                i += 1
            }
        }
        return Double(mantissa) / powersOfTen[fractionDigits]
    }

    /// The value of the field's leading digits and where they end (wrapping arithmetic: callers bound the length).
    @inline(__always)
    private static func leadingDigits(_ f: Field) -> (value: Int64, end: Int) {
        var value: Int64 = 0
        var i = 0
        while i < f.count {
            let digit = f[i] &- 48
            if digit > 9 { break }
            value = value &* 10 &+ Int64(digit)
            i += 1
        }
        return (value, i)
    }

    private static func slowDecimal(_ f: Field) -> Double? {
        let text = f.string
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    static func boolean(_ f: Field) -> Bool? {
        switch f.count {
        case 4 where matches(f, "true"): return true
        case 5 where matches(f, "false"): return false
        case 3 where matches(f, "yes"): return true
        case 2 where matches(f, "no"): return false
        default: return nil
        }
    }

    private static func matches(_ f: Field, _ word: StaticString) -> Bool {
        let w = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for i in 0..<f.count where (f[i] | 0x20) != w[i] { return false }
        return true
    }

    @inline(__always) static func number(_ f: Field, _ start: Int, _ count: Int) -> Int? {
        guard start + count <= f.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            let c = f[i]
            guard isDigit(c) else { return nil }
            v = v * 10 + Int(c - 48)
        }
        return v
    }

    /// `yyyy-MM-dd`.
    @inline(__always)
    static func isoDate(_ f: Field) -> Int32? {
        var day: Int32 = 0
        guard f.count == 10, churnql_iso_day(f.base, &day) != 0 else { return nil }
        return day
    }

    /// `yyyyMMdd`, only for plausible years so that 8-digit codes stay numbers.
    static func compactDate(_ f: Field) -> Int32? {
        guard f.count == 8, let y = number(f, 0, 4), let m = number(f, 4, 2), let d = number(f, 6, 2),
            (1900...2100).contains(y), Dates.isValid(year: y, month: m, day: d)
        else { return nil }
        return Dates.dayNumber(year: y, month: m, day: d)
    }

    /// `a/b/yyyy` (one or two digits each) with an optional time `H:mm[:ss]`; returns the parts uninterpreted,
    /// since whether a is the day or the month is decided from the whole column.
    static func slashParts(_ f: Field) -> (a: Int, b: Int, year: Int, seconds: Int?)? {
        var i = 0
        func part(_ maxDigits: Int) -> Int? {
            var v = 0
            var n = 0
            while i < f.count, isDigit(f[i]), n < maxDigits {
                v = v * 10 + Int(f[i] - 48)
                i += 1
                n += 1
            }
            return n == 0 ? nil : v
        }
        guard let a = part(2), i < f.count, f[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        guard let b = part(2), i < f.count, f[i] == UInt8(ascii: "/") else { return nil }
        i += 1
        let yearStart = i
        guard let year = part(4), i - yearStart == 4 else { return nil }
        if i == f.count { return (a, b, year, nil) }
        guard f[i] == UInt8(ascii: " ") || f[i] == UInt8(ascii: "T") else { return nil }
        i += 1
        guard let seconds = timeOfDay(f, from: i) else { return nil }
        return (a, b, year, seconds)
    }

    /// `H:mm[:ss[.fff]]` up to the end of the field, as seconds since midnight.
    static func timeOfDay(_ f: Field, from start: Int) -> Int? {
        var i = start
        var hour = 0
        var n = 0
        while i < f.count, isDigit(f[i]), n < 2 {
            hour = hour * 10 + Int(f[i] - 48)
            i += 1
            n += 1
        }
        guard n > 0, i < f.count, f[i] == UInt8(ascii: ":"), let minute = number(f, i + 1, 2) else { return nil }
        i += 3
        var second = 0
        if i < f.count && f[i] == UInt8(ascii: ":") {
            guard let s = number(f, i + 1, 2) else { return nil }
            second = s
            i += 3
            if i < f.count && f[i] == UInt8(ascii: ".") {
                i += 1
                while i < f.count, isDigit(f[i]) { i += 1 }
            }
        }
        if i < f.count && (f[i] == UInt8(ascii: "Z") || f[i] == UInt8(ascii: "z")) { i += 1 }
        guard i == f.count, hour < 24, minute < 60, second < 61 else { return nil }
        return hour * 3600 + minute * 60 + Swift.min(second, 59)
    }

    /// `yyyy-MM-dd HH:mm[:ss]` or with `T`, optional fraction and `Z`; seconds since the epoch.
    static func isoTimestamp(_ f: Field) -> Int64? {
        guard f.count >= 16, f[10] == UInt8(ascii: " ") || f[10] == UInt8(ascii: "T"),
            let y = number(f, 0, 4), f[4] == UInt8(ascii: "-"), let m = number(f, 5, 2), f[7] == UInt8(ascii: "-"),
            let d = number(f, 8, 2), Dates.isValid(year: y, month: m, day: d), let seconds = timeOfDay(f, from: 11)
        else { return nil }
        return Int64(Dates.dayNumber(year: y, month: m, day: d)) * 86400 + Int64(seconds)
    }
}

extension FieldParsers {
    /// How a money column writes its numbers: `$1,234.50` (comma thousands) or `1.234,50 €` (dot thousands).
    enum MoneyStyle {
        case commaThousands, dotThousands
    }

    /// An amount with an optional currency symbol ($ € £ ¥, before or after), sign or parentheses, and thousands
    /// separators. Returns nil for anything else, including plain numbers (those are read as decimals).
    static func money(_ f: Field, style: MoneyStyle) -> Double? {
        var digits: [UInt8] = []
        digits.reserveCapacity(f.count)
        var negative = false
        var sawSymbol = false
        var sawSeparator = false
        var sawDecimal = false
        var digitsSinceSeparator = -1
        var i = 0
        let thousands = style == .commaThousands ? UInt8(ascii: ",") : UInt8(ascii: ".")
        let decimalMark = style == .commaThousands ? UInt8(ascii: ".") : UInt8(ascii: ",")
        while i < f.count {
            let c = f[i]
            if isDigit(c) {
                digits.append(c)
                if digitsSinceSeparator >= 0 { digitsSinceSeparator += 1 }
            } else if c == thousands && !sawDecimal {
                guard !digits.isEmpty, digitsSinceSeparator == -1 || digitsSinceSeparator == 3 else { return nil }
                sawSeparator = true
                digitsSinceSeparator = 0
            } else if c == decimalMark && !sawDecimal {
                guard digitsSinceSeparator == -1 || digitsSinceSeparator == 3 else { return nil }
                sawDecimal = true
                digitsSinceSeparator = -1
                digits.append(UInt8(ascii: "."))
            } else if c == UInt8(ascii: "-") || c == UInt8(ascii: "(") || c == UInt8(ascii: ")") {
                negative = true
            } else if c == UInt8(ascii: "$") || c == UInt8(ascii: " ") || c == UInt8(ascii: "+") {
                sawSymbol = sawSymbol || c == UInt8(ascii: "$")
            } else if c >= 0xC2 {
                // €, £, ¥ and other currency signs are multi-byte; accept the common ones only.
                let rest = UnsafeBufferPointer(start: f.base + i, count: Swift.min(3, f.count - i))
                if rest.starts(with: [0xE2, 0x82, 0xAC]) {
                    i += 3
                    sawSymbol = true
                    continue
                }
                if rest.starts(with: [0xC2, 0xA3]) || rest.starts(with: [0xC2, 0xA5]) {
                    i += 2
                    sawSymbol = true
                    continue
                }
                return nil
            } else {
                return nil
            }
            i += 1
        }
        if digitsSinceSeparator > 0 && digitsSinceSeparator != 3 { return nil }
        guard digits.contains(where: isDigit), sawSymbol || sawSeparator || (sawDecimal && style == .dotThousands)
        else { return nil }
        guard let value = Double(String(decoding: digits, as: UTF8.self)) else { return nil }
        return negative ? -value : value
    }
}
