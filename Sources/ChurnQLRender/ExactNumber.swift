/// Decimals for machine-readable output (CSV, JSON): the shortest text that reads back to the same Double, as
/// Python's repr and DuckDB's CSV writer print them, so nothing is rounded away (a p_alive of 3.2e-08 stays 3.2e-08).
public enum ExactNumber {
    /// Whole values drop Swift's ".0" (`100`, not `100.0`); -0.0 keeps its sign and its ".0" so that readers which
    /// take `-0` for the integer 0 still get a negative zero. NaN and infinities print as `NaN`, `inf`, `-inf`
    /// (JSON prints null for them).
    public static func text(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0" }
        let shortest = value.description
        return shortest.hasSuffix(".0") ? String(shortest.dropLast(2)) : shortest
    }
}
