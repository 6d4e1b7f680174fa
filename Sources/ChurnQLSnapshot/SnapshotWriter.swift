import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Writes a snapshot as one stream of bytes (the shell's atomic file takes them): header, sections, manifest,
/// trailer. Hashes are taken from the arrays themselves, so no copy of the data is made.
public struct SnapshotWriter {
    public typealias Sink = (UnsafeRawBufferPointer) throws(Diagnostic) -> Void
    private let sink: Sink
    private var offset = 0
    /// Arrays already written, by address and size: an array two columns share is stored once.
    /// Only arrays the contents keep alive are keys (a freed temporary's address could come back).
    private var written: [SectionKey: SectionEntry] = [:]
    private var writtenDictionaries: [SectionKey: (SectionEntry, SectionEntry)] = [:]

    private init(sink: @escaping Sink) { self.sink = sink }

    /// Writes `contents` to `sink`; returns the number of bytes written.
    @discardableResult
    public static func write(_ contents: SnapshotContents, to sink: @escaping Sink) throws(Diagnostic) -> Int {
        var writer = SnapshotWriter(sink: sink)
        var header = [UInt8](repeating: 0, count: SnapshotFormat.headerSize)
        header.replaceSubrange(0..<8, with: SnapshotFormat.magic)
        Bytes.put(UInt32(SnapshotFormat.version), into: &header, at: 8)
        try writer.emit(header)
        var tables: [TableEntry] = []
        for table in contents.tables { tables.append(try writer.table(table)) }
        var derived: [TableEntry] = []
        for table in contents.derived { derived.append(try writer.table(table)) }
        let manifest = Manifest(
            writer: "churnql", blockSize: SnapshotFormat.blockSize, tables: tables, derived: derived,
            session: contents.session)
        let json: Data
        do {
            json = try JSONEncoder().encode(manifest)
        } catch {
            throw Diagnostic(code: "save-failed", message: "cannot encode the snapshot's manifest: \(error)")
        }
        let manifestBytes = [UInt8](json)
        try writer.pad()
        let manifestOffset = writer.offset
        try writer.emit(manifestBytes)
        try writer.pad()
        var trailer = [UInt8](repeating: 0, count: SnapshotFormat.trailerSize)
        Bytes.put(UInt64(manifestOffset), into: &trailer, at: 0)
        Bytes.put(UInt64(manifestBytes.count), into: &trailer, at: 8)
        Bytes.put(Hash64.of(manifestBytes), into: &trailer, at: 16)
        Bytes.put(UInt64(writer.offset + SnapshotFormat.trailerSize), into: &trailer, at: 24)
        Bytes.put(UInt32(SnapshotFormat.version), into: &trailer, at: 32)
        Bytes.put(Hash64.of(Array(trailer[0..<40])), into: &trailer, at: 40)
        trailer.replaceSubrange(56..<64, with: SnapshotFormat.endMagic)
        try writer.emit(trailer)
        return writer.offset
    }

    private mutating func table(_ table: Table) throws(Diagnostic) -> TableEntry {
        var columns: [ColumnEntry] = []
        for column in table.columns { columns.append(try self.column(column)) }
        return TableEntry(name: table.name, rowCount: table.rowCount, columns: columns)
    }

    private mutating func column(_ column: Column) throws(Diagnostic) -> ColumnEntry {
        var entry: ColumnEntry
        switch column.storage {
        case .integer(let v): entry = try plain(column, v)
        case .decimal(let v): entry = try plain(column, v)
        case .boolean(let v): entry = try plain(column, v)
        case .date(let v): entry = try plain(column, v)
        case .timestamp(let v): entry = try plain(column, v)
        case .text(let codes, let dictionary):
            entry = try plain(column, codes)
            entry.dictionaryCount = dictionary.count
            let key = dictionary.withUnsafeBytes {
                SectionKey(address: UInt(bitPattern: $0.baseAddress), count: $0.count)
            }
            if key.count > 0, let kept = writtenDictionaries[key] {
                (entry.dictionaryOffsets, entry.dictionaryBytes) = kept
                break
            }
            var offsets = [Int64](repeating: 0, count: dictionary.count + 1)
            var bytes: [UInt8] = []
            bytes.reserveCapacity(dictionary.reduce(0) { $0 + $1.utf8.count })
            for (i, text) in dictionary.enumerated() {
                bytes.append(contentsOf: text.utf8)
                offsets[i + 1] = Int64(bytes.count)
            }
            let written = (try newSection(offsets), try newSection(bytes))
            (entry.dictionaryOffsets, entry.dictionaryBytes) = written
            writtenDictionaries[key] = written
        }
        if let nulls = column.nulls { entry.nulls = try section(nulls) }
        return entry
    }

    private mutating func plain<T>(_ column: Column, _ values: [T]) throws(Diagnostic) -> ColumnEntry {
        ColumnEntry(
            name: column.name, type: column.type.rawValue, identifier: column.isIdentifier, values: try section(values))
    }

    /// One array, aligned, with its block hashes.
    private mutating func section<T>(_ values: [T]) throws(Diagnostic) -> SectionEntry {
        let key = values.withUnsafeBytes { SectionKey(address: UInt(bitPattern: $0.baseAddress), count: $0.count) }
        if key.count > 0, let entry = written[key] { return entry }
        let entry = try newSection(values)
        written[key] = entry
        return entry
    }

    private mutating func newSection<T>(_ values: [T]) throws(Diagnostic) -> SectionEntry {
        try pad()
        let start = offset
        let hashes = values.withUnsafeBytes { Hash64.blocks($0) }
        try values.withUnsafeBytes { raw in Result { () throws(Diagnostic) in try sink(raw) } }.get()
        offset += values.count * MemoryLayout<T>.stride
        return SectionEntry(offset: start, length: offset - start, hashes: hashes.map(Hash64.hex))
    }

    private mutating func pad() throws(Diagnostic) {
        let gap = SnapshotFormat.aligned(offset) - offset
        if gap > 0 { try emit([UInt8](repeating: 0, count: gap)) }
    }

    private mutating func emit(_ bytes: [UInt8]) throws(Diagnostic) {
        try bytes.withUnsafeBytes { raw in Result { () throws(Diagnostic) in try sink(raw) } }.get()
        offset += bytes.count
    }
}

private struct SectionKey: Hashable {
    let address: UInt
    let count: Int
}

/// Little-endian integers in byte arrays.
enum Bytes {
    static func put<T: FixedWidthInteger>(_ value: T, into bytes: inout [UInt8], at offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (i, byte) in raw.enumerated() { bytes[offset + i] = byte }
        }
    }

    static func get<T: FixedWidthInteger>(_: T.Type, from bytes: [UInt8], at offset: Int) -> T {
        var value: T = 0
        for i in 0..<MemoryLayout<T>.size { value |= T(truncatingIfNeeded: bytes[offset + i]) << (8 * i) }
        return value
    }
}

/// The snapshot's checksum: XXH64 (CByteScan/Hash64.c).
public enum Hash64 {
    public static func of(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        churnql_hash64(raw.baseAddress, raw.count, SnapshotFormat.hashSeed)
    }

    public static func of(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { of($0) } }

    /// The hash of each `blockSize` block.
    static func blocks(_ raw: UnsafeRawBufferPointer) -> [UInt64] {
        stride(from: 0, to: raw.count, by: SnapshotFormat.blockSize).map { start in
            of(UnsafeRawBufferPointer(rebasing: raw[start..<Swift.min(start + SnapshotFormat.blockSize, raw.count)]))
        }
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
