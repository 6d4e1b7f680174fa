@preconcurrency import CLibEdit
import ChurnQLDiagnostics
import ChurnQLLoad
import Foundation

/// The history file. libedit's write_history() opens its path with fopen("w"): it would truncate an input
/// file, block on a pipe without a reader, or follow anything. So libedit writes into a private temporary
/// folder, and the bytes go to the real path through the same writer as every output (`OutputFile`).
enum History {
    nonisolated(unsafe) private static var warned = false

    /// Reads the history only from a regular file: a device or pipe could block or never end.
    static func load(from path: String) {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size <= ScriptSource.sizeLimit
        else { return }
        _ = read_history(path)
    }

    static func save(to path: String, protecting protected: ProtectedFiles) {
        var unprotected = protected
        unprotected.history = nil
        do {
            let bytes = try libeditText()
            let file = try OutputFile.open(path, protected: unprotected)
            try file.write(bytes)
            try file.commit(protected: unprotected)
        } catch {
            guard !warned else { return }
            warned = true
            StandardError.write("churnql: history not saved: \(error.message)\n")
        }
    }

    /// The history in libedit's file format.
    private static func libeditText() throws(Diagnostic) -> [UInt8] {
        let base = (ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp")
        var template = Array((base + "/churnql-history-XXXXXX").utf8CString)
        guard let folder = mkdtemp(&template) else {
            throw Diagnostic(code: "output-failed", message: "cannot make a temporary folder in \(base)")
        }
        let directory = String(cString: folder)
        let file = directory + "/history"
        defer {
            unlink(file)
            rmdir(directory)
        }
        guard write_history(file) == 0, let bytes = POSIXIO.readSmallFile(file, limit: ScriptSource.sizeLimit) else {
            throw Diagnostic(code: "output-failed", message: "libedit could not write the history")
        }
        return bytes
    }
}

extension LineEditor {
    /// A history path that names a loaded input or the rc file would be overwritten: refused before the prompt.
    static func checkHistoryPath(protecting protected: ProtectedFiles, rcFile: String?) -> Diagnostic? {
        var info = stat()
        guard stat(historyPath, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let history = FileIdentity(info)
        var guarded = protected
        guarded.history = nil
        if let rcFile, let identity = FileIdentity(path: UserPath.expandTilde(rcFile)) {
            guarded.scripts.append(identity)
        }
        do {
            try guarded.check(history, named: historyPath)
        } catch {
            var refusal = error
            let what = error.code == "would-overwrite-input" ? "a loaded input file" : "the rc script"
            refusal.code = "history-is-input"
            refusal.message = "refusing to keep the history in \(historyPath): it is \(what)"
            refusal.hint = "set CHURNQL_HISTORY to another file"
            return refusal
        }
        return nil
    }
}
