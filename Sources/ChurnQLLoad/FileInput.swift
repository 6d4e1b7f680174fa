import ChurnQLDiagnostics
import Foundation

/// Reads input files read-only, turning every file-system failure into a diagnostic that names the path.
public enum FileInput {
    /// What a path names, from `stat` (which follows symlinks and never opens the file, so a FIFO is not touched).
    public enum Kind: Equatable {
        case regular(size: Int)
        /// A FIFO, a process substitution (`<(cat orders.csv)`), a character device or a socket: read as a stream.
        case stream
    }

    /// The file's bytes, read into memory (not mapped: a file truncated by another process while mapped would raise
    /// SIGBUS on the next read; the CSV loader's own mapping is guarded, see MappedFile); never opens for writing.
    /// A pipe is read to its end into memory, within the memory budget.
    public static func read(_ path: String) throws(Diagnostic) -> Data {
        switch try kind(of: path) {
        case .regular:
            do {
                return try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw Diagnostic(
                    code: "file-unreadable", message: "cannot read \(path): \(error.localizedDescription)", file: path)
            }
        case .stream:
            return try readStream(path)
        }
    }

    /// Fails with a diagnostic naming the path unless it is a readable file or stream.
    public static func kind(of path: String) throws(Diagnostic) -> Kind {
        guard !path.isEmpty else {
            throw Diagnostic(
                code: "file-not-found", message: "empty file name", hint: "name a .csv, .sqlite/.db or .sql file")
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw statFailure(path, errno: errno) }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            throw Diagnostic(
                code: "file-is-directory", message: "\(path) is a directory, not a file", file: path,
                hint: "name a .csv, .sqlite/.db or .sql file inside it")
        case S_IFREG:
            guard access(path, R_OK) == 0 else { throw statFailure(path, errno: EACCES) }
            return .regular(size: Int(info.st_size))
        default:
            guard access(path, R_OK) == 0 else { throw statFailure(path, errno: EACCES) }
            return .stream
        }
    }

    private static func statFailure(_ path: String, errno code: Int32) -> Diagnostic {
        switch code {
        case ENOENT:
            return Diagnostic(
                code: "file-not-found", message: "no such file: \(path)", file: path,
                hint: "check the path; relative paths start from \(FileManager.default.currentDirectoryPath)")
        case ELOOP:
            return Diagnostic(
                code: "symlink-loop", message: "\(path): too many levels of symbolic links (a symlink loop)",
                file: path, hint: "point the link at a real file")
        case EACCES:
            return Diagnostic(
                code: "file-unreadable", message: "permission denied: \(path)", file: path,
                hint: "check the file's permissions")
        case ENOTDIR:
            return Diagnostic(
                code: "file-not-found", message: "no such file: \(path) (a part of the path is not a directory)",
                file: path, hint: "check the path")
        default:
            return Diagnostic(
                code: "file-unreadable", message: "cannot read \(path): \(POSIXIO.describe(code))", file: path)
        }
    }

    /// Reads a pipe to its end, refusing it once it outgrows the memory budget.
    private static func readStream(_ path: String) throws(Diagnostic) -> Data {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw statFailure(path, errno: errno) }
        defer { close(fd) }
        var data = Data()
        while true {
            switch POSIXIO.readChunk(fd, upTo: 1 << 20) {
            case .failure(let error):
                throw Diagnostic(
                    code: "file-unreadable", message: "cannot read \(path): \(error.description)", file: path)
            case .success(let piece):
                if piece.isEmpty { return data }
                data.append(contentsOf: piece)
                try MemoryBudget.check(bytes: data.count, path: path)
            }
        }
    }

    /// The table name for a file: its stem, made into an identifier (`2024 orders.csv` → `t2024_orders`).
    public static func tableName(for path: String) -> String {
        let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        var name = String(stem.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if let first = name.first, first.isNumber { name = "t" + name }
        return name.isEmpty ? "table" : name
    }
}
