import ChurnQLDiagnostics
import Foundation

/// stdin, stdout and stderr without traps. A failed write to stdout (full device, closed, broken pipe) ends
/// the process with one message on stderr and exit status 2; stderr failures are dropped.
public enum StandardStreams {
    /// Which of fd 0, 1, 2 were closed when the process started (now held by /dev/null).
    nonisolated(unsafe) private static var closedAtStart: Set<Int32> = []

    /// Call first thing: a broken pipe becomes EPIPE instead of a kill, and a closed standard descriptor gets
    /// /dev/null, so that the next file opened (an input, an output) cannot take its number and receive
    /// messages or results meant for the terminal.
    public static func prepare() {
        signal(SIGPIPE, SIG_IGN)
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            closedAtStart.insert(fd)
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != fd {
                _ = dup2(null, fd)
                close(null)
            }
        }
    }

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
