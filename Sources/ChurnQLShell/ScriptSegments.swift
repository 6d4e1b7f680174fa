/// Splits a script into meta-command lines (`.mode csv`) and query text, keeping line numbers and byte offsets:
/// meta lines are blanked with spaces in the query text, so the parser's locations stay those of the file.
/// One pass over the bytes, so a large script costs time and memory in proportion to its size.
struct ScriptSegments {
    struct MetaLine {
        var line: Int
        var text: String
    }

    var queryText: String
    var metaLines: [MetaLine]

    init(_ text: String) {
        var bytes = Array(text.utf8)
        var metas: [MetaLine] = []
        var previousContinues = false
        // A line that starts inside a string literal is part of that string, never a meta command.
        var openQuote: UInt8?
        var lineStart = 0
        var lineNumber = 1
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            var first = lineStart
            while first < lineEnd && Self.isBlank(bytes[first]) { first += 1 }
            var last = lineEnd
            while last > first && Self.isBlank(bytes[last - 1]) { last -= 1 }
            if openQuote == nil, !previousContinues, last - first >= 2, bytes[first] == UInt8(ascii: "."),
                Self.isLetter(bytes[first + 1])
            {
                metas.append(MetaLine(line: lineNumber, text: String(decoding: bytes[first..<last], as: UTF8.self)))
                for i in lineStart..<lineEnd { bytes[i] = 32 }
            } else {
                let startsInString = openQuote != nil
                openQuote = Self.quoteOpen(after: bytes[lineStart..<lineEnd], openQuote: openQuote)
                let isComment =
                    first < last
                    && (bytes[first] == UInt8(ascii: "#")
                        || (bytes[first] == UInt8(ascii: "-") && first + 1 < last
                            && bytes[first + 1] == UInt8(ascii: "-")))
                if first < last && !isComment && !startsInString {
                    let end = bytes[last - 1]
                    previousContinues = end == UInt8(ascii: "|") || end == UInt8(ascii: ",") || end == UInt8(ascii: "(")
                }
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        queryText = String(decoding: bytes, as: UTF8.self)
        metaLines = metas
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }
    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }

    /// The quote still open at the end of a line, following the lexer's rules: `"` and `'` strings with backslash
    /// escapes may span lines; comments (`--`, `#`) and backquoted names end at the line end.
    private static func quoteOpen(after line: ArraySlice<UInt8>, openQuote: UInt8?) -> UInt8? {
        var quote = openQuote
        var i = line.startIndex
        while i < line.endIndex {
            let byte = line[i]
            if let open = quote {
                if byte == UInt8(ascii: "\\") {
                    i += 1
                } else if byte == open {
                    quote = nil
                }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "#")
                || (byte == UInt8(ascii: "-") && i + 1 < line.endIndex && line[i + 1] == UInt8(ascii: "-"))
            {
                return nil
            } else if byte == UInt8(ascii: "`") {
                i += 1
                while i < line.endIndex && line[i] != UInt8(ascii: "`") { i += 1 }
            }
            i += 1
        }
        return quote
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
