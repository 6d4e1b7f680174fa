import ChurnQLDiagnostics
import ChurnQLSnapshot
import ChurnQLStore

/// A statement's reads of snapshot columns: a read that failed (the file changed since it was opened) fails the
/// statement, whatever it returned, and what the statement derived or fitted from the zeros read is dropped.
extension Engine {
    struct SnapshotReadStart {
        let failures: Int
        let models: FittedModels
        let modelVersion: Int
        let derived: [Int]
    }

    func snapshotReadsBefore() -> SnapshotReadStart {
        snapshotReads.log.beginStatement()
        let failures = snapshotReads.log.failures
        // A failure outside a statement (the shell deriving the customers table before its prompt).
        if failures > snapshotReads.settledFailures {
            derived.clear()
            snapshotReads.settledFailures = failures
        }
        return SnapshotReadStart(
            failures: failures, models: models, modelVersion: modelVersion, derived: derived.changeCounts)
    }

    /// Reads the result's columns still in a snapshot (the front end must show nothing read later), then fails the
    /// statement if any read failed since `start`.
    func settleSnapshotReads(since start: SnapshotReadStart, result: StatementResult?) throws(Diagnostic) {
        var failure: Diagnostic?
        if let result {
            do {
                try SnapshotReader.readAll(Self.tables(in: result))
            } catch {
                failure = error
            }
        }
        let failures = snapshotReads.log.failures
        snapshotReads.settledFailures = failures
        guard failures > start.failures || failure != nil else { return }
        derived.clear(changedSince: start.derived)
        // A model fitted on zeros is not kept either.
        if modelVersion != start.modelVersion { models = start.models }
        if let latest = snapshotReads.log.latestFailure, failures > start.failures { throw latest }
        if let failure { throw failure }
    }

    /// The tables a result holds.
    private static func tables(in result: StatementResult) -> [Table] {
        switch result {
        case .table(let table), .export(let table, _): return [table]
        case .snapshot(let contents, _, _): return contents.tables + contents.derived
        case .cohort(let table, _): return [table]
        case .report(let tables, _, _): return tables.map(\.table)
        case .workbench(let tables, let long, _): return tables.map(\.table) + long.map(\.1)
        case .failed(let inner, _): return tables(in: inner)
        case .text, .notes, .nothing: return []
        }
    }
}
