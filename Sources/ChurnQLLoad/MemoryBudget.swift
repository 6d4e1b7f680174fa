import ChurnQLDiagnostics
import Foundation

/// Refuses a load that would not fit in memory, before any of it is parsed.
enum MemoryBudget {
    /// Typed columns take about as much memory as the text, plus the mapped file while loading.
    static let bytesPerInputByte = 2.0

    static func check(bytes: Int, path: String, available: UInt64 = ProcessInfo.processInfo.physicalMemory)
        throws(Diagnostic)
    {
        let needed = Double(bytes) * bytesPerInputByte
        let limit = Double(available) * 0.8
        guard needed > limit else { return }
        func gb(_ x: Double) -> String { String(format: "%.1f GB", x / 1_073_741_824) }
        throw Diagnostic(
            code: "too-large",
            message: "loading \(path) needs about \(gb(needed)) of memory; this machine has \(gb(Double(available)))",
            file: path, hint: "load a smaller extract, or filter the file first (e.g. one year of orders)")
    }
}
