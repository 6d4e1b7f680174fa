import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// How a body is cut into chunks: `parts` chunks, unless the body is smaller than `minimumBytes` (small inputs are
/// not worth a thread). Tests choose their own, so that cuts fall anywhere.
struct ChunkPlan: Sendable {
    var parts: Int
    var minimumBytes: Int

    /// Two chunks per core even out a core that falls behind. Each extra chunk costs a dictionary to merge, and in a
    /// file sorted by date every chunk's dictionary holds most of the customers (four per core merged 0.17 s there
    /// against 0.13 s, with 40 MB more at the peak).
    static var standard: ChunkPlan {
        ChunkPlan(parts: ProcessInfo.processInfo.activeProcessorCount * 2, minimumBytes: 4 << 20)
    }
}

/// Splits a CSV body into byte ranges that start at record boundaries, for parallel scanning. A newline ends a
/// record only outside quotes, so with quotes in the body the split walks it the way the scanner reads it
/// (churnql_csv_walk), from its start to the last cut: a quoted field may span any number of cuts.
enum ChunkSplitter {
    /// With `assumingNoQuotes`, the body is not searched for quotes first (the caller checks, and splits again with
    /// quotes in mind if it finds one).
    static func split(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, delimiter: UInt8, plan: ChunkPlan = .standard,
        assumingNoQuotes: Bool = false
    ) -> [Range<Int>] {
        let end = bytes.count
        let size = end - start
        guard plan.parts > 1, size > plan.minimumBytes, size > 0, let base = bytes.baseAddress else {
            return [start..<end]
        }
        let hasQuotes = !assumingNoQuotes && memchr(base + start, 34, size) != nil
        var bounds = [start]
        // Bytes before `walked` are read; `state` is the scanner's state there (the body starts a record).
        var walked = start
        var state = Int32(CHURNQL_FIELD_START)
        for k in 1..<plan.parts {
            let target = start + size / plan.parts * k + size % plan.parts * k / plan.parts
            // A long record (or quoted field) may reach past several targets: the next cut comes after it.
            guard target > walked else { continue }
            var cut: Int
            if hasQuotes {
                _ = churnql_csv_walk(base + walked, target - walked, delimiter, &state, 0)
                cut = target + churnql_csv_walk(base + target, end - target, delimiter, &state, 1)
            } else {
                cut =
                    memchr(base + target, 10, end - target).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) + 1 }
                    ?? end
            }
            walked = cut
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
