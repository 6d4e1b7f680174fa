/// Text as a hash key, compared byte for byte. Swift's `String` equality is canonical equivalence, so "café"
/// written precomposed and "cafe" + U+0301 would be one dictionary key; keys are kept as written.
public struct ExactText: Hashable, Sendable {
    public let bytes: [UInt8]

    public init(_ text: String) { bytes = Array(text.utf8) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
