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
