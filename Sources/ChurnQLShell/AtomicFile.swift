import ChurnQLDiagnostics
import Foundation

/// The system calls a file write makes, replaceable so that tests can make each one fail.
struct FileSystemCalls: Sendable {
    var write: @Sendable (Int32, UnsafeRawBufferPointer) -> Int32 = { POSIXIO.writeAll($0, $1) }
    /// 0 or errno.
    var close: @Sendable (Int32) -> Int32 = { Foundation.close($0) == 0 ? 0 : errno }
    var rename: @Sendable (String, String) -> Int32 = { Foundation.rename($0, $1) == 0 ? 0 : errno }
    static let system = FileSystemCalls()
}

/// One output being written (`.output`, `export`, `.save`, the history): see `OutputTarget` for what each kind
/// of path gets. A replaced file is written to a temporary file that is removed on every failure, so the target
/// is either the complete new text or untouched.
final class OutputFile {
    let name: String
    private var fd: Int32
    /// For a replaced file: the temporary file and the real path it becomes.
    private let temporary: String?
    private let destination: String?
    private let calls: FileSystemCalls

    private init(name: String, fd: Int32, temporary: String?, destination: String?, calls: FileSystemCalls) {
        self.name = name
        self.fd = fd
        self.temporary = temporary
        self.destination = destination
        self.calls = calls
    }

    static func open(_ path: String, protected: ProtectedFiles, calls: FileSystemCalls = .system) throws(Diagnostic)
        -> OutputFile
    {
        switch try OutputTarget.resolve(path, protected: protected) {
        case .through(let target, let isPipe, let append):
            // A pipe without a reader would block open() for ever: ask without waiting, then write normally.
            let flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (isPipe ? O_NONBLOCK : 0) | (append ? O_APPEND : 0)
            let fd = Foundation.open(target, flags)
            guard fd >= 0 else {
                let error = errno
                if isPipe && error == ENXIO {
                    throw Diagnostic(
                        code: "output-failed", message: "cannot write \(path): it is a pipe with no reader",
                        hint: "start the reader first")
                }
                throw OutputTarget.failure(path, error)
            }
            if isPipe { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) }
            return OutputFile(name: path, fd: fd, temporary: nil, destination: nil, calls: calls)
        case .replace(let realPath, let mode):
            let temporary = temporaryPath(for: realPath)
            // Registered before it exists, so a signal between the two cannot leave it behind.
            TemporaryFiles.add(temporary)
            let fd = Foundation.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard fd >= 0 else {
                let error = errno
                TemporaryFiles.remove(temporary)
                throw OutputTarget.failure(path, error)
            }
            if let mode { _ = fchmod(fd, mode) }
            return OutputFile(name: path, fd: fd, temporary: temporary, destination: realPath, calls: calls)
        }
    }

    /// Appends text; on failure the output is abandoned (temporary file removed) and the error thrown.
    func write(_ text: String) throws(Diagnostic) {
        var text = text
        try check(text.withUTF8 { write(UnsafeRawBufferPointer($0)) })
    }

    func write(_ bytes: [UInt8]) throws(Diagnostic) {
        try check(bytes.withUnsafeBytes { write($0) })
    }

    /// Appends raw bytes (a snapshot's arrays, written without a copy).
    func write(raw bytes: UnsafeRawBufferPointer) throws(Diagnostic) {
        try check(write(bytes))
    }

    /// 0 or errno.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        fd >= 0 ? calls.write(fd, bytes) : EBADF
    }

    private func check(_ error: Int32) throws(Diagnostic) {
        if error != 0 {
            discard()
            throw failed(error)
        }
    }

    /// Closes the file and renames the temporary file into place. `protected` is checked again here: an `.output`
    /// stays open across statements, and its target may have been loaded (or `.read`) since it was opened.
    func commit(protected: ProtectedFiles = ProtectedFiles()) throws(Diagnostic) {
        guard fd >= 0 else { throw failed(EBADF) }
        if let destination, let identity = FileIdentity(path: destination) {
            do throws(Diagnostic) {
                try protected.check(identity, named: name)
            } catch {
                discard()
                throw error
            }
        }
        let closeError = calls.close(fd)
        fd = -1
        if closeError != 0 {
            discard()
            throw failed(closeError)
        }
        guard let temporary, let destination else { return }
        let renameError = calls.rename(temporary, destination)
        if renameError != 0 {
            discard()
            throw failed(renameError)
        }
        TemporaryFiles.remove(temporary)
    }

    /// Gives up: closes and removes the temporary file; the target keeps its previous contents.
    func discard() {
        if fd >= 0 { _ = Foundation.close(fd) }
        fd = -1
        if let temporary {
            unlink(temporary)
            TemporaryFiles.remove(temporary)
        }
    }

    private func failed(_ error: Int32) -> Diagnostic {
        Diagnostic(
            code: "output-failed", message: "cannot write \(name): \(POSIXIO.describe(error))",
            hint: temporary == nil ? nil : "the file was left as it was")
    }

    private static let counter = Counter()

    /// Beside the target (a rename cannot cross file systems); a short name even for a long target name.
    static func temporaryPath(for realPath: String) -> String {
        let slash = realPath.lastIndex(of: "/") ?? realPath.startIndex
        let folder = String(realPath[..<slash])
        // At most 64 bytes of the name (whole characters), so the temporary name stays under NAME_MAX (255 bytes)
        // whatever the target's name is written in.
        var name = Substring(realPath[realPath.index(after: slash)...])
        while name.utf8.count > 64 { name = name.dropLast() }
        return "\(folder)/.\(name).churnql-\(getpid())-\(counter.next()).tmp"
    }
}

/// Text written in one go.
enum AtomicFile {
    static func write(_ text: String, to path: String, protected: ProtectedFiles) throws(Diagnostic) {
        let file = try OutputFile.open(path, protected: protected)
        try file.write(text)
        try file.commit(protected: protected)
    }
}

/// Temporary files not yet renamed, removed if the process must exit early (stdout failed, or a signal:
/// `SignalCleanup` holds them for the handler).
enum TemporaryFiles {
    private static let lock = NSLock()
    /// Each path with its signal-cleanup slot.
    nonisolated(unsafe) private static var paths: [String: Int?] = [:]

    static func add(_ path: String) {
        let slot = SignalCleanup.register(path)
        lock.withLock { paths[path] = slot }
    }

    static func remove(_ path: String) {
        let slot = lock.withLock { paths.removeValue(forKey: path) }
        if let slot = slot ?? nil { SignalCleanup.unregister(slot) }
    }

    static func removeAll() {
        lock.withLock {
            for (path, slot) in paths {
                unlink(path)
                if let slot { SignalCleanup.unregister(slot) }
            }
            paths.removeAll()
        }
    }
}

/// A thread-safe sequence number.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.withLock {
            value += 1; return value
        }
    }
}
