import Foundation

/// Iterations of a running model fit, shared with a progress display, and the way to cancel it (Ctrl-C).
/// The optimiser finds the fit's monitor through `FitProgress.current`, so the models need not pass it along.
public final class FitProgress: @unchecked Sendable {
    @TaskLocal public static var current: FitProgress?

    private let lock = NSLock()
    private var count = 0
    private let cancelled: @Sendable () -> Bool

    public init(cancelled: @escaping @Sendable () -> Bool = { false }) {
        self.cancelled = cancelled
    }

    /// Optimiser iterations so far.
    public var iterations: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// Whether the user asked to stop.
    public var isCancelled: Bool { cancelled() }

    /// Counts one iteration of the current fit; false when the fit should stop.
    static func step() -> Bool {
        guard let progress = current else { return true }
        progress.lock.lock()
        progress.count += 1
        progress.lock.unlock()
        return !progress.cancelled()
    }
}
