/// A named text (a script file or a line typed at the prompt) with fast access to its lines.
/// Its UTF-8 bytes are kept once and shared (the lexer reads them, statements are cut from them), so a long script
/// is never copied per statement.
public struct SourceText: Sendable {
    /// The file name shown in diagnostics; `<stdin>`, `<command>` or nil for the prompt.
    public let name: String?
    public let text: String
    /// The text's UTF-8 bytes.
    public let bytes: [UInt8]
    /// The byte offset where every `linesPerMark`-th line starts (lines 1, 33, 65, …): a file of blank lines would
    /// need eight bytes per byte to keep every line start; this needs a quarter of a byte, and a lookup reads at
    /// most `linesPerMark` lines.
    private let marks: [Int]
    /// The number of lines (a text ending in a line end has an empty last line).
    public let lineCount: Int
    private static let linesPerMark = 32

    public init(name: String?, text: String) {
        self.name = name
        self.text = text
        let bytes = Array(text.utf8)
        self.bytes = bytes
        var marks = [0]
        var lines = 1
        for (offset, byte) in bytes.enumerated() where byte == 10 {
            if lines % Self.linesPerMark == 0 { marks.append(offset + 1) }
            lines += 1
        }
        self.marks = marks
        self.lineCount = lines
    }

    /// The byte offset where a 1-based line (in range) starts.
    private func start(ofLine line: Int) -> Int {
        var offset = marks[(line - 1) / Self.linesPerMark]
        for _ in 0..<(line - 1) % Self.linesPerMark { offset = lineEnd(from: offset) + 1 }
        return offset
    }

    /// The offset of the first line end at or after `offset`, or the end of the text.
    private func lineEnd(from offset: Int) -> Int {
        var i = offset
        while i < bytes.count && bytes[i] != 10 { i += 1 }
        return i
    }

    /// The text of a 1-based line without its line terminator, or nil when out of range.
    public func lineText(_ line: Int) -> String? {
        guard line >= 1, line <= lineCount else { return nil }
        let start = start(ofLine: line)
        var end = lineEnd(from: start)
        if end > start && bytes[end - 1] == 13 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The 1-based line holding a byte offset: a binary search over the marks, then the line ends after the mark.
    public func line(ofOffset offset: Int) -> Int {
        let clamped = Swift.max(0, Swift.min(offset, bytes.count))
        var low = 0
        var high = marks.count
        // The number of marks at or before `clamped`.
        while low < high {
            let middle = low + (high - low) / 2
            if marks[middle] <= clamped { low = middle + 1 } else { high = middle }
        }
        let mark = Swift.max(0, low - 1)
        var line = mark * Self.linesPerMark + 1
        var i = marks[mark]
        while i < clamped {
            if bytes[i] == 10 { line += 1 }
            i += 1
        }
        return line
    }

    /// The 1-based column (in bytes) of a byte offset.
    public func column(ofOffset offset: Int) -> Int {
        let clamped = Swift.max(0, Swift.min(offset, bytes.count))
        return clamped - start(ofLine: line(ofOffset: clamped)) + 1
    }

    /// The text of a span, clamped to the source.
    public func text(of span: SourceSpan) -> String {
        let start = Swift.max(0, Swift.min(span.start, bytes.count))
        let end = Swift.max(start, Swift.min(span.end, bytes.count))
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
