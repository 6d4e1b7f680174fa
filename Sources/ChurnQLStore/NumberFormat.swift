/// Shared number formatting: decimals rounded to 6 places with trailing zeros dropped.
public enum NumberFormat {
    /// The plain text of a decimal: at most 6 fractional digits, no exponent for ordinary magnitudes.
    public static func plain(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        let rounded = (value * 1_000_000).rounded() / 1_000_000
        // Beyond 1e12 the scaled integer below would overflow Int64: use the shortest decimal form.
        if abs(rounded) >= 1e12 { return String(rounded) }
        let negative = rounded < 0
        let scaled = Int64((abs(rounded) * 1_000_000).rounded())
        let whole = scaled / 1_000_000
        var fraction = String(scaled % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let sign = negative && scaled != 0 ? "-" : ""
        return sign + String(whole) + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// Inserts thousands separators into the integer part of a plain number.
    public static func grouped(_ plainText: String) -> String {
        var text = Substring(plainText)
        var sign = ""
        if text.hasPrefix("-") {
            sign = "-"
            text = text.dropFirst()
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let integer = parts.first, integer.allSatisfy(\.isNumber), integer.count > 3 else {
            return plainText
        }
        var out = ""
        for (i, ch) in integer.enumerated() {
            if i > 0 && (integer.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return sign + out + (parts.count > 1 ? "." + parts[1] : "")
    }
}
