import CByteScan
import Dispatch

/// Texts numbered by their bytes, in order of first insertion: an open-addressing table of byte hashes. String's
/// own hashing normalises Unicode and runs SipHash, several times the cost of this multiply-mix over the bytes;
/// equality here is byte equality, as customer keys compare as written.
struct TextByteIndex {
    /// The distinct texts, by id.
    private(set) var texts: [String] = []
    /// 0 is empty, else the hash's high 32 bits above id + 1, so a probe rarely compares texts in vain.
    private var slots: [UInt64]
    private var mask: Int

    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        texts.reserveCapacity(capacity)
    }

    var count: Int { texts.count }

    /// The hash of each text, on all cores for many texts (hashing is the part that needs no shared table).
    static func hashes(_ texts: [String]) -> [UInt64] {
        let parts = texts.count >= 100_000 ? 8 : 1
        var result = [UInt64](repeating: 0, count: texts.count)
        result.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let range = (texts.count * part / parts)..<(texts.count * (part + 1) / parts)
                for i in range { out[i] = hash(texts[i]) }
            }
        }
        return result
    }

    /// Eight bytes at a time, each word mixed in with a multiply; a final mix makes the low bits usable.
    static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in churnql_hash_bytes(bytes.baseAddress, bytes.count) }
    }

    /// Fetches the slot of a text looked up a few steps later, so that the cache misses of a large table overlap.
    @inline(__always)
    func prefetch(hash: UInt64) {
        slots.withUnsafeBufferPointer {
            if let base = $0.baseAddress { churnql_prefetch(base + (Int(truncatingIfNeeded: hash) & mask)) }
        }
    }

    /// Fetches the text that a prefetched slot points to, if its tag matches, for the comparison a few steps later.
    @inline(__always)
    func prefetchCandidate(hash: UInt64) {
        let entry = slots[Int(truncatingIfNeeded: hash) & mask]
        guard entry != 0, entry >> 32 == hash >> 32 else { return }
        texts.withUnsafeBufferPointer {
            if let base = $0.baseAddress { churnql_prefetch(base + Int(entry & 0xFFFF_FFFF) - 1) }
        }
    }

    /// The id of `text` (whose hash is `hash`), adding it when new.
    mutating func insert(_ text: String, hash: UInt64) -> (id: Int32, isNew: Bool) {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry >> 32 == tag {
                let id = Int(entry & 0xFFFF_FFFF) - 1
                if Self.sameBytes(texts[id], text) { return (Int32(id), false) }
            }
            slot = (slot + 1) & mask
        }
        let id = texts.count
        texts.append(text)
        slots[slot] = tag << 32 | UInt64(id + 1)
        if texts.count * 2 > slots.count { grow() }
        return (Int32(id), true)
    }

    /// The id of `text` (whose hash is `hash`), if it was inserted.
    func find(_ text: String, hash: UInt64) -> Int32? {
        let tag = hash >> 32
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return nil }
            if entry >> 32 == tag {
                let id = Int(entry & 0xFFFF_FFFF) - 1
                if Self.sameBytes(texts[id], text) { return Int32(id) }
            }
            slot = (slot + 1) & mask
        }
    }

    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        var (a, b) = (a, b)
        return a.withUTF8 { a in b.withUTF8 { b in a.elementsEqual(b) } }
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        for (id, text) in texts.enumerated() {
            let h = Self.hash(text)
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = (h >> 32) << 32 | UInt64(id + 1)
        }
    }
}
