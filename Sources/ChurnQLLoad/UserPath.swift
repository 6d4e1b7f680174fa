import Foundation

/// Paths as a shell would take them: one rule for every path churnql takes from the user, inputs and outputs.
public enum UserPath {
    /// `~` and `~/x` name the home folder ($HOME), `~ana/x` another user's.
    public static func expandTilde(_ path: String) -> String {
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
