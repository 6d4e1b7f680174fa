import Synchronization

/// Ctrl-C as long loops see it. The engine binds `current` for the statement it runs; a loop asks `requested`
/// once per `stride` rows (a task-local read and a call: nothing next to the rows' work). A function that cannot
/// throw stops early with a partial value that its caller drops: the request stays raised until the statement
/// ends, so the caller's next check throws. Task-locals stay on their thread: `concurrentPerform` workers ask
/// an instance captured before the dispatch.
public final class Interrupt: Sendable {
    @TaskLocal public static var current: Interrupt?

    /// Rows (or comparable units of work) between two checks.
    public static let stride = 1 << 16

    private let test: @Sendable () -> Bool

    public init(_ test: @escaping @Sendable () -> Bool) { self.test = test }

    /// Whether the user asked to stop.
    public var isRequested: Bool { test() }

    /// Whether the statement running on this thread was asked to stop.
    public static var requested: Bool { current?.test() ?? false }

    /// Runs `body` over 0..<count one chunk of `stride` rows at a time, asking `interrupt` before each chunk;
    /// false when it stopped early.
    @inline(__always)
    public static func chunks(_ count: Int, _ interrupt: Interrupt?, _ body: (Range<Int>) -> Void) -> Bool {
        var start = 0
        while start < count {
            if let interrupt, interrupt.test() { return false }
            let end = min(start + stride, count)
            body(start..<end)
            start = end
        }
        return true
    }
}

/// A stop request that a signal handler or any thread may raise and any thread may read (lock-free).
public final class InterruptFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public func raise() { raised.store(true, ordering: .relaxed) }
    public func clear() { raised.store(false, ordering: .relaxed) }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
