/// Splits a script into meta-command lines (`.mode csv`) and query text, keeping line numbers: meta lines are
/// blanked in the query text so the parser's line numbers stay those of the file.
struct ScriptSegments {
    struct MetaLine {
        var line: Int
        var text: String
    }

    var queryText: String
    var metaLines: [MetaLine]

    init(_ text: String) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var metas: [MetaLine] = []
        var previousContinues = false
        for i in lines.indices {
            let trimmed = lines[i].trimmingCharacters(in: .whitespaces)
            if !previousContinues, trimmed.hasPrefix("."), trimmed.dropFirst().first?.isLetter == true {
                metas.append(MetaLine(line: i + 1, text: trimmed))
                lines[i] = ""
                continue
            }
            if !trimmed.isEmpty && !trimmed.hasPrefix("--") && !trimmed.hasPrefix("#") {
                previousContinues = trimmed.hasSuffix("|") || trimmed.hasSuffix(",") || trimmed.hasSuffix("(")
            }
        }
        queryText = lines.joined(separator: "\n")
        metaLines = metas
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Set where Element == Character {
    static let whitespaces: Set<Character> = [" ", "\t", "\r"]
}
