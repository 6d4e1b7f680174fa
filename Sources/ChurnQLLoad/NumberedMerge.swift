import ChurnQLStore
import Dispatch

/// How a chunk's codes become the column's merged codes: `table[code - offset]`.
struct CodeRemap: Sendable {
    let table: [Int32]
    let offset: Int32

    @inline(__always)
    func callAsFunction(_ code: Int32) -> Int32 { table[Int(code &- offset)] }
}

/// Merges the chunks of a text column whose values all have one NumberedText shape, each chunk's codes being the
/// values' numbers: numbered in order of first appearance, as DictionaryMerge numbers interned chunks, with arrays
/// indexed by number instead of hash tables.
enum NumberedMerge {
    /// The dictionary and the remap shared by every chunk, or nil when the numbers are spread too thin for arrays
    /// indexed by them (more than one slot per value plus 64K): the caller interns them instead.
    static func merge(_ chunks: [ValueBuffer<Int32>], shape: NumberedText, lowest: Int32, highest: Int32)
        -> (dictionary: [String], remap: CodeRemap)?
    {
        let total = chunks.reduce(0) { $0 + $1.count }
        guard total > 0, highest >= lowest else { return nil }
        let range = Int(highest) - Int(lowest) + 1
        guard range - 1 <= widestSpread(rows: total) else { return nil }
        // Per chunk, on all cores: the numbers new to it, in order (a bit per number marks those seen).
        var newInChunk = [[Int32]](repeating: [], count: chunks.count)
        // Read only, by every thread.
        nonisolated(unsafe) let chunks = chunks
        newInChunk.withUnsafeMutableBufferPointer { lists in
            nonisolated(unsafe) let lists = lists
            DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
                lists[k] = firstSeen(chunks[k], lowest: lowest, range: range)
            }
        }
        // Merged codes, chunk by chunk: a number's first appearance in the earliest chunk that has it.
        var table = [Int32](repeating: -1, count: range)
        let distinct = newInChunk.reduce(0) { $0 + $1.count }
        let firsts = [Int32](unsafeUninitializedCapacity: distinct) { firsts, initialized in
            table.withUnsafeMutableBufferPointer { table in
                var next = 0
                for list in newInChunk {
                    for n in list where table[Int(n)] < 0 {
                        table[Int(n)] = Int32(next)
                        firsts[next] = n
                        next += 1
                    }
                }
                initialized = next
            }
        }
        newInChunk = []
        return (strings(firsts, shape: shape, lowest: lowest), CodeRemap(table: table, offset: lowest))
    }

    /// The widest spread of numbers (highest less lowest) that arrays indexed by number may cover for a column of
    /// `rows` rows: one slot per row and 64K.
    static func widestSpread(rows: Int) -> Int { rows + 65_535 }

    /// The numbers (less `lowest`) of one chunk in order of first appearance there.
    private static func firstSeen(_ codes: ValueBuffer<Int32>, lowest: Int32, range: Int) -> [Int32] {
        var seen = [UInt64](repeating: 0, count: (range + 63) / 64)
        var list: [Int32] = []
        var previous: Int32 = -1
        for i in 0..<codes.count {
            let number = codes[i]
            // Orders files often list a customer's orders together.
            if number == previous { continue }
            previous = number
            let n = Int(number &- lowest)
            let bit = UInt64(1) << UInt64(n & 63)
            if seen[n >> 6] & bit == 0 {
                seen[n >> 6] |= bit
                list.append(Int32(n))
            }
        }
        return list
    }

    /// The values' text, in merged order (on all cores when there are many).
    private static func strings(_ firsts: [Int32], shape: NumberedText, lowest: Int32) -> [String] {
        let n = firsts.count
        let pieces = n > 200_000 ? 4 : 1
        return [String](unsafeUninitializedCapacity: n) { buffer, initialized in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                for j in (n * piece / pieces)..<(n * (piece + 1) / pieces) {
                    buffer.initializeElement(at: j, to: shape.text(Int64(firsts[j]) + Int64(lowest)))
                }
            }
            initialized = n
        }
    }
}
