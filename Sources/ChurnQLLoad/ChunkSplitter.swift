import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Splits a CSV body into byte ranges that start at record boundaries, for parallel scanning. A newline ends a
/// record only outside quotes, so the split tracks quote parity from the start of the body.
enum ChunkSplitter {
    /// With `assumingNoQuotes`, the body is not searched for quotes first (the caller checks, and splits again with
    /// quotes in mind if it finds one).
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, parts: Int, assumingNoQuotes: Bool = false)
        -> [Range<Int>]
    {
        let end = bytes.count
        let size = end - start
        // Small inputs are not worth a thread.
        guard parts > 1, size > 4 << 20, let base = bytes.baseAddress else { return [start..<end] }
        let hasQuotes = !assumingNoQuotes && memchr(base + start, 34, size) != nil
        var bounds = [start]
        var parityPosition = start
        var insideQuotes = false
        for k in 1..<parts {
            var cut = start + size * k / parts
            guard cut > bounds[bounds.count - 1] else { continue }
            if hasQuotes {
                // Quote parity from the last boundary up to the cut.
                var i = parityPosition
                while i < cut {
                    if bytes[i] == 34 { insideQuotes.toggle() }
                    i += 1
                }
                while cut < end {
                    let c = bytes[cut]
                    if c == 34 { insideQuotes.toggle() }
                    cut += 1
                    if c == 10 && !insideQuotes { break }
                }
                parityPosition = cut
            } else {
                while cut < end && bytes[cut] != 10 { cut += 1 }
                if cut < end { cut += 1 }
            }
            if cut < end { bounds.append(cut) }
        }
        bounds.append(end)
        return zip(bounds, bounds.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
    }
}

/// Runs one closure per chunk on all cores and returns the results in chunk order; the first error wins.
enum ParallelChunks {
    static func map<Item: Sendable, T>(_ chunks: [Item], _ body: (Item) throws(Diagnostic) -> T)
        throws(Diagnostic) -> [T]
    {
        if chunks.count <= 1 { return try chunks.map { c throws(Diagnostic) in try body(c) } }
        let results = UnsafeMutableBufferPointer<Result<T, Diagnostic>?>.allocate(capacity: chunks.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        withoutActuallyEscaping(body) { work in
            nonisolated(unsafe) let work = work
            nonisolated(unsafe) let slots = results
            DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
                do throws(Diagnostic) {
                    slots[i] = .success(try work(chunks[i]))
                } catch {
                    slots[i] = .failure(error)
                }
            }
        }
        var values: [T] = []
        for slot in results {
            switch slot {
            case .success(let value): values.append(value)
            case .failure(let error): throw error
            case nil: continue
            }
        }
        return values
    }
}

extension ParallelChunks {
    /// Concatenates each column's chunk accumulators into a column, columns in parallel (text columns merge
    /// their dictionaries, the slow part, while numeric ones are copied). Each chunk's arrays are dropped once
    /// copied. Returns the columns and how many values of each did not convert.
    static func mergeColumns(_ byColumn: inout [[ColumnAccumulator]], names: [String]) -> ([Column], [Int]) {
        let width = byColumn.count
        let results = UnsafeMutableBufferPointer<(Column, Int)?>.allocate(capacity: width)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let isText = byColumn.map { $0.first?.isText == true }
        byColumn.withUnsafeMutableBufferPointer { columns in
            nonisolated(unsafe) let columns = columns
            nonisolated(unsafe) let results = results
            @Sendable func merge(_ i: Int) {
                // Moved out, so that the merge holds the only reference to each chunk's values.
                let parts = columns[i]
                columns[i] = []
                results[i] = ColumnAccumulator.merged(consume parts, name: names[i])
            }
            // Numeric columns are plain copies, made on pool threads while the text columns merge here, each text
            // merge with parallel loops of its own (libdispatch narrows a parallel loop nested in another).
            let group = DispatchGroup()
            for i in 0..<width where !isText[i] { DispatchQueue.global().async(group: group) { merge(i) } }
            for i in 0..<width where isText[i] { merge(i) }
            group.wait()
        }
        let merged = results.compactMap { $0 }
        return (merged.map(\.0), merged.map(\.1))
    }
}
