import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Builds the columns of a manifest's tables from the file, one column per task on all cores.
enum ParallelColumns {
    static func read(_ entries: [TableEntry], from file: SnapshotFile, blockSize: Int, shared: SharedArrays = .init())
        throws(Diagnostic) -> [Table]
    {
        let jobs = entries.enumerated().flatMap { t, table in table.columns.indices.map { (t, $0) } }
        let results = Results(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            let (t, c) = jobs[i]
            do throws(Diagnostic) {
                let column = try ColumnReader(file: file, table: entries[t], blockSize: blockSize, shared: shared)
                    .read(entries[t].columns[c])
                results.set(i, .success(column))
            } catch {
                results.set(i, .failure(error))
            }
        }
        var tables: [Table] = []
        var index = 0
        for entry in entries {
            var columns: [Column] = []
            for _ in entry.columns {
                switch results.get(index) {
                case .success(let column): columns.append(column)
                case .failure(let error): throw error
                case nil: throw SnapshotError.damaged(file.path, "a column")
                }
                index += 1
            }
            tables.append(Table(name: entry.name, columns: columns, rowCount: entry.rowCount))
        }
        return tables
    }
}

/// Arrays already read, by section offset: a section the writer stored once for two columns (the order history
/// shares the orders' arrays) becomes one shared array again.
struct SharedArrays: Sendable {
    var values: [Int: ColumnStorage] = [:]
    var dictionaries: [Int: [String]] = [:]

    init() {}

    init(_ entries: [TableEntry], _ tables: [Table]) {
        for (entry, table) in zip(entries, tables) {
            for (columnEntry, column) in zip(entry.columns, table.columns) {
                values[columnEntry.values.offset] = column.storage
                if let bytes = columnEntry.dictionaryBytes, case .text(_, let dictionary) = column.storage {
                    dictionaries[bytes.offset] = dictionary
                }
            }
        }
    }
}

/// Each job's outcome, filled from several threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<Column, Diagnostic>?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: Result<Column, Diagnostic>) { lock.withLock { items[i] = value } }
    func get(_ i: Int) -> Result<Column, Diagnostic>? { lock.withLock { items[i] } }
}

/// One column: its arrays read and checked, then its values checked where a bad value could be used as an index
/// (text codes) or is not a valid Swift value (Bool bytes).
struct ColumnReader {
    let file: SnapshotFile
    let table: TableEntry
    let blockSize: Int
    let shared: SharedArrays

    func read(_ entry: ColumnEntry) throws(Diagnostic) -> Column {
        let what = "column '\(entry.name)' of \(table.name)"
        let rows = table.rowCount
        guard rows >= 0, let type = DataType(rawValue: entry.type) else { throw SnapshotError.damaged(file.path, what) }
        let storage: ColumnStorage
        let kept = shared.values[entry.values.offset]
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
        var nulls: [Bool]?
        if let section = entry.nulls { nulls = try bools(section, rows, what) }
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
        if let kept = shared.dictionaries[bytesSection.offset], kept.count == count { return kept }
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
        return dictionary
    }
}
