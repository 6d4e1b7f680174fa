import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Reads a snapshot: the header and trailer first (foreign, newer or truncated files stop there), then the
/// manifest, then each array straight into its column's storage with `pread`, block by block, each block's hash
/// checked before the block is used. Columns are read on all cores.
public enum SnapshotReader {
    /// Whether the file at `path` starts with the snapshot magic (how `load` tells a snapshot from a CSV file).
    /// Only regular files are opened: opening a FIFO or `<(…)` to look would consume the reader the load needs.
    public static func isSnapshot(path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        let count = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 8, 0) }
        return count == 8 && head == SnapshotFormat.magic
    }

    public static func read(path: String) throws(Diagnostic) -> SnapshotContents {
        let file = try SnapshotFile(path: path)
        defer { file.close() }
        let manifest = try file.manifest()
        let tables = try ParallelColumns.read(manifest.tables, from: file, blockSize: manifest.blockSize)
        let derived = try ParallelColumns.read(
            manifest.derived, from: file, blockSize: manifest.blockSize,
            shared: SharedArrays(manifest.tables, tables))
        return SnapshotContents(tables: tables, derived: derived, session: manifest.session)
    }
}

/// An open snapshot file whose header and trailer have been checked.
final class SnapshotFile: @unchecked Sendable {
    let path: String
    private let fd: Int32
    let size: Int
    private(set) var manifestRange = 0..<0
    private var manifestHash: UInt64 = 0

    init(path: String) throws(Diagnostic) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw SnapshotError.problem(path, "cannot open the snapshot: \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Foundation.close(fd)
            throw SnapshotError.problem(path, "cannot read the snapshot: \(String(cString: strerror(errno)))")
        }
        size = Int(info.st_size)
        do {
            try checkEnds()
        } catch {
            Foundation.close(fd)
            throw error
        }
    }

    func close() { Foundation.close(fd) }

    private func checkEnds() throws(Diagnostic) {
        let header = try bytes(at: 0, count: Swift.min(size, SnapshotFormat.headerSize))
        guard header.count >= 8, Array(header[0..<8]) == SnapshotFormat.magic else { throw SnapshotError.foreign(path) }
        guard header.count >= 12 else { throw SnapshotError.truncated(path, size: size) }
        let version = Bytes.get(UInt32.self, from: header, at: 8)
        guard version <= SnapshotFormat.version, version > 0 else { throw SnapshotError.newer(path, version: version) }
        let minimum = SnapshotFormat.headerSize + SnapshotFormat.trailerSize
        guard size >= minimum else { throw SnapshotError.truncated(path, size: size) }
        let trailer = try bytes(at: size - SnapshotFormat.trailerSize, count: SnapshotFormat.trailerSize)
        let declared = Bytes.get(UInt64.self, from: trailer, at: 24)
        guard Array(trailer[56..<64]) == SnapshotFormat.endMagic else {
            throw SnapshotError.truncated(path, size: size)
        }
        guard Bytes.get(UInt64.self, from: trailer, at: 40) == Hash64.of(Array(trailer[0..<40])) else {
            throw SnapshotError.damaged(path, "its trailer")
        }
        guard declared == UInt64(size) else { throw SnapshotError.truncated(path, size: size, expected: declared) }
        let offset = Bytes.get(UInt64.self, from: trailer, at: 0)
        let length = Bytes.get(UInt64.self, from: trailer, at: 8)
        let limit = UInt64(size - SnapshotFormat.trailerSize)
        guard offset >= UInt64(SnapshotFormat.headerSize), offset <= limit, length <= limit - offset,
            length <= UInt64(SnapshotFormat.maxManifest)
        else { throw SnapshotError.damaged(path, "its trailer") }
        manifestRange = Int(offset)..<Int(offset + length)
        manifestHash = Bytes.get(UInt64.self, from: trailer, at: 16)
    }

    func manifest() throws(Diagnostic) -> Manifest {
        let json = try bytes(at: manifestRange.lowerBound, count: manifestRange.count)
        guard Hash64.of(json) == manifestHash else { throw SnapshotError.damaged(path, "its table of contents") }
        let manifest: Manifest
        do {
            manifest = try JSONDecoder().decode(Manifest.self, from: Data(json))
        } catch {
            throw SnapshotError.damaged(path, "its table of contents")
        }
        guard manifest.blockSize > 0 else { throw SnapshotError.damaged(path, "its table of contents") }
        return manifest
    }

    /// `count` bytes at `offset` (fewer only at the end of the file).
    func bytes(at offset: Int, count: Int) throws(Diagnostic) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let got = result.withUnsafeMutableBytes { readFully(into: $0, at: offset) }
        guard got >= 0 else {
            throw SnapshotError.problem(path, "cannot read the snapshot: \(String(cString: strerror(errno)))")
        }
        return Array(result[0..<got])
    }

    /// Reads into `buffer` from `offset`; the count read (short at the end of the file), or -1.
    func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        var done = 0
        while done < buffer.count {
            guard let base = buffer.baseAddress else { return done }
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return -1 }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads a section into `buffer` (exactly its length), checking each block's hash as it arrives.
    func readSection(_ section: SectionEntry, blockSize: Int, into buffer: UnsafeMutableRawBufferPointer, what: String)
        throws(Diagnostic)
    {
        guard section.length == buffer.count, section.offset >= SnapshotFormat.headerSize,
            section.offset <= manifestRange.lowerBound, section.length <= manifestRange.lowerBound - section.offset,
            section.hashes.count == (section.length + blockSize - 1) / blockSize
        else { throw SnapshotError.damaged(path, what) }
        var start = 0
        for expected in section.hashes {
            let end = Swift.min(start + blockSize, section.length)
            let block = UnsafeMutableRawBufferPointer(rebasing: buffer[start..<end])
            guard readFully(into: block, at: section.offset + start) == block.count else {
                throw SnapshotError.problem(path, "cannot read the snapshot: \(String(cString: strerror(errno)))")
            }
            guard Hash64.hex(Hash64.of(UnsafeRawBufferPointer(block))) == expected else {
                throw SnapshotError.damaged(path, what)
            }
            start = end
        }
    }
}
