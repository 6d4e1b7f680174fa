import ChurnQLDiagnostics
import Foundation

/// stdin, stdout and stderr without traps. A failed write to stdout (full device, closed, broken pipe) ends
/// the process with one message on stderr and exit status 2; stderr failures are dropped.
public enum StandardStreams {
    /// Which of fd 0, 1, 2 were closed when the process started, and the file holding each number since.
    nonisolated(unsafe) private static var closedAtStart: Set<Int32> = []
    nonisolated(unsafe) private static var placeholders: [Int32: FileIdentity] = [:]

    /// Call first thing: a broken pipe becomes EPIPE instead of a kill, and a closed standard descriptor gets a
    /// placeholder, so that the next file opened (an input, an output) cannot take its number and receive
    /// messages or results meant for the terminal.
    public static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            closedAtStart.insert(fd)
            let placeholder = emptyUnlinkedFile() ?? open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if placeholder >= 0 && placeholder != fd {
                _ = dup2(placeholder, fd)
                close(placeholder)
            }
            placeholders[fd] = FileIdentity(descriptor: fd)
        }
    }

    /// An empty, nameless file opened read-only: reads end at once, writes fail with EBADF, and its identity is
    /// its own (unlike /dev/null's), so `/dev/stdout`, `/dev/fd/1` or `/proc/self/fd/1` are recognised as it.
    private static func emptyUnlinkedFile() -> Int32? {
        let folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((folder + "/.churnql-closed-XXXXXX").utf8CString)
        let writable = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1
        }
        guard writable >= 0 else { return nil }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let readOnly = open(path, O_RDONLY)
        unlink(path)
        close(writable)
        return readOnly >= 0 ? readOnly : nil
    }

    /// The standard descriptor (0, 1 or 2) that was closed at start and whose placeholder `identity` is: a path
    /// such as /dev/stdin that leads to it names a stream that is not there.
    static func closedStream(_ identity: FileIdentity) -> Int32? {
        placeholders.first { $0.value == identity }?.key
    }

    /// For readers and writers of paths: a closed standard stream reached by an alias fails as the stream itself
    /// would. Writing to stdout ends the process (as a direct write does); reading stdin is the closed-stdin error.
    static func refuseClosedStream(at path: String, named given: String, writing: Bool) throws(Diagnostic) {
        guard !placeholders.isEmpty, let identity = FileIdentity(path: path), let fd = closedStream(identity) else {
            return
        }
        if writing && fd == 1 { failOutput(EBADF) }
        if !writing && fd == 0 { throw closedInput }
        let stream = ["standard input", "standard output", "standard error"][Int(fd)]
        throw Diagnostic(
            code: writing ? "output-failed" : "unreadable-script",
            message: "cannot \(writing ? "write" : "read") \(given): \(stream) is closed",
            hint: "churnql was started with \(stream) closed")
    }

    static let closedInput = Diagnostic(
        code: "stdin-closed", message: "standard input is closed, so there is no script to read",
        hint: "pass a query with -c or a script with -f")

    static var inputWasClosed: Bool { closedAtStart.contains(0) }

    /// Writes to stderr; a failure is dropped.
    public static func error(_ text: String) {
        StandardError.write(text)
    }

    /// Writes result text to stdout, or ends the process as described above.
    public static func output(_ text: String) {
        let error = closedAtStart.contains(1) ? EBADF : POSIXIO.writeAll(1, text)
        if error != 0 { failOutput(error) }
    }

    /// Whatever the session was doing, stdout is gone: say so once, remove temporary files, exit 2.
    static func failOutput(_ error: Int32) -> Never {
        let reason = error == EBADF ? "it is closed" : POSIXIO.describe(error)
        StandardError.write("churnql: cannot write to standard output: \(reason)\n")
        TemporaryFiles.removeAll()
        exit(ExitStatus.usageError)
    }
}
