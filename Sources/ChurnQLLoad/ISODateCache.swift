/// Remembers recently parsed yyyy-MM-dd fields: an orders file repeats a few thousand dates millions of times.
struct ISODateCache {
    // Allocated on first use: a loader keeps one cache per column, and files may have a million columns.
    private var keys: [UInt64] = []
    private var tails: [UInt16] = []
    private var values: [Int32] = []
    private var filled: [Bool] = []

    /// The day number of a 10-byte ISO date, or nil when it is not one.
    mutating func day(_ f: Field) -> Int32? {
        if keys.isEmpty {
            keys = [UInt64](repeating: 0, count: 4096)
            tails = [UInt16](repeating: 0, count: 4096)
            values = [Int32](repeating: 0, count: 4096)
            filled = [Bool](repeating: false, count: 4096)
        }
        let head = UnsafeRawPointer(f.base).loadUnaligned(as: UInt64.self)
        let tail = UnsafeRawPointer(f.base + 8).loadUnaligned(as: UInt16.self)
        let mixed = (head ^ (UInt64(tail) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        let slot = Int(truncatingIfNeeded: mixed >> 52)
        if filled[slot] && keys[slot] == head && tails[slot] == tail { return values[slot] }
        guard let day = FieldParsers.isoDate(f) else { return nil }
        keys[slot] = head
        tails[slot] = tail
        values[slot] = day
        filled[slot] = true
        return day
    }
}
