import CSQLite
import ChurnQLDiagnostics
import Foundation

/// How long a `.sql` dump may run and how much memory SQLite may take for it.
public struct DumpLimits: Sendable, Equatable {
    /// Seconds one statement of the dump may run (`with (timeout: 60)`); a dump of many quick statements is not
    /// limited as a whole.
    public var timeoutSeconds: Double = 60
    /// Megabytes of SQLite heap (`with (memory_mb: 512)`); nil: 80% of the machine's memory.
    public var memoryMB: Int?

    public init() {}

    var memoryBytes: Int64 {
        if let memoryMB { return Int64(memoryMB) * 1_048_576 }
        return Int64(Double(ProcessInfo.processInfo.physicalMemory) * 0.8)
    }
}

/// Watches a dump while SQLite runs it: SQLite's progress handler asks every few thousand instructions whether to
/// stop (Ctrl-C or the time budget); the hard heap limit makes an allocation beyond the memory budget fail.
final class DumpWatch {
    enum Stop { case timeout, interrupted }

    let limits: DumpLimits
    private var deadline: UInt64 = 0
    private let cancelled: () -> Bool
    private(set) var stopped: Stop?

    init(limits: DumpLimits, cancelled: @escaping () -> Bool) {
        self.limits = limits
        self.cancelled = cancelled
        restartClock()
    }

    /// Starts the time budget again, for the next statement.
    func restartClock() {
        let nanoseconds = Swift.min(Swift.max(limits.timeoutSeconds, 0), 1e9) * 1e9
        deadline = DispatchTime.now().uptimeNanoseconds &+ UInt64(nanoseconds)
    }

    func shouldStop() -> Bool {
        if cancelled() {
            stopped = .interrupted
        } else if DispatchTime.now().uptimeNanoseconds >= deadline {
            stopped = .timeout
        }
        return stopped != nil
    }

    /// Runs `body` with the handler installed on `db` and SQLite's heap capped; both are undone afterwards.
    func watching<T>(_ db: OpaquePointer, _ body: () throws(Diagnostic) -> T) throws(Diagnostic) -> T {
        let previousLimit = sqlite3_hard_heap_limit64(-1)
        sqlite3_hard_heap_limit64(limits.memoryBytes)
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_progress_handler(
            db, 10_000,
            { context in
                guard let context else { return 0 }
                return Unmanaged<DumpWatch>.fromOpaque(context).takeUnretainedValue().shouldStop() ? 1 : 0
            }, context)
        defer {
            sqlite3_progress_handler(db, 0, nil, nil)
            sqlite3_hard_heap_limit64(previousLimit)
        }
        return try withExtendedLifetime(self) { () throws(Diagnostic) -> T in try body() }
    }
}
