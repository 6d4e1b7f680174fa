import Foundation
import Synchronization

/// An integer column whose values all fit in 32 bits, kept at half width until a query first reads it; then
/// widened once to the usual 64-bit array (and the narrow copy dropped). A loaded file's order ids are such a
/// column, and most retention queries never read them: they then cost 4 bytes a row instead of 8.
public final class NarrowIntegerSource: ColumnSource, @unchecked Sendable {
    public let count: Int
    public let hasNulls: Bool
    public var type: DataType { .integer }
    private let lock = NSLock()
    /// Set (release) once `wide` holds the values, so that readers after that take no lock.
    private let widened = Atomic<Bool>(false)
    private var narrow: [Int32]
    private var nulls: [Bool]?
    private var wide: ColumnValues?

    public init(values: [Int32], nulls: [Bool]?) {
        count = values.count
        narrow = values
        self.nulls = nulls.flatMap { $0.contains(true) ? $0 : nil }
        hasNulls = self.nulls != nil
    }

    public func values() -> ColumnValues {
        if widened.load(ordering: .acquiring), let wide { return wide }
        lock.lock()
        defer { lock.unlock() }
        if let wide { return wide }
        let values = ColumnValues(storage: .integer(narrow.map { Int64($0) }), nulls: nulls)
        wide = values
        narrow = []
        nulls = nil
        widened.store(true, ordering: .releasing)
        return values
    }

    public func nullMask() -> [Bool]? {
        if widened.load(ordering: .acquiring), let wide { return wide.nulls }
        lock.lock()
        defer { lock.unlock() }
        return wide?.nulls ?? nulls
    }

    /// Whether a query has read the values (they are then held at full width).
    public var isWidened: Bool { widened.load(ordering: .acquiring) }
}
