import Foundation

/// Stage timings on stderr when CHURNQL_TRACE is set; used by the benchmarks.
enum Trace {
    static let enabled = ProcessInfo.processInfo.environment["CHURNQL_TRACE"] != nil

    static func measure<T, E: Error>(_ stage: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard enabled else { return try body() }
        let start = Date()
        let result = try body()
        FileHandle.standardError.write(
            Data(String(format: "trace: %@ %.3f s\n", stage, Date().timeIntervalSince(start)).utf8))
        return result
    }
}
