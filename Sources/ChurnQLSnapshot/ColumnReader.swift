import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Arrays already read, by section offset: a section the writer stored once for two columns (the order history
/// shares the orders' arrays) becomes one shared array again, whichever column is read first.
final class SectionCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: ColumnStorage] = [:]
    private var dictionaries: [Int: [String]] = [:]

    func storage(at offset: Int) -> ColumnStorage? { lock.withLock { values[offset] } }
    func dictionary(at offset: Int) -> [String]? { lock.withLock { dictionaries[offset] } }

    /// Keeps `storage` unless another column put one first; returns the one kept.
    func keep(_ storage: ColumnStorage, at offset: Int) -> ColumnStorage {
        lock.withLock {
            if let first = values[offset], first.type == storage.type, first.count == storage.count { return first }
            values[offset] = storage
            return storage
        }
    }

    func keep(_ dictionary: [String], at offset: Int) -> [String] {
        lock.withLock {
            if let first = dictionaries[offset], first.count == dictionary.count { return first }
            dictionaries[offset] = dictionary
            return dictionary
        }
    }
}

/// One column: its arrays read and checked, then its values checked where a bad value could be used as an index
/// (text codes) or is not a valid Swift value (Bool bytes).
struct ColumnReader {
    let file: SnapshotFile
    let table: TableEntry
    let blockSize: Int
    let cache: SectionCache

    func read(_ entry: ColumnEntry) throws(Diagnostic) -> Column {
        let what = "column '\(entry.name)' of \(table.name)"
        let rows = table.rowCount
        guard rows >= 0, let type = DataType(rawValue: entry.type) else { throw SnapshotError.damaged(file.path, what) }
        let storage: ColumnStorage
        let kept = cache.storage(at: entry.values.offset)
        switch (type, kept) {
        case (.integer, .integer(let v)?) where v.count == rows: storage = .integer(v)
        case (.decimal, .decimal(let v)?) where v.count == rows: storage = .decimal(v)
        case (.date, .date(let v)?) where v.count == rows: storage = .date(v)
        case (.timestamp, .timestamp(let v)?) where v.count == rows: storage = .timestamp(v)
        case (.integer, _): storage = .integer(try array(Int64.self, entry.values, rows, what))
        case (.decimal, _): storage = .decimal(try array(Double.self, entry.values, rows, what))
        case (.date, _): storage = .date(try array(Int32.self, entry.values, rows, what))
        case (.timestamp, _): storage = .timestamp(try array(Int64.self, entry.values, rows, what))
        case (.boolean, _): storage = .boolean(try bools(entry.values, rows, what))
        case (.text, .text(let codes, let first)?) where codes.count == rows:
            // Codes another column shares were checked against a dictionary of that size.
            let dictionary = try self.dictionary(entry, what)
            guard first.count == dictionary.count else { throw SnapshotError.damaged(file.path, what) }
            storage = .text(codes: codes, dictionary: dictionary)
        case (.text, _):
            let dictionary = try self.dictionary(entry, what)
            let codes = try array(Int32.self, entry.values, rows, what)
            let valid = codes.withUnsafeBufferPointer {
                churnql_codes_below($0.baseAddress, $0.count, Int32(clamping: dictionary.count)) != 0
            }
            guard valid else { throw SnapshotError.damaged(file.path, what) }
            storage = .text(codes: codes, dictionary: dictionary)
        case (.null, _), (.duration, _):
            throw SnapshotError.damaged(file.path, what)
        }
        return try finish(entry, cache.keep(storage, at: entry.values.offset), what)
    }

    private func finish(_ entry: ColumnEntry, _ storage: ColumnStorage, _ what: String) throws(Diagnostic) -> Column {
        var nulls: [Bool]?
        if let section = entry.nulls { nulls = try bools(section, table.rowCount, what) }
        var column = Column(name: entry.name, storage: storage, nulls: nulls)
        column.isIdentifier = entry.identifier
        return column
    }

    /// `count` values of T, read straight into the array's storage.
    private func array<T>(_: T.Type, _ section: SectionEntry, _ count: Int, _ what: String) throws(Diagnostic) -> [T] {
        let size = MemoryLayout<T>.stride
        guard count <= Int.max / size, section.length == count * size else {
            throw SnapshotError.damaged(file.path, what)
        }
        var failure: Diagnostic?
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(Diagnostic) {
                try file.readSection(
                    section, blockSize: blockSize, into: UnsafeMutableRawBufferPointer(buffer), what: what)
                initialized = count
            } catch {
                // Plain values: zeroed, never read, so the array is valid to drop.
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = count
                failure = error
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Bools from bytes, every byte checked to be 0 or 1 before it becomes a Bool.
    private func bools(_ section: SectionEntry, _ count: Int, _ what: String) throws(Diagnostic) -> [Bool] {
        // Read as bytes into the Bool array's storage; no value is read as a Bool before the check.
        let values = try array(Bool.self, section, count, what)
        let valid = values.withUnsafeBytes { raw in
            churnql_all_bool_bytes(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count) != 0
        }
        guard valid else { throw SnapshotError.damaged(file.path, what) }
        return values
    }

    private func dictionary(_ entry: ColumnEntry, _ what: String) throws(Diagnostic) -> [String] {
        guard let count = entry.dictionaryCount, count >= 0, count < Int(Int32.max),
            let offsetsSection = entry.dictionaryOffsets, let bytesSection = entry.dictionaryBytes
        else { throw SnapshotError.damaged(file.path, what) }
        if let kept = cache.dictionary(at: bytesSection.offset), kept.count == count { return kept }
        let offsets = try array(Int64.self, offsetsSection, count + 1, what)
        let bytes = try array(UInt8.self, bytesSection, bytesSection.length, what)
        guard offsets.first == 0, offsets.last == Int64(bytes.count) else {
            throw SnapshotError.damaged(file.path, what)
        }
        var dictionary: [String] = []
        dictionary.reserveCapacity(count)
        var bad = false
        bytes.withUnsafeBufferPointer { all in
            for i in 0..<count {
                let low = Int(offsets[i])
                let high = Int(offsets[i + 1])
                guard low >= 0, low <= high, high <= all.count else {
                    bad = true
                    return
                }
                // Invalid UTF-8 (impossible after the hash check, unless crafted) becomes U+FFFD, never a crash.
                dictionary.append(String(decoding: UnsafeBufferPointer(rebasing: all[low..<high]), as: UTF8.self))
            }
        }
        guard !bad else { throw SnapshotError.damaged(file.path, what) }
        return cache.keep(dictionary, at: bytesSection.offset)
    }
}
