import ChurnQLDiagnostics

/// The errors a snapshot file can give: each names the file and says what to do.
enum SnapshotError {
    static func foreign(_ path: String) -> Diagnostic {
        Diagnostic(
            code: "not-a-snapshot", message: "not a churnql snapshot (it does not start with the snapshot marker)",
            file: path, hint: "a .cqs file is written by save \"file.cqs\"; load a CSV file under a .csv name")
    }

    static func newer(_ path: String, version: UInt32) -> Diagnostic {
        Diagnostic(
            code: "snapshot-version",
            message: "the snapshot has format version \(version); this churnql reads version \(SnapshotFormat.version)",
            file: path, hint: "open it with the churnql that wrote it, or a newer one")
    }

    static func truncated(_ path: String, size: Int, expected: UInt64? = nil) -> Diagnostic {
        let detail = expected.map { " (\(size) bytes of \($0))" } ?? " (\(size) bytes, no end marker)"
        return Diagnostic(
            code: "snapshot-truncated", message: "the snapshot is truncated" + detail, file: path,
            hint: "save it again from the session or script that made it")
    }

    static func damaged(_ path: String, _ what: String) -> Diagnostic {
        Diagnostic(
            code: "snapshot-damaged", message: "the snapshot is damaged: the checksum of \(what) does not match",
            file: path, hint: "save it again from the session or script that made it")
    }

    static func problem(_ path: String, _ message: String) -> Diagnostic {
        Diagnostic(code: "snapshot-unreadable", message: message, file: path)
    }
}

extension SnapshotError {
    /// A column read after opening failed: the file was cut short, changed or damaged since.
    static func changed(_ path: String, _ cause: Diagnostic) -> Diagnostic {
        Diagnostic(
            code: "snapshot-changed",
            message: "\(cause.message) (read when first used: the file is damaged or changed since it was opened)",
            file: path,
            hint: "open it again (load \"\(path)\"); if that fails too, save it again from the session that made it")
    }
}
