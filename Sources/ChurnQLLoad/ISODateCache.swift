/// Remembers recently parsed yyyy-MM-dd fields: an orders file repeats a few thousand dates millions of times.
struct ISODateCache {
    /// One slot: the field's ten bytes and their day, in one 16-byte entry (a lookup touches one cache line).
    private struct Entry {
        var head: UInt64 = 0
        var tail: UInt16 = 0
        var filled = false
        var day: Int32 = 0
    }

    /// Direct-mapped: 4,096 slots (64 KiB) to begin with, 16,384 once misses show that many distinct dates evict
    /// each other (years of daily orders), so that a file with many date columns does not pay for the larger size.
    private var slotBits = 12
    private var misses = 0
    // Allocated on first use: a loader keeps one cache per column and chunk, and files may have a million columns.
    private var entries: [Entry] = []

    /// The day number of a 10-byte ISO date, or nil when it is not one.
    mutating func day(_ f: Field) -> Int32? {
        if entries.isEmpty { entries = [Entry](repeating: Entry(), count: 1 << slotBits) }
        let head = UnsafeRawPointer(f.base).loadUnaligned(as: UInt64.self)
        let tail = UnsafeRawPointer(f.base + 8).loadUnaligned(as: UInt16.self)
        let mixed = (head ^ (UInt64(tail) &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        let slot = Int(truncatingIfNeeded: mixed >> (64 - UInt64(slotBits)))
        let entry = entries[slot]
        if entry.filled && entry.head == head && entry.tail == tail { return entry.day }
        guard let day = FieldParsers.isoDate(f) else { return nil }
        misses += 1
        if misses == 2_048 && slotBits < 14 {
            slotBits = 14
            entries = [Entry](repeating: Entry(), count: 1 << slotBits)
            return day
        }
        entries[slot] = Entry(head: head, tail: tail, filled: true, day: day)
        return day
    }
}
