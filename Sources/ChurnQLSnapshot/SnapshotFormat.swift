/// The layout of a `.cqs` snapshot file (docs/snapshots.md), all integers little-endian:
///
///     0      magic, 8 bytes: 0x89 "CQS" CR LF 0x1A LF (a text-mode copy or another kind of file differs)
///     8      format version, UInt32; then zeros to 64
///     64…    sections: each array's raw bytes, each starting 64-byte aligned
///     …      the manifest (JSON): tables, columns, each section's offset, length and per-block hashes; the session
///     end-64 trailer: manifest offset, manifest length, manifest hash, file length (UInt64 each), format version
///            (UInt32), zero (UInt32), hash of the trailer's first 48 bytes (UInt64), zeros, and "CQS-END\0"
///
/// The trailer is written last, so a file cut short has none. Every section is checked block by block (XXH64 per
/// `blockSize` bytes) as it is read, before any of its values is used.
enum SnapshotFormat {
    static let magic: [UInt8] = [0x89, 0x43, 0x51, 0x53, 0x0D, 0x0A, 0x1A, 0x0A]
    /// The version this build writes and the newest it reads.
    static let version: UInt32 = 1
    static let headerSize = 64
    static let trailerSize = 64
    static let endMagic: [UInt8] = Array("CQS-END".utf8) + [0]
    static let alignment = 64
    /// Hashed per block while reading, so each block is checked while it is still in the cache.
    static let blockSize = 1 << 20
    static let hashSeed: UInt64 = 0x6368_7572_6E71_6C31
    /// A manifest larger than this is not one this program wrote.
    static let maxManifest = 1 << 30

    static func aligned(_ offset: Int) -> Int { (offset + alignment - 1) / alignment * alignment }
}

/// Where one array's bytes are, and the hash of each block of them.
struct SectionEntry: Codable, Sendable {
    var offset: Int
    var length: Int
    /// XXH64 of each `blockSize` block, as 16 hex digits (JSON numbers lose bits above 2^53).
    var hashes: [String]
}

struct ColumnEntry: Codable, Sendable {
    var name: String
    var type: String
    var identifier: Bool
    var values: SectionEntry
    var nulls: SectionEntry?
    /// Text columns: the dictionary's count, its UTF-8 bytes and the Int64 offsets of each entry (count + 1).
    var dictionaryCount: Int?
    var dictionaryBytes: SectionEntry?
    var dictionaryOffsets: SectionEntry?
}

struct TableEntry: Codable, Sendable {
    var name: String
    var rowCount: Int
    var columns: [ColumnEntry]
}

struct Manifest: Codable, Sendable {
    var writer: String
    var blockSize: Int
    var tables: [TableEntry]
    /// Derived arrays the engine stores beside the tables (see `SnapshotContents.derived`).
    var derived: [TableEntry]
    var session: SnapshotSession
}
