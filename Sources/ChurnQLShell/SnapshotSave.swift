import ChurnQLDiagnostics
import ChurnQLSnapshot
import ChurnQLStore
import Foundation

extension Session {
    /// `save "file.cqs"`: the snapshot written like every output (atomically, never over a loaded input, a running
    /// script or the history).
    func save(_ contents: SnapshotContents, to path: String) throws(Diagnostic) {
        let file = try OutputFile.open(path, protected: protectedFiles)
        let size: Int
        do {
            size = try SnapshotWriter.write(contents) { (raw) throws(Diagnostic) in try file.write(raw: raw) }
            try file.commit(protected: protectedFiles)
        } catch {
            file.discard()
            throw error
        }
        let megabytes = Double(size) / 1_048_576
        let views = contents.session.views.count
        note(
            "saved \(contents.tables.count) table\(contents.tables.count == 1 ? "" : "s"), \(views) view\(views == 1 ? "" : "s") and the settings to \(path) ("
                + (megabytes >= 1 ? String(format: "%.1f MB", megabytes) : "\(size) bytes") + ")")
    }
}
