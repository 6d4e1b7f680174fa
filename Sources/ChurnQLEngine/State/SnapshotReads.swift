import ChurnQLSnapshot

/// The columns of the session's snapshots read on first use: the log of their reads and failures, and how many
/// failures the engine has already acted on (a failure outside a statement still clears the derived values).
final class SnapshotReads {
    let log = SnapshotReadLog()
    var settledFailures = 0
}
