import ChurnQLDiagnostics
import Foundation

/// Where results go: stdout, or a file opened with `.output FILE` (written to a temporary file and renamed
/// into place when closed, so a failure never leaves half a file and never touches an input file).
final class OutputSink {
    private var pendingPath: String?
    private var temporaryPath: String?
    private var handle: FileHandle?

    /// Writes result text.
    func write(_ text: String) {
        if let handle {
            handle.write(Data(text.utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    var isRedirected: Bool { handle != nil }

    /// Sends output to a file until `close()`.
    func redirect(to path: String, protected: [String]) throws(Diagnostic) {
        close()
        try AtomicFile.checkWritable(path, protected: protected)
        let temporary = AtomicFile.temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: nil),
            let handle = FileHandle(forWritingAtPath: temporary)
        else {
            throw Diagnostic(
                code: "output-failed", message: "cannot write \(path)", hint: "check the folder exists and is writable")
        }
        self.handle = handle
        self.pendingPath = path
        self.temporaryPath = temporary
    }

    /// Finishes a redirected file and returns to stdout.
    func close() {
        guard let handle, let pendingPath, let temporaryPath else { return }
        try? handle.close()
        _ = try? AtomicFile.replace(pendingPath, with: temporaryPath)
        self.handle = nil
        self.pendingPath = nil
        self.temporaryPath = nil
    }
}

/// Atomic file writing: temporary file beside the target, then rename.
enum AtomicFile {
    static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).churnql-\(getpid()).tmp"
        ).path
    }

    /// Refuses to write over a loaded input file or into a directory.
    static func checkWritable(_ path: String, protected: [String]) throws(Diagnostic) {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        let inputs = protected.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path }
        if inputs.contains(absolute) {
            throw Diagnostic(
                code: "would-overwrite-input", message: "refusing to overwrite \(path): it is a loaded input file",
                hint: "write the result to another file name")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Diagnostic(code: "output-failed", message: "\(path) is a directory", hint: "name a file inside it")
        }
    }

    /// Writes `text` to `path` atomically.
    static func write(_ text: String, to path: String, protected: [String]) throws(Diagnostic) {
        try checkWritable(path, protected: protected)
        let temporary = temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else {
            throw Diagnostic(
                code: "output-failed", message: "cannot write \(path)", hint: "check the folder exists and is writable")
        }
        do {
            try replace(path, with: temporary)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw Diagnostic(code: "output-failed", message: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func replace(_ path: String, with temporary: String) throws {
        if rename(temporary, path) != 0 {
            throw CocoaError(.fileWriteUnknown)
        }
    }
}
