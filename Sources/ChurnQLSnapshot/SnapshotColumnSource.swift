import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// An open snapshot whose columns are read when first used: the file stays open (a file replaced by rename keeps
/// its old bytes for us), and arrays two columns share are read once.
final class OpenSnapshot: @unchecked Sendable {
    let file: SnapshotFile
    let blockSize: Int
    let log: SnapshotReadLog?
    let cache = SectionCache()

    init(file: SnapshotFile, blockSize: Int, log: SnapshotReadLog?) {
        self.file = file
        self.blockSize = blockSize
        self.log = log
    }

    deinit { file.close() }
}

/// One column of an open snapshot. The first `values()` reads it (pread, each block's hash checked) and keeps it;
/// a read that fails is logged as the snapshot having changed since it was opened, never kept, and answered with
/// zeros of the right length, so that the engine can fail the statement before anything is shown.
final class SnapshotColumnSource: ColumnSource, @unchecked Sendable {
    let snapshot: OpenSnapshot
    let table: TableEntry
    let entry: ColumnEntry
    let type: DataType
    private let lock = NSLock()
    private var kept: ColumnValues?
    /// The zeros a failed read stands for, and the statement it failed in: a loop that asks per row must not
    /// read (and log) again for each row, nor allocate zeros each time.
    private var failed: (statement: Int, zeros: ColumnValues)?

    init(snapshot: OpenSnapshot, table: TableEntry, entry: ColumnEntry, type: DataType) {
        self.snapshot = snapshot
        self.table = table
        self.entry = entry
        self.type = type
    }

    var count: Int { table.rowCount }
    var hasNulls: Bool { entry.nulls != nil }

    func values() -> ColumnValues {
        let statement = snapshot.log?.currentStatement ?? 0
        lock.lock()
        defer { lock.unlock() }
        if let kept { return kept }
        if let failed, failed.statement == statement { return failed.zeros }
        do throws(Diagnostic) {
            return try loadLocked()
        } catch {
            snapshot.log?.noteFailure(SnapshotError.changed(snapshot.file.path, error))
            let zeros = ColumnValues.zeros(type, count: count)
            failed = (statement, zeros)
            return zeros
        }
    }

    /// The values, read now if they are not yet; the read's error, if it fails.
    func load() throws(Diagnostic) -> ColumnValues {
        lock.lock()
        defer { lock.unlock() }
        return try loadLocked()
    }

    private func loadLocked() throws(Diagnostic) -> ColumnValues {
        if let kept { return kept }
        let column = try ColumnReader(
            file: snapshot.file, table: table, blockSize: snapshot.blockSize, cache: snapshot.cache
        ).read(entry)
        let values = ColumnValues(storage: column.storage, nulls: column.nulls)
        kept = values
        failed = nil
        snapshot.log?.noteRead("\(table.name).\(entry.name)")
        return values
    }
}
