#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads and writes on file descriptors that report errors as errno values. Foundation's FileHandle traps
/// (SIGILL) on EPIPE, ENOSPC or EBADF; every byte churnql reads or writes goes through here instead.
public enum POSIXIO {
    /// Writes every byte, retrying after EINTR and waiting out EAGAIN on a non-blocking descriptor.
    /// Returns 0, or the errno of the failed write.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard var next = bytes.baseAddress else { return 0 }
        var left = bytes.count
        while left > 0 {
            let written = write(fd, next, left)
            if written < 0 {
                let error = errno
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK {
                    var wanted = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&wanted, 1, -1)
                    continue
                }
                return error
            }
            if written == 0 { return EIO }
            next += written
            left -= written
        }
        return 0
    }

    public static func writeAll(_ fd: Int32, _ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { writeAll(fd, UnsafeRawBufferPointer($0)) }
    }

    /// Reads up to `count` bytes, retrying after EINTR: the bytes (empty at end of file), or the errno.
    public static func readChunk(_ fd: Int32, upTo count: Int) -> Result<[UInt8], SystemError> {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
            if got >= 0 { return .success(Array(buffer[0..<got])) }
            if errno != EINTR { return .failure(SystemError(errno)) }
        }
    }

    /// A small file read whole (e.g. /proc/self/status), nil on any error or beyond `limit` bytes.
    public static func readSmallFile(_ path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            guard case .success(let chunk) = readChunk(fd, upTo: 65536) else { return nil }
            if chunk.isEmpty { return bytes }
            bytes += chunk
        }
        return nil
    }

    /// The system's text for an errno value, e.g. "No space left on device".
    public static func describe(_ error: Int32) -> String {
        String(cString: strerror(error))
    }
}

/// An errno value as a Swift error.
public struct SystemError: Error, Sendable, Equatable {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
    public var description: String { POSIXIO.describe(code) }
}

/// Standard error for messages and traces: a failed write (closed, full, broken pipe) is dropped, never a trap,
/// as there is nowhere left to report it.
public enum StandardError {
    public static func write(_ text: String) {
        _ = POSIXIO.writeAll(2, text)
    }
}
