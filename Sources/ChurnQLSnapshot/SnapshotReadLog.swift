import ChurnQLDiagnostics
import Foundation

/// What the lazily read columns of a session's snapshots did: which columns were read (a test hook) and the
/// reads that failed after opening. Columns are read from any thread, so everything goes through a lock.
public final class SnapshotReadLog: @unchecked Sendable {
    private let lock = NSLock()
    private var read: [String] = []
    private var failureList: [Diagnostic] = []
    private var statement = 0

    public init() {}

    /// `table.column` of each column read, in reading order.
    public var columnsRead: [String] { lock.withLock { read } }

    /// How many reads have failed so far: a statement compares the count before and after.
    public var failures: Int { lock.withLock { failureList.count } }

    /// The latest failure.
    public var latestFailure: Diagnostic? { lock.withLock { failureList.last } }

    /// Starts a statement: a column whose read failed in an earlier statement is tried again.
    public func beginStatement() { lock.withLock { statement &+= 1 } }

    /// The current statement's number: within one statement a failed column is not read again.
    var currentStatement: Int { lock.withLock { statement } }

    func noteRead(_ name: String) { lock.withLock { read.append(name) } }

    func noteFailure(_ diagnostic: Diagnostic) { lock.withLock { failureList.append(diagnostic) } }
}
