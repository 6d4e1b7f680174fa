import ChurnQLDiagnostics
import ChurnQLLoad
import Foundation

/// What writing to a path means. A regular file (or a new one) is replaced atomically: a temporary file in its
/// real folder, renamed over it, so a symlink stays a link and its target gets the new text. Character devices
/// (/dev/null, /dev/tty, /dev/stdout) and pipes are written through: opened, never created, truncated or
/// renamed over. Anything else (directories, sockets, block devices) is refused.
enum OutputTarget: Equatable {
    /// The real path of the file to replace, and the permissions to keep.
    case replace(realPath: String, mode: mode_t?)
    /// A device or pipe, or a file reached through /dev or /proc (e.g. /dev/stdout onto a file: appended).
    case through(path: String, isPipe: Bool, append: Bool)

    static func resolve(_ given: String, protected: ProtectedFiles) throws(Diagnostic) -> OutputTarget {
        if given.trimmingCharacters(in: .whitespaces).isEmpty {
            throw Diagnostic(
                code: "output-failed", message: "no file name given", hint: "name a file, e.g. \"result.csv\"")
        }
        let path = UserPath.expandTilde(given)
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = errno
            guard error == ENOENT else { throw failure(given, error) }
            return .replace(realPath: try newFilePath(path, given: given), mode: nil)
        }
        // /dev/stdout and its aliases onto a closed stdout must not write into its placeholder and claim success.
        try StandardStreams.refuseClosedStream(at: path, named: given, writing: true)
        // Only a regular file can be destroyed by a write; devices and pipes are written through.
        if info.st_mode & S_IFMT == S_IFREG { try protected.check(FileIdentity(info), named: given) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            throw Diagnostic(code: "output-failed", message: "\(given) is a directory", hint: "name a file inside it")
        case S_IFCHR:
            return .through(path: path, isPipe: false, append: false)
        case S_IFIFO:
            return .through(path: path, isPipe: true, append: false)
        case S_IFREG:
            if linkChain(path).contains(where: { $0.hasPrefix("/dev/") || $0.hasPrefix("/proc/") }) {
                return .through(path: path, isPipe: false, append: true)
            }
            guard let real = realPath(path) else { throw failure(given, errno) }
            return .replace(realPath: real, mode: info.st_mode & 0o7777)
        default:
            let kind = (info.st_mode & S_IFMT) == S_IFSOCK ? "a socket" : "a block device or special file"
            throw Diagnostic(
                code: "output-failed", message: "refusing to write \(given): it is \(kind)",
                hint: "churnql writes regular files, character devices such as /dev/null, and pipes")
        }
    }

    /// A path that does not exist yet, or a dangling symlink: the file its link chain ends at, in a real folder.
    private static func newFilePath(_ path: String, given: String) throws(Diagnostic) -> String {
        var current = path
        for _ in 0..<40 {
            guard let next = try linkTarget(of: current, given: given) else { break }
            current = next
        }
        var info = stat()
        if lstat(current, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK { throw failure(given, ELOOP) }
        let parent = folder(of: current)
        guard let realParent = realPath(parent) else {
            let error = errno
            if error == ENOENT || error == ENOTDIR {
                throw Diagnostic(
                    code: "output-failed", message: "cannot write \(given): folder \(parent) does not exist",
                    hint: "create the folder first, or write somewhere else")
            }
            throw failure(given, error)
        }
        let name = current.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? current
        return (realParent == "/" ? "" : realParent) + "/" + name
    }

    /// The path and every link it passes through, as absolute paths: `out.csv → /dev/stdout → /proc/self/fd/1 → a
    /// file` names a stream, to be appended to, not a file to replace.
    private static func linkChain(_ path: String) -> [String] {
        var current = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var chain = [current]
        for _ in 0..<40 {
            guard let next = try? linkTarget(of: current, given: path) else { break }
            current = next
            chain.append(current)
        }
        return chain
    }

    /// Where the symlink at `current` points (relative targets made absolute); nil when it is not a link.
    private static func linkTarget(of current: String, given: String) throws(Diagnostic) -> String? {
        var info = stat()
        guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(current, &buffer, buffer.count - 1)
        guard length > 0 else { throw failure(given, errno) }
        let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.hasPrefix("/") ? target : folder(of: current) + "/" + target
    }

    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func failure(_ given: String, _ error: Int32) -> Diagnostic {
        switch error {
        case ELOOP:
            return Diagnostic(
                code: "output-failed", message: "cannot write \(given): too many levels of symbolic links (a loop?)",
                hint: "fix or remove the link")
        case ENOTDIR:
            return Diagnostic(
                code: "output-failed", message: "cannot write \(given): a part of the path is not a folder")
        default:
            return Diagnostic(code: "output-failed", message: "cannot write \(given): \(POSIXIO.describe(error))")
        }
    }
}
