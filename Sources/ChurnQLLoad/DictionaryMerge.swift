import Dispatch

/// Merges the text dictionaries of a column's chunks into one, in order of first appearance, on all cores. Every
/// copy of a value has the same hash, so values are split by hash into partitions that are deduplicated
/// independently, each in chunk order; a value's first copy is then the one in the earliest chunk. Numbering the
/// first copies chunk by chunk gives the merged codes, in the order a single dictionary would have given them.
enum DictionaryMerge {
    /// The merged values, and for each chunk the merged code of each of its codes (nil for the first chunk, whose
    /// codes stay as they are).
    static func merge(_ chunks: [TextInterner]) -> (dictionary: [String], remaps: [[Int32]?]) {
        let starts = chunks.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
        // Numbered in a function of its own, so that its working arrays are freed before the strings are made:
        // on millions of distinct keys they would otherwise add to the load's peak.
        let (merged, firsts) = numbering(chunks, starts: starts)
        // The strings are the last large array of the load. The heap keeps what was freed before them (the chunks'
        // outgrown buffers, the numbering's arrays) resident, in pieces the strings do not fit in: handed back
        // first, they took 20 MB off the 10-million-order load's peak, at no measurable cost in time.
        if starts[starts.count - 1] >= 100_000 { FreedMemory.handBack() }
        let dictionary = strings(chunks, firsts)
        let remaps = chunks.indices.map { k in k == 0 ? nil : Array(merged[starts[k]..<starts[k + 1]]) }
        return (dictionary, remaps)
    }

    /// The merged code of every chunk code (at `starts[k] + code`), and the first copies in merged order: their
    /// codes, chunk by chunk, with each chunk's number of them.
    private static func numbering(_ chunks: [TextInterner], starts: [Int]) -> (
        merged: [Int32], firsts: (codes: [Int32], perChunk: [Int])
    ) {
        // Read only, by every thread.
        nonisolated(unsafe) let parts = chunks
        let total = starts[starts.count - 1]
        let partitionBits = total >= 50_000 ? 4 : 0
        let partitions = 1 << partitionBits
        // Each chunk's codes by partition, in code order: a counting sort into one array per chunk, with the start
        // of each partition's codes (appending to a list per partition checked each list's uniqueness every time).
        var lists = [PartitionedCodes](repeating: PartitionedCodes(codes: [], starts: []), count: parts.count)
        lists.withUnsafeMutableBufferPointer { lists in
            nonisolated(unsafe) let lists = lists
            DispatchQueue.concurrentPerform(iterations: parts.count) { k in
                lists[k] = PartitionedCodes(parts[k].hashes, bits: partitionBits)
            }
        }
        let byPartition = lists
        // origins[start[k] + c]: -1 when chunk k's code c is its value's first copy, else that first copy's merged
        // position start[j] + code.
        var origins = [Int](repeating: -1, count: total)
        origins.withUnsafeMutableBufferPointer { origins in
            nonisolated(unsafe) let origins = origins
            DispatchQueue.concurrentPerform(iterations: partitions) { p in
                firstCopies(parts, codes: byPartition.map { $0.partition(p) }, starts: starts, origins: origins)
            }
        }
        // Merged codes: first copies numbered in order; other copies take their first copy's number.
        var merged = [Int32](repeating: 0, count: total)
        var codes: [Int32] = []
        var perChunk: [Int] = []
        for k in parts.indices {
            let before = codes.count
            for position in starts[k]..<starts[k + 1] {
                let first = origins[position]
                if first < 0 {
                    merged[position] = Int32(codes.count)
                    codes.append(Int32(position - starts[k]))
                } else {
                    merged[position] = merged[first]
                }
            }
            perChunk.append(codes.count - before)
        }
        return (merged, (codes, perChunk))
    }

    @inline(__always)
    fileprivate static func partition(_ hash: UInt64, bits: Int) -> Int {
        bits == 0 ? 0 : Int(truncatingIfNeeded: hash >> UInt64(64 - bits))
    }

    /// Finds, for one partition's codes of every chunk, which copies are first copies (an open-addressing table of
    /// the partition's distinct values, probed in chunk order).
    private static func firstCopies(
        _ parts: [TextInterner], codes: [ArraySlice<Int32>], starts: [Int], origins: UnsafeMutableBufferPointer<Int>
    ) {
        let count = codes.reduce(0) { $0 + $1.count }
        var size = 16
        while size < count * 2 { size *= 2 }
        let mask = size - 1
        var hashes = [UInt64](repeating: 0, count: size)
        // The chunk and code of the value in each slot, as chunk << 32 | code, plus one (0 is empty).
        var entries = [Int](repeating: 0, count: size)
        for (k, list) in codes.enumerated() {
            let part = parts[k]
            for code in list {
                let c = Int(code)
                let h = part.hashes[c]
                var slot = Int(truncatingIfNeeded: h) & mask
                var found = false
                while entries[slot] != 0 {
                    if hashes[slot] == h {
                        let (j, other) = ((entries[slot] - 1) >> 32, (entries[slot] - 1) & 0xFFFF_FFFF)
                        if parts[j].sameValue(other, as: part, c) {
                            origins[starts[k] + c] = starts[j] + other
                            found = true
                            break
                        }
                    }
                    slot = (slot + 1) & mask
                }
                if !found {
                    hashes[slot] = h
                    entries[slot] = (k << 32 | c) + 1
                }
            }
        }
    }

    /// The first copies' text, in merged order (made on all cores when there are many).
    private static func strings(_ chunks: [TextInterner], _ firsts: (codes: [Int32], perChunk: [Int])) -> [String] {
        nonisolated(unsafe) let parts = chunks
        let codes = firsts.codes
        let ends = firsts.perChunk.reduce(into: [Int]()) { $0.append(($0.last ?? 0) + $1) }
        let n = codes.count
        let pieces = n > 200_000 ? 4 : 1
        return [String](unsafeUninitializedCapacity: n) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                // First copies come chunk by chunk: each run of one chunk reads that chunk's bytes in one go.
                var i = n * piece / pieces
                let end = n * (piece + 1) / pieces
                var k = 0
                while i < end {
                    while ends[k] <= i { k += 1 }
                    let runEnd = Swift.min(end, ends[k])
                    parts[k].withValues { text in
                        for j in i..<runEnd { buffer.initializeElement(at: j, to: text(Int(codes[j]))) }
                    }
                    i = runEnd
                }
            }
            initialized = n
        }
    }
}

/// One chunk's codes grouped by the partition of their hash, each group in code order.
private struct PartitionedCodes {
    var codes: [Int32]
    /// Partition p's codes are codes[starts[p]..<starts[p + 1]].
    var starts: [Int]

    init(codes: [Int32], starts: [Int]) {
        self.codes = codes
        self.starts = starts
    }

    init(_ hashes: [UInt64], bits: Int) {
        let partitions = 1 << bits
        var starts = [Int](repeating: 0, count: partitions + 1)
        for hash in hashes { starts[DictionaryMerge.partition(hash, bits: bits) + 1] += 1 }
        for p in 0..<partitions { starts[p + 1] += starts[p] }
        var next = starts
        codes = [Int32](repeating: 0, count: hashes.count)
        for (code, hash) in hashes.enumerated() {
            let p = DictionaryMerge.partition(hash, bits: bits)
            codes[next[p]] = Int32(code)
            next[p] += 1
        }
        self.starts = starts
    }

    func partition(_ p: Int) -> ArraySlice<Int32> { codes[starts[p]..<starts[p + 1]] }
}
