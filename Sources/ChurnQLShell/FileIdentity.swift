import ChurnQLDiagnostics
import Foundation

/// A file whatever its name: the same device and inode catch hard links, symlinks and `./x` against `x`.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// The file a path names (symlinks followed), nil when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    init?(descriptor: Int32) {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        self.init(info)
    }
}

/// Files no writer may replace: the loaded inputs, the scripts being run, the history file.
struct ProtectedFiles {
    var inputs: [String] = []
    var scripts: [FileIdentity] = []
    var history: String?

    func check(_ target: FileIdentity, named path: String) throws(Diagnostic) {
        if inputs.contains(where: { FileIdentity(path: $0) == target }) {
            throw Diagnostic(
                code: "would-overwrite-input", message: "refusing to overwrite \(path): it is a loaded input file",
                hint: "write the result to another file name")
        }
        if scripts.contains(target) {
            throw Diagnostic(
                code: "would-overwrite-script", message: "refusing to overwrite \(path): it is a script being run",
                hint: "write the result to another file name")
        }
        if let history, FileIdentity(path: history) == target {
            throw Diagnostic(
                code: "would-overwrite-history", message: "refusing to overwrite \(path): it is the history file",
                hint: "write the result to another file name")
        }
    }
}

/// Paths as a shell would take them.
enum UserPath {
    /// `~` and `~/x` name the home folder ($HOME), `~ana/x` another user's.
    static func expandTilde(_ path: String) -> String {
        guard path.hasPrefix("~") else { return path }
        let rest = path.dropFirst()
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let user = String(rest[..<slash])
        var home: String?
        if user.isEmpty, let value = getenv("HOME"), value.pointee != 0 {
            home = String(cString: value)
        } else if let entry = user.isEmpty ? getpwuid(getuid()) : getpwnam(user), let directory = entry.pointee.pw_dir {
            home = String(cString: directory)
        }
        guard let home else { return path }
        return home + rest[slash...]
    }
}
