import ChurnQLDiagnostics
import Foundation

/// Bytes processed by a running load, shared with a progress display, and the way to cancel it (Ctrl-C).
public final class LoadProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var processed = 0
    /// Total bytes of the file.
    public let total: Int
    private let cancelled: @Sendable () -> Bool

    public init(total: Int, cancelled: @escaping @Sendable () -> Bool = { false }) {
        self.total = total
        self.cancelled = cancelled
    }

    /// Bytes done so far.
    public var done: Int {
        lock.lock()
        defer { lock.unlock() }
        return processed
    }

    func add(_ bytes: Int) {
        lock.lock()
        processed += bytes
        lock.unlock()
    }

    /// True once the user interrupted the load.
    var isCancelled: Bool { cancelled() }

    /// Throws when the user interrupted the load.
    func check() throws(Diagnostic) {
        if cancelled() {
            throw Diagnostic(
                code: "interrupted", message: "interrupted", hint: "the load was cancelled; nothing was loaded")
        }
    }
}
