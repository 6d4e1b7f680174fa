/// A named text (a script file or a line typed at the prompt) with fast access to its lines.
/// Its UTF-8 bytes are kept once and shared (the lexer reads them, statements are cut from them), so a long script
/// is never copied per statement.
public struct SourceText: Sendable {
    /// The file name shown in diagnostics; `<stdin>`, `<command>` or nil for the prompt.
    public let name: String?
    public let text: String
    /// The text's UTF-8 bytes.
    public let bytes: [UInt8]
    /// The byte offset where each line starts.
    private let lineStarts: [Int]

    public init(name: String?, text: String) {
        self.name = name
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == 10 { starts.append(offset + 1) }
        self.lineStarts = starts
    }

    /// The number of lines (a text ending in a line end has an empty last line).
    public var lineCount: Int { lineStarts.count }

    /// The text of a 1-based line without its line terminator, or nil when out of range.
    public func lineText(_ line: Int) -> String? {
        guard line >= 1, line <= lineStarts.count else { return nil }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start && bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The 1-based line holding a byte offset, by binary search over the line starts.
    public func line(ofOffset offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count
        // The number of line starts at or before `offset`.
        while low < high {
            let middle = low + (high - low) / 2
            if lineStarts[middle] <= offset { low = middle + 1 } else { high = middle }
        }
        return Swift.max(1, low)
    }

    /// The 1-based column (in bytes) of a byte offset.
    public func column(ofOffset offset: Int) -> Int {
        let start = lineStarts[line(ofOffset: offset) - 1]
        return Swift.max(0, offset - start) + 1
    }

    /// The text of a span, clamped to the source.
    public func text(of span: SourceSpan) -> String {
        let start = Swift.max(0, Swift.min(span.start, bytes.count))
        let end = Swift.max(start, Swift.min(span.end, bytes.count))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
