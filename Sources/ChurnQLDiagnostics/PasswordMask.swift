/// Passwords of `postgresql://` URIs in a source line, masked before the line is shown in a diagnostic: an
/// `attach` or `load` statement that fails is quoted, and its URI may carry `user:password@` or `?password=`.
/// Each masked character becomes `*`, so the columns of the caret line stay right.
public enum PasswordMask {
    public static func masking(_ line: String) -> String {
        var characters = Array(line)
        let lower = Array(line.lowercased())
        guard lower.count == characters.count else { return line }
        var i = 0
        while i < characters.count {
            guard let schemeEnd = schemeEnd(lower, at: i) else {
                i += 1
                continue
            }
            // The URI runs to a quote or a space.
            var end = schemeEnd
            while end < characters.count, !"\"' \t`\n\r".contains(characters[end]) { end += 1 }
            mask(&characters, lower, from: schemeEnd, to: end)
            i = end
        }
        return String(characters)
    }

    private static func schemeEnd(_ lower: [Character], at i: Int) -> Int? {
        for scheme in ["postgresql://", "postgres://"] {
            let pattern = Array(scheme)
            if i + pattern.count <= lower.count, Array(lower[i..<i + pattern.count]) == pattern {
                return i + pattern.count
            }
        }
        return nil
    }

    /// `user:PASSWORD@host` and `password=VALUE` (up to `&`) within characters[start..<end].
    private static func mask(_ characters: inout [Character], _ lower: [Character], from start: Int, to end: Int) {
        if let at = characters[start..<end].lastIndex(of: "@"),
            let colon = characters[start..<at].firstIndex(of: ":"),
            !characters[start..<at].contains("/")
        {
            for j in (colon + 1)..<at { characters[j] = "*" }
        }
        let key = Array("password=")
        var j = start
        while j + key.count <= end {
            let before = j == start ? "?" : lower[j - 1]
            if (before == "?" || before == "&"), Array(lower[j..<j + key.count]) == key {
                var k = j + key.count
                while k < end, characters[k] != "&" {
                    characters[k] = "*"
                    k += 1
                }
                j = k
            } else {
                j += 1
            }
        }
    }
}
