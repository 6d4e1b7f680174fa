import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Dispatch
import Foundation

/// Loads values straight into the columns' final arrays. Chunk k writes rows [start_k, start_k + bound_k) of every
/// column, bound_k being an upper bound on its records (its line ends), so no chunk buffer is allocated and no
/// value is copied from one into its column. A chunk with fewer records than its bound (quoted line ends, skipped
/// rows) leaves a gap, closed at the end.
enum InPlaceColumns {
    /// Each array is one nested closure deep: wider tables take the usual path.
    static let maxWidth = 64

    /// The element type of a column's array.
    enum Slot {
        /// `narrowInteger`: an integer column loaded at 32 bits while its values fit (see NarrowIntegerSource).
        case int64, double, bool, int32, narrowInteger

        init(_ kind: ColumnKind) {
            switch kind {
            case .integer, .integerID: self = .narrowInteger
            case .timestamp: self = .int64
            case .decimal, .money: self = .double
            case .boolean: self = .bool
            case .date, .text: self = .int32
            }
        }

        var stride: Int {
            switch self {
            case .int64: return MemoryLayout<Int64>.stride
            case .double: return MemoryLayout<Double>.stride
            case .bool: return MemoryLayout<Bool>.stride
            case .int32, .narrowInteger: return MemoryLayout<Int32>.stride
            }
        }
    }

    /// Every chunk's record bound, and whether it holds a NUL byte or a quote, counted on all cores sixteen bytes
    /// at a time; `release` is told of each stretch counted, so that a mapped file's pages do not all stay resident
    /// at once.
    static func bounds(
        _ bytes: UnsafeBufferPointer<UInt8>, chunks: [Range<Int>], release: (@Sendable (Range<Int>) -> Void)?,
        read: FileRead? = nil
    ) -> (bounds: [Int], nul: [Bool], quoted: Bool) {
        guard let start = bytes.baseAddress else { return (chunks.map { _ in 0 }, chunks.map { _ in false }, false) }
        nonisolated(unsafe) let base = start
        let counts = UnsafeMutableBufferPointer<(Int, Int32)>.allocate(capacity: chunks.count)
        counts.initialize(repeating: (0, 0))
        defer { counts.deallocate() }
        nonisolated(unsafe) let slots = counts
        DispatchQueue.concurrentPerform(iterations: chunks.count) { k in
            if let read, let counted = boundByReading(chunks[k], read: read) {
                slots[k] = counted
                return
            }
            // In stretches that end on a line end, so that a CR LF is never split.
            var position = chunks[k].lowerBound
            var total = 0
            var seen: Int32 = 0
            while position < chunks[k].upperBound {
                let upper = chunks[k].upperBound
                var end = Swift.min(upper, position + (4 << 20))
                if end < upper, base[end - 1] != 10 {
                    let newline = memchr(base + end, 10, upper - end)
                    end = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) + 1 } ?? upper
                }
                total += churnql_record_bound(base + position, end - position, &seen)
                release?(position..<end)
                position = end
            }
            slots[k] = (total, seen)
        }
        return (counts.map(\.0), counts.map { $0.1 & 1 != 0 }, counts.contains { $0.1 & 2 != 0 })
    }

    /// Copies `count` bytes of the file from `position` into a buffer; false when fewer could be read.
    typealias FileRead = @Sendable (_ into: UnsafeMutableRawPointer, _ count: Int, _ position: Int) -> Bool

    /// A chunk's record bound counted from copies of its bytes in a small buffer that stays in cache: reading
    /// through the mapping would map every page only for the conversion to map it again after its release. Nil
    /// when a read falls short (the file changed; the mapping's guard reports it).
    private static func boundByReading(_ chunk: Range<Int>, read: FileRead) -> (Int, Int32)? {
        let size = 1 << 18
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        let bytes = buffer.assumingMemoryBound(to: UInt8.self)
        var position = chunk.lowerBound
        var total = 0
        var seen: Int32 = 0
        while position < chunk.upperBound {
            let count = Swift.min(size, chunk.upperBound - position)
            guard read(buffer, count, position) else { return nil }
            // Counted up to the last LF, so that a CR LF is never split; a stretch without one is counted whole
            // only at the chunk's end.
            var used = count
            if position + count < chunk.upperBound {
                while used > 0 && bytes[used - 1] != 10 { used -= 1 }
                guard used > 0 else { return nil }
            }
            total += churnql_record_bound(bytes, used, &seen)
            position += used
        }
        return (total, seen)
    }

    /// What the conversion gives back: per chunk, one accumulator per column.
    typealias Convert = (_ region: @escaping (_ chunk: Int, _ column: Int) -> UnsafeMutableRawPointer)
        throws(Diagnostic) -> [[ColumnAccumulator]]

    /// Runs `convert` with a region per chunk and column, then finishes the columns in place. Returns the columns
    /// and each one's count of unconverted values. A chunk that outgrew its bound (which a correct bound rules out)
    /// makes every column be merged from its chunks the usual way instead; nil means no memory could be set aside.
    static func load(
        kinds: [ColumnKind], names: [String], bounds: [Int], convert: Convert
    ) throws(Diagnostic) -> ([Column], [Int])? {
        let slots = kinds.map(Slot.init)
        var starts = [0]
        for bound in bounds { starts.append(starts[starts.count - 1] + bound) }
        let capacity = Swift.max(1, starts[starts.count - 1])
        var failure: Diagnostic?
        var finished: (dictionaries: [Int: [String]], wide: [Int: [Int64]], nulls: [[Bool]?], unconverted: [Int])?
        var merged: ([Column], [Int])?
        let arrays = nest(slots[...], capacity: capacity, regions: []) { regions in
            do throws(Diagnostic) {
                var parts = try convert { chunk, column in regions[column] + starts[chunk] * slots[column].stride }
                // Each column's chunks, moved out so that each dictionary has one owner.
                var byColumn = kinds.indices.map { i in parts.map { $0[i] } }
                parts.removeAll()
                guard byColumn.allSatisfy({ $0.allSatisfy(\.stayedInRegion) }) else {
                    // Copied out while the arrays they point into are alive.
                    merged = ParallelChunks.mergeColumns(&byColumn, names: names)
                    return 0
                }
                let done = finish(&byColumn, slots: slots, regions: regions, starts: starts)
                finished = (done.dictionaries, done.wide, done.nulls, done.unconverted)
                return done.rows
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        if let merged { return merged }
        guard let finished, arrays.count == kinds.count else { return nil }
        let columns = kinds.indices.map { i in
            if let wide = finished.wide[i] {
                return Column(name: names[i], storage: .integer(wide), nulls: finished.nulls[i])
            }
            if case .narrow(let values) = arrays[i] {
                return Column(name: names[i], source: NarrowIntegerSource(values: values, nulls: finished.nulls[i]))
            }
            return Column(
                name: names[i], storage: storage(arrays[i], kind: kinds[i], dictionary: finished.dictionaries[i]),
                nulls: finished.nulls[i])
        }
        return (columns, finished.unconverted)
    }

    /// Closes the gaps between chunks, merges text dictionaries and rewrites codes, in place; `rows` is the total.
    private static func finish(
        _ byColumn: inout [[ColumnAccumulator]], slots: [Slot], regions: [UnsafeMutableRawPointer], starts: [Int]
    ) -> (rows: Int, dictionaries: [Int: [String]], wide: [Int: [Int64]], nulls: [[Bool]?], unconverted: [Int]) {
        let rows = byColumn.first?.map(\.rowCount) ?? []
        var packed = [0]
        for count in rows { packed.append(packed[packed.count - 1] + count) }
        var dictionaries: [Int: [String]] = [:]
        // Narrow integer columns of which a chunk had to widen: put together at full width from the chunks.
        var wide: [Int: [Int64]] = [:]
        var nulls: [[Bool]?] = []
        var unconverted: [Int] = []
        for (column, slot) in slots.enumerated() {
            // Every value final before any moves (text lookups may still wait).
            for k in byColumn[column].indices { byColumn[column][k].finish() }
            nulls.append(ColumnAccumulator.nullMask(of: byColumn[column]))
            unconverted.append(byColumn[column].reduce(0) { $0 + $1.unconverted })
            if slot == .narrowInteger && byColumn[column].contains(where: \.widened) {
                wide[column] = ColumnAccumulator.concatenatedIntegers(byColumn[column])
                continue
            }
            let base = regions[column]
            // Merged before the rows move up: chunks that kept numbers are read where they wrote them.
            let isText = byColumn[column].first?.isText == true
            let merged = isText ? ColumnAccumulator.mergeDictionaries(&byColumn[column]) : nil
            for k in rows.indices where packed[k] != starts[k] && rows[k] > 0 {
                (base + packed[k] * slot.stride).copyMemory(
                    from: base + starts[k] * slot.stride, byteCount: rows[k] * slot.stride)
            }
            guard let (dictionary, remaps) = merged else { continue }
            byColumn[column] = []
            nonisolated(unsafe) let codes = base.assumingMemoryBound(to: Int32.self)
            let chunkRows = packed
            DispatchQueue.concurrentPerform(iterations: remaps.count) { k in
                guard let remap = remaps[k] else { return }
                for i in chunkRows[k]..<chunkRows[k + 1] { codes[i] = remap(codes[i]) }
            }
            dictionaries[column] = dictionary
        }
        return (packed[packed.count - 1], dictionaries, wide, nulls, unconverted)
    }

    /// A column's array, by element type.
    private enum Values {
        case int64([Int64]), double([Double]), bool([Bool]), int32([Int32]), narrow([Int32])
    }

    private static func storage(_ values: Values, kind: ColumnKind, dictionary: [String]?) -> ColumnStorage {
        switch (values, kind) {
        case (.int64(let v), .timestamp): return .timestamp(v)
        case (.int64(let v), _): return .integer(v)
        case (.double(let v), _): return .decimal(v)
        case (.bool(let v), _): return .boolean(v)
        case (.int32(let v), .text): return .text(codes: v, dictionary: dictionary ?? [])
        case (.int32(let v), _): return .date(v)
        case (.narrow(let v), _): return .integer(v.map { Int64($0) })
        }
    }

    /// One uninitialized array per slot, `capacity` long, nested so that `inside` runs with all of them; each array
    /// keeps the first n elements, n being what `inside` returns.
    private static func nest(
        _ slots: ArraySlice<Slot>, capacity: Int, regions: [UnsafeMutableRawPointer],
        inside: ([UnsafeMutableRawPointer]) -> Int
    ) -> [Values] {
        var total = 0
        return nest(slots, capacity: capacity, regions: regions, total: &total, inside: inside)
    }

    private static func nest(
        _ slots: ArraySlice<Slot>, capacity: Int, regions: [UnsafeMutableRawPointer], total: inout Int,
        inside: ([UnsafeMutableRawPointer]) -> Int
    ) -> [Values] {
        guard let slot = slots.first else {
            total = inside(regions)
            return []
        }
        func level<T: BitwiseCopyable>(_: T.Type, _ values: ([T]) -> Values) -> [Values] {
            var rest: [Values] = []
            let array = [T](unsafeUninitializedCapacity: capacity) { buffer, initialized in
                guard let base = buffer.baseAddress else { return }
                rest = nest(
                    slots.dropFirst(), capacity: capacity, regions: regions + [UnsafeMutableRawPointer(base)],
                    total: &total, inside: inside)
                initialized = rest.count == slots.count - 1 ? total : 0
            }
            return [values(array)] + rest
        }
        switch slot {
        case .int64: return level(Int64.self, Values.int64)
        case .double: return level(Double.self, Values.double)
        case .bool: return level(Bool.self, Values.bool)
        case .int32: return level(Int32.self, Values.int32)
        case .narrowInteger: return level(Int32.self, Values.narrow)
        }
    }
}
