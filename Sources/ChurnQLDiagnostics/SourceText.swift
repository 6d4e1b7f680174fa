/// A named text (a script file or a line typed at the prompt) with fast access to its lines.
public struct SourceText: Sendable {
    /// The file name shown in diagnostics; `<stdin>`, `<command>` or nil for the prompt.
    public let name: String?
    public let text: String
    private let lines: [Substring]

    public init(name: String?, text: String) {
        self.name = name
        self.text = text
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The text of a 1-based line without its line terminator, or nil when out of range.
    public func lineText(_ line: Int) -> String? {
        guard line >= 1, line <= lines.count else { return nil }
        var value = String(lines[line - 1])
        if value.hasSuffix("\r") { value.removeLast() }
        return value
    }
}
