import ChurnQLStore

/// The loader's use of NumberedText: at most nine digits, so that a number fits a chunk's Int32 codes.
extension NumberedText {
    static let loaderDigits = 9

    /// The shape of a chunk's first field.
    init?(of f: Field) {
        self.init(of: UnsafeBufferPointer(start: f.base, count: f.count), maxDigits: Self.loaderDigits)
    }

    /// The number of a field of this shape, or nil.
    @inline(__always)
    func number(_ f: Field, readableEnd: UnsafePointer<UInt8>? = nil) -> Int32? {
        number(f.base, count: f.count, readableEnd: readableEnd).map { Int32(truncatingIfNeeded: $0) }
    }
}
