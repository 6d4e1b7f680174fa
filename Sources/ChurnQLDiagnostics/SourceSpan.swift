/// A half-open byte range in a source text, with the 1-based line and column of its start.
public struct SourceSpan: Sendable, Equatable, Hashable {
    public var start: Int
    public var end: Int
    public var line: Int
    public var column: Int

    public init(start: Int, end: Int, line: Int, column: Int) {
        self.start = start
        self.end = end
        self.line = line
        self.column = column
    }

    /// An empty span at the start of a text, used when no better location exists.
    public static let none = SourceSpan(start: 0, end: 0, line: 1, column: 1)

    /// The smallest span covering both spans.
    public func merged(with other: SourceSpan) -> SourceSpan {
        let first = start <= other.start ? self : other
        return SourceSpan(
            start: first.start, end: Swift.max(end, other.end), line: first.line, column: first.column)
    }
}
