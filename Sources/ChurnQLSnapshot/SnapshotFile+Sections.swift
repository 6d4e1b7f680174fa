import ChurnQLDiagnostics
import Foundation

extension SnapshotFile {
    /// Reads a section into `buffer` (exactly its length), checking each block's hash as it arrives. A large
    /// section is read in runs of blocks on all cores: a column read when first used is read by one statement,
    /// and the kernel's zeroing of fresh pages, the copy and the hash all scale with the cores.
    func readSection(_ section: SectionEntry, blockSize: Int, into buffer: UnsafeMutableRawBufferPointer, what: String)
        throws(Diagnostic)
    {
        guard section.length == buffer.count, section.offset >= SnapshotFormat.headerSize,
            section.offset <= manifestRange.lowerBound, section.length <= manifestRange.lowerBound - section.offset,
            section.hashes.count == (section.length + blockSize - 1) / blockSize
        else { throw SnapshotError.damaged(path, what) }
        let blocks = section.hashes.count
        let runs = Swift.min(blocks / Self.blocksPerRun, 4 * ProcessInfo.processInfo.activeProcessorCount)
        guard runs > 1 else {
            try readBlocks(0..<blocks, of: section, blockSize: blockSize, into: buffer, what: what)
            return
        }
        let target = SendableBuffer(buffer: buffer)
        let errors = FirstError()
        DispatchQueue.concurrentPerform(iterations: runs) { run in
            do throws(Diagnostic) {
                let range = (blocks * run / runs)..<(blocks * (run + 1) / runs)
                try readBlocks(range, of: section, blockSize: blockSize, into: target.buffer, what: what)
            } catch {
                errors.note(run, error)
            }
        }
        if let first = errors.first { throw first }
    }

    /// Sections of fewer blocks are read on one core.
    static let blocksPerRun = 4

    private func readBlocks(
        _ range: Range<Int>, of section: SectionEntry, blockSize: Int, into buffer: UnsafeMutableRawBufferPointer,
        what: String
    ) throws(Diagnostic) {
        let first = range.lowerBound * blockSize
        Self.prefault(
            UnsafeMutableRawBufferPointer(
                rebasing: buffer[first..<Swift.min(range.upperBound * blockSize, buffer.count)]))
        for index in range {
            let start = index * blockSize
            let end = Swift.min(start + blockSize, section.length)
            let block = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<end])
            let got = readFully(into: block, at: section.offset + start)
            guard got == block.count else {
                if got < 0 {
                    throw SnapshotError.problem(path, "cannot read the snapshot: \(String(cString: strerror(errno)))")
                }
                throw SnapshotError.truncated(path, size: currentSize, expected: UInt64(size))
            }
            guard Hash64.hex(Hash64.of(UnsafeRawBufferPointer(block))) == section.hashes[index] else {
                throw SnapshotError.damaged(path, what)
            }
        }
    }
}

extension SnapshotFile {
    /// Maps in the fresh pages under `buffer` in one call, before `pread` writes to them: one fault per page
    /// costs more than the zeroing itself (Linux 5.14+; elsewhere, or if refused, the pages fault as written).
    static func prefault(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
            guard let base = buffer.baseAddress else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (Int(bitPattern: base) + page - 1) / page * page
            let end = (Int(bitPattern: base) + buffer.count) / page * page
            guard page > 0, end > start, let address = UnsafeMutableRawPointer(bitPattern: start) else { return }
            let populateWrite: Int32 = 23  // MADV_POPULATE_WRITE, not in older headers
            _ = madvise(address, end - start, populateWrite)
        #endif
    }
}

/// A buffer the runs of one section write to, each its own disjoint range.
private struct SendableBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
}
