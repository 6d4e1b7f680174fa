import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Reads every column of some tables now, one column per task on all cores (`SnapshotReader.read`, and `save` of
/// a session whose columns are not all read yet): the first error is thrown.
enum ParallelColumns {
    static func load(_ sources: [SnapshotColumnSource]) throws(Diagnostic) {
        guard sources.count > 1 else {
            for source in sources { _ = try source.load() }
            return
        }
        let errors = FirstError()
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in
            do throws(Diagnostic) {
                _ = try sources[i].load()
            } catch {
                errors.note(i, error)
            }
        }
        if let first = errors.first { throw first }
    }
}

/// Each job's error, filled from several threads; the first by job order.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Int, Diagnostic)] = []
    func note(_ i: Int, _ error: Diagnostic) { lock.withLock { items.append((i, error)) } }
    var first: Diagnostic? { lock.withLock { items.min { $0.0 < $1.0 }?.1 } }
}
