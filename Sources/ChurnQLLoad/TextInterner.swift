import CByteScan
import Foundation

/// Dictionary-encodes text fields straight from their bytes: an open-addressing hash table over a byte arena,
/// so no String is created per field (only one per distinct value, at the end).
struct TextInterner {
    private var arena: [UInt8] = []
    private var offsets: [Int] = [0]
    private(set) var hashes: [UInt64] = []
    /// Open addressing: 0 is empty, else the hash's high 32 bits above code + 1, so a probe rarely has to look
    /// anywhere else (one cache miss per probe instead of two).
    private var slots: [UInt64]
    private var mask: Int
    /// The code returned last: orders files often list a customer's orders together, so a repeat skips the table.
    private var lastCode: Int32 = -1
    /// Values whose lookup waits (see `internLater`), oldest first from `oldest`, in a ring of `Self.depth`.
    private var waiting: [Waiting] = []
    private var oldest = 0
    private var waitingCount = 0

    init() {
        slots = [UInt64](repeating: 0, count: 16)
        mask = 15
    }

    var count: Int { hashes.count }

    @inline(__always)
    private static func hash(_ f: Field) -> UInt64 { churnql_hash_bytes(f.base, f.count) }

    /// The code of the field's text, adding it when new.
    mutating func intern(_ f: Field) -> Int32 {
        if lastCode >= 0 && equals(Int(lastCode), f) { return lastCode }
        let code = lookUp(f)
        lastCode = code
        return code
    }

    @inline(__always)
    private mutating func lookUp(_ f: Field) -> Int32 { lookUp(f, hash: Self.hash(f)) }

    /// A value waiting for its lookup: the rows it fills (a run of equal values in a row), its bytes and hash.
    private struct Waiting {
        var row: Int
        var rows: Int
        var base: UnsafePointer<UInt8>
        var count: Int
        var hash: UInt64
    }

    private static let depth = 16

    /// Interns `f`, the value of `row`, a few values late. A large dictionary's table does not fit in cache, so a
    /// lookup costs memory round trips: the slot, the candidate's offsets, then its bytes. Here the slot is fetched
    /// when the value is read, the offsets and bytes in two later steps, and the lookup is done `depth` distinct
    /// values later, so the misses overlap with the parsing in between. A value equal to the one before it joins
    /// its run. Returns the rows and code of a lookup done now (this value's, or one that waited), if any. `f`'s
    /// bytes must stay readable until `finishWaiting`.
    @inline(__always)
    mutating func internLater(_ f: Field, row: Int) -> (rows: Range<Int>, code: Int32)? {
        if slots.isEmpty { restoreLookupTable() }
        if waitingCount == 0 {
            if lastCode >= 0 && equals(Int(lastCode), f) { return (row..<(row + 1), lastCode) }
            if waiting.isEmpty {
                waiting = [Waiting](
                    repeating: Waiting(row: 0, rows: 0, base: f.base, count: 0, hash: 0), count: Self.depth)
            }
        } else {
            let newest = (oldest + waitingCount - 1) % Self.depth
            let previous = waiting[newest]
            if previous.count == f.count && previous.row + previous.rows == row
                && Self.sameBytes(previous.base, f.base, f.count)
            {
                waiting[newest].rows += 1
                return nil
            }
        }
        let done = waitingCount == Self.depth ? resolveOldest() : nil
        let hash = Self.hash(f)
        slots.withUnsafeBufferPointer {
            if let base = $0.baseAddress { churnql_prefetch(base + (Int(truncatingIfNeeded: hash) & mask)) }
        }
        waiting[(oldest + waitingCount) % Self.depth] = Waiting(
            row: row, rows: 1, base: f.base, count: f.count, hash: hash)
        waitingCount += 1
        if waitingCount > 11 {
            if let code = candidate(waiting[(oldest + waitingCount - 5) % Self.depth]) {
                offsets.withUnsafeBufferPointer { if let base = $0.baseAddress { churnql_prefetch(base + code) } }
            }
            if let code = candidate(waiting[(oldest + waitingCount - 11) % Self.depth]) {
                arena.withUnsafeBufferPointer {
                    if let base = $0.baseAddress { churnql_prefetch(base + offsets[code]) }
                }
            }
        }
        return done
    }

    /// The code in a waiting value's first slot, if the slot holds one with the value's hash tag.
    @inline(__always)
    private func candidate(_ value: Waiting) -> Int? {
        let entry = slots[Int(truncatingIfNeeded: value.hash) & mask]
        guard entry != 0, entry >> 32 == value.hash >> 32 else { return nil }
        return Int(entry & 0xFFFF_FFFF) - 1
    }

    /// Looks up every waiting value, giving the rows and code of each to `body`.
    mutating func finishWaiting(_ body: (Range<Int>, Int32) -> Void) {
        while waitingCount > 0 {
            let done = resolveOldest()
            body(done.rows, done.code)
        }
    }

    @inline(__always)
    private mutating func resolveOldest() -> (rows: Range<Int>, code: Int32) {
        let value = waiting[oldest]
        lastCode = lookUp(Field(base: value.base, count: value.count), hash: value.hash)
        oldest = (oldest + 1) % Self.depth
        waitingCount -= 1
        return (value.row..<(value.row + value.rows), lastCode)
    }

    @inline(__always)
    private mutating func lookUp(_ f: Field, hash h: UInt64) -> Int32 {
        if slots.isEmpty { restoreLookupTable() }
        let tag = h >> 32
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { break }
            if entry >> 32 == tag {
                let code = Int(entry & 0xFFFF_FFFF) - 1
                if equals(code, f) { return Int32(code) }
            }
            slot = (slot + 1) & mask
        }
        let code = Int32(hashes.count)
        hashes.append(h)
        arena.append(contentsOf: UnsafeBufferPointer(start: f.base, count: f.count))
        offsets.append(arena.count)
        slots[slot] = Self.entry(hash: h, code: Int(code))
        if hashes.count * 2 > slots.count { rehash() }
        return code
    }

    @inline(__always)
    private static func entry(hash: UInt64, code: Int) -> UInt64 { (hash >> 32) << 32 | UInt64(code + 1) }

    @inline(__always)
    private func equals(_ code: Int, _ f: Field) -> Bool {
        let start = offsets[code]
        let length = offsets[code + 1] - start
        guard length == f.count else { return false }
        return arena.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return length == 0 }
            return Self.sameBytes(base + start, f.base, length)
        }
    }

    /// Byte equality, eight bytes at a time and inline: values are short (ids, names), where a call to memcmp
    /// costs more than the comparison.
    @inline(__always)
    static func sameBytes(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        let (rawA, rawB) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        var i = 0
        while i + 8 <= count {
            if rawA.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                != rawB.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            {
                return false
            }
            i += 8
        }
        while i < count {
            if a[i] != b[i] { return false }
            i += 1
        }
        return true
    }

    private mutating func rehash() { rebuild(slots.count * 2) }

    /// Frees the lookup table once no value is expected, before the chunks' dictionaries are merged (which reads
    /// only the values and their hashes): on millions of distinct keys the tables of all chunks are a few hundred
    /// MB, and the merge's own arrays would otherwise come on top of them at the load's peak. A later lookup
    /// builds the table again.
    mutating func dropLookupTable() {
        slots = []
        mask = 0
    }

    private mutating func restoreLookupTable() {
        var size = 16
        while size < hashes.count * 2 + 2 { size *= 2 }
        rebuild(size)
    }

    private mutating func rebuild(_ size: Int) {
        slots = [UInt64](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }
            base.initialize(repeating: 0, count: size)
            initialized = size
        }
        mask = size - 1
        for (code, h) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Self.entry(hash: h, code: code)
        }
    }

    /// Whether this interner's value `code` equals `other`'s value `otherCode`.
    func sameValue(_ code: Int, as other: TextInterner, _ otherCode: Int) -> Bool {
        let start = other.offsets[otherCode]
        let length = other.offsets[otherCode + 1] - start
        return other.arena.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return offsets[code + 1] - offsets[code] == 0 }
            return equals(code, Field(base: base + start, count: length))
        }
    }

    /// Runs `body` with a function that gives the text of a value.
    func withValues<R>(_ body: ((Int) -> String) -> R) -> R {
        arena.withUnsafeBufferPointer { buffer in
            offsets.withUnsafeBufferPointer { offsets in
                body { code in
                    String(
                        decoding: UnsafeBufferPointer(rebasing: buffer[offsets[code]..<offsets[code + 1]]),
                        as: UTF8.self)
                }
            }
        }
    }
}
