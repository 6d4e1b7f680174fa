/// Where a column's values come from when they are read on first use (a reopened snapshot). The type, the length
/// and whether there are nulls are known without reading, so planning, counting and null checks read nothing.
public protocol ColumnSource: AnyObject, Sendable {
    var type: DataType { get }
    var count: Int { get }
    var hasNulls: Bool { get }
    /// The values, read the first time and kept. A source that cannot read them records why (the engine turns
    /// that into the statement's error) and returns zeros of the right length, so that nothing indexes out of range.
    func values() -> ColumnValues
    /// The null mask alone (nil: no nulls); by default from `values()`, but a source may have it without them.
    func nullMask() -> [Bool]?
}

extension ColumnSource {
    public func nullMask() -> [Bool]? { values().nulls }
}

/// A column's values and null mask (nil: no nulls).
public struct ColumnValues: Sendable {
    public var storage: ColumnStorage
    public var nulls: [Bool]?

    public init(storage: ColumnStorage, nulls: [Bool]?) {
        self.storage = storage
        self.nulls = nulls.flatMap { $0.contains(true) ? $0 : nil }
    }

    /// Zeros of `type`, `count` long, without nulls: what a source returns when it cannot read.
    public static func zeros(_ type: DataType, count: Int) -> ColumnValues {
        let storage: ColumnStorage
        switch type {
        case .integer: storage = .integer([Int64](repeating: 0, count: count))
        case .decimal: storage = .decimal([Double](repeating: 0, count: count))
        case .boolean: storage = .boolean([Bool](repeating: false, count: count))
        case .date: storage = .date([Int32](repeating: 0, count: count))
        case .timestamp: storage = .timestamp([Int64](repeating: 0, count: count))
        case .text, .null, .duration:
            storage = .text(codes: [Int32](repeating: 0, count: count), dictionary: count == 0 ? [] : [""])
        }
        return ColumnValues(storage: storage, nulls: nil)
    }
}
