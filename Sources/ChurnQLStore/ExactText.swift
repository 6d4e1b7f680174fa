/// Text as a hash key, compared byte for byte. Swift's `String` equality is canonical equivalence, so "café"
/// written precomposed and "cafe" + U+0301 would be one dictionary key; keys are kept as written. The text is kept
/// as a `String` (short keys live inline, with no allocation).
public struct ExactText: Hashable, Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }

    public static func == (a: ExactText, b: ExactText) -> Bool {
        a.text.utf8.count == b.text.utf8.count && a.text.utf8.elementsEqual(b.text.utf8)
    }

    /// String's own hash: byte-equal texts are canonically equal, so they hash alike (canonically equal texts
    /// with other bytes merely share a hash and stay apart by `==`); it is faster than hashing the bytes one by one.
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
