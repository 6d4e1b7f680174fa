import ChurnQLDiagnostics

/// Where results go: stdout, or a file opened with `.output FILE` until `.output` alone or the end of the session
/// (see `OutputFile`: a regular file is replaced only when complete, a device or pipe is written through).
final class OutputSink {
    private var file: OutputFile?

    var isRedirected: Bool { file != nil }

    /// Writes result text. A failed file write abandons the file (its previous contents stay) and throws;
    /// a failed stdout write ends the process (`StandardStreams`).
    func write(_ text: String) throws(Diagnostic) {
        guard let file else { return StandardStreams.output(text) }
        do {
            try file.write(text)
        } catch {
            self.file = nil
            throw error
        }
    }

    /// Sends output to a file until `close()`.
    func redirect(to path: String, protected: ProtectedFiles) throws(Diagnostic) {
        try close(protected: protected)
        file = try OutputFile.open(path, protected: protected)
    }

    /// Finishes a redirected file and returns to stdout; refused if its target became protected meanwhile.
    func close(protected: ProtectedFiles) throws(Diagnostic) {
        guard let file else { return }
        self.file = nil
        try file.commit(protected: protected)
    }
}
