import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Reads a snapshot: the header and trailer first (foreign, newer or truncated files stop there), then the
/// manifest. `open` reads no column: each is read when first used, straight into its storage with `pread`, block
/// by block, each block's hash checked before the block is used. `read` reads every column now, on all cores.
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

    /// The snapshot with every column to be read when first used; `log` hears of each read and each read that
    /// fails (the file changed since it was opened). The file stays open while a column of it is alive.
    public static func openLazily(path: String, log: SnapshotReadLog? = nil) throws(Diagnostic) -> SnapshotContents {
        let (contents, _) = try lazyContents(path: path, log: log)
        return contents
    }

    /// The snapshot with every column read and checked now.
    public static func read(path: String) throws(Diagnostic) -> SnapshotContents {
        let (contents, sources) = try lazyContents(path: path, log: nil)
        try ParallelColumns.load(sources)
        return SnapshotContents(
            tables: contents.tables.map(held), derived: contents.derived.map(held), session: contents.session)
    }

    /// Reads every column of `tables` that is still to be read from a snapshot, on all cores; a failure is the
    /// file having changed since it was opened.
    public static func readAll(_ tables: [Table]) throws(Diagnostic) {
        let sources = tables.flatMap { $0.columns.compactMap { $0.source as? SnapshotColumnSource } }
        do {
            try ParallelColumns.load(sources)
        } catch {
            throw SnapshotError.changed(error.file ?? "", error)
        }
    }

    /// Reads the columns still to be read from a snapshot, together on all cores; a failure is logged as when the
    /// column is first used (its values are then asked for again, and fail again).
    public static func prefetch(_ columns: [Column]) {
        let sources = columns.compactMap { $0.source as? SnapshotColumnSource }
        guard sources.count > 1 else { return }
        DispatchQueue.concurrentPerform(iterations: sources.count) { i in _ = try? sources[i].load() }
    }

    private static func lazyContents(path: String, log: SnapshotReadLog?) throws(Diagnostic)
        -> (SnapshotContents, [SnapshotColumnSource])
    {
        let file = try SnapshotFile(path: path)
        let manifest: Manifest
        do {
            manifest = try file.manifest()
        } catch {
            file.close()
            throw error
        }
        let snapshot = OpenSnapshot(file: file, blockSize: manifest.blockSize, log: log)
        var sources: [SnapshotColumnSource] = []
        func tables(_ entries: [TableEntry]) throws(Diagnostic) -> [Table] {
            var tables: [Table] = []
            for entry in entries {
                var columns: [Column] = []
                for columnEntry in entry.columns {
                    let type = try file.check(columnEntry, of: entry, blockSize: manifest.blockSize)
                    let source = SnapshotColumnSource(snapshot: snapshot, table: entry, entry: columnEntry, type: type)
                    sources.append(source)
                    var column = Column(name: columnEntry.name, source: source)
                    column.isIdentifier = columnEntry.identifier
                    columns.append(column)
                }
                tables.append(Table(name: entry.name, columns: columns, rowCount: entry.rowCount))
            }
            return tables
        }
        let contents = SnapshotContents(
            tables: try tables(manifest.tables), derived: try tables(manifest.derived), session: manifest.session)
        return (contents, sources)
    }

    /// The table with its values held, no longer tied to the file.
    private static func held(_ table: Table) -> Table {
        var result = table
        result.columns = table.columns.map { column in
            var held = Column(name: column.name, storage: column.storage, nulls: column.nulls)
            held.isIdentifier = column.isIdentifier
            return held
        }
        return result
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

    /// The file's size now (it may have been cut since it was opened).
    var currentSize: Int {
        var info = stat()
        return fstat(fd, &info) == 0 ? Int(info.st_size) : 0
    }

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

    /// A column's type, once its sections are where a column of its type and length must be: a column read later
    /// can then fail only if the file changed since it was opened.
    func check(_ column: ColumnEntry, of table: TableEntry, blockSize: Int) throws(Diagnostic) -> DataType {
        let what = "column '\(column.name)' of \(table.name)"
        guard table.rowCount >= 0, let type = DataType(rawValue: column.type) else {
            throw SnapshotError.damaged(path, what)
        }
        let width: Int
        switch type {
        case .integer, .decimal, .timestamp: width = 8
        case .date, .text: width = 4
        case .boolean: width = 1
        case .null, .duration: throw SnapshotError.damaged(path, what)
        }
        var sections = [(column.values, width)]
        if let nulls = column.nulls { sections.append((nulls, 1)) }
        if type == .text {
            guard let count = column.dictionaryCount, count >= 0, count < Int(Int32.max),
                let offsets = column.dictionaryOffsets, let bytes = column.dictionaryBytes
            else { throw SnapshotError.damaged(path, what) }
            guard offsets.length == (count + 1) * 8 else { throw SnapshotError.damaged(path, what) }
            sections += [(bytes, 0)]
        }
        for (section, width) in sections {
            guard table.rowCount <= Int.max / 8, width == 0 || section.length == table.rowCount * width,
                section.offset >= SnapshotFormat.headerSize, section.offset <= manifestRange.lowerBound,
                section.length >= 0, section.length <= manifestRange.lowerBound - section.offset,
                section.hashes.count == (section.length + blockSize - 1) / blockSize
            else { throw SnapshotError.damaged(path, what) }
        }
        return type
    }
}
