import ChurnQLDiagnostics
import Foundation

/// Reads input files read-only, turning every file-system failure into a located diagnostic.
public enum FileInput {
    /// The file's bytes (memory-mapped where possible); never opens for writing.
    public static func read(_ path: String) throws(Diagnostic) -> Data {
        try checkReadable(path)
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw Diagnostic(
                code: "file-unreadable", message: "cannot read \(path): \(error.localizedDescription)", file: path)
        }
    }

    /// Fails with a located diagnostic unless `path` is an existing, readable file.
    private static func checkReadable(_ path: String) throws(Diagnostic) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Diagnostic(
                code: "file-not-found", message: "no such file: \(path)", file: path,
                hint: "check the path; relative paths start from \(FileManager.default.currentDirectoryPath)")
        }
        if isDirectory.boolValue {
            throw Diagnostic(
                code: "file-is-directory", message: "\(path) is a directory, not a file", file: path,
                hint: "name a .csv, .sqlite/.db or .sql file inside it")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw Diagnostic(
                code: "file-unreadable", message: "permission denied: \(path)", file: path,
                hint: "check the file's permissions")
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
