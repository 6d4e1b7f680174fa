import ChurnQLDiagnostics
import Foundation

/// Stage timings on stderr when CHURNQL_TRACE is set; used by the benchmarks.
enum Trace {
    static let enabled = ProcessInfo.processInfo.environment["CHURNQL_TRACE"] != nil

    static func measure<T, E: Error>(_ stage: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard enabled else { return try body() }
        let start = Date()
        let result = try body()
        StandardError.write(
            String(
                format: "trace: %@ %.3f s (rss %@, peak %@)\n", stage, Date().timeIntervalSince(start),
                memory("VmRSS"), memory("VmHWM")))
        return result
    }

    /// A line of /proc/self/status ("VmRSS", "VmHWM"), in MB; "?" where there is none.
    private static func memory(_ field: String) -> String {
        guard let bytes = POSIXIO.readSmallFile("/proc/self/status"),
            let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first(where: {
                $0.hasPrefix(field + ":")
            }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return "?" }
        return "\(kilobytes / 1024) MB"
    }
}
