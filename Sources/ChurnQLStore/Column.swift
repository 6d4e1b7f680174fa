/// A named column: typed storage plus an optional null mask (true = null). Its values are either held (the fast
/// path: one nil check) or read from a `ColumnSource` the first time `storage` or `nulls` is asked for.
public struct Column: Sendable {
    public var name: String
    // Inlinable: the per-row null check and the storage of a held column are loads of these fields in the caller.
    @usableFromInline var heldStorage: ColumnStorage
    @usableFromInline var heldNulls: [Bool]?
    /// Where the values are read from on first use; nil once they are held.
    public private(set) var source: (any ColumnSource)?
    /// The source's `hasNulls`, kept here so that a per-row null check never touches the source.
    @usableFromInline var sourceHasNulls = false
    /// Identifiers (order ids kept as integers): tables print them as written, without digit grouping, as they
    /// are not quantities. Set by the loader; kept wherever the column passes unchanged (select, sort, join, …).
    public var isIdentifier = false

    public init(name: String, storage: ColumnStorage, nulls: [Bool]? = nil) {
        self.name = name
        self.heldStorage = storage
        self.heldNulls = nulls.flatMap { $0.contains(true) ? $0 : nil }
    }

    /// A column whose values are read from `source` when first used.
    public init(name: String, source: any ColumnSource) {
        self.name = name
        self.heldStorage = Column.empty(name: name, type: source.type).heldStorage
        self.source = source
        self.sourceHasNulls = source.hasNulls
    }

    /// Reads the source (once per source) when the values are not held. Read it once per loop, not per row.
    public var storage: ColumnStorage {
        @inlinable get {
            guard let source else { return heldStorage }
            return source.values().storage
        }
        set {
            heldNulls = nulls
            heldStorage = newValue
            source = nil
            sourceHasNulls = false
        }
    }

    /// nil when the column has no nulls (known without reading a source).
    public var nulls: [Bool]? {
        @inlinable get {
            guard let source else { return heldNulls }
            return source.hasNulls ? source.nullMask() : nil
        }
        set {
            if let source { heldStorage = source.values().storage }
            source = nil
            sourceHasNulls = false
            heldNulls = newValue
        }
    }

    @inlinable public var type: DataType { source?.type ?? heldStorage.type }
    @inlinable public var count: Int { source?.count ?? heldStorage.count }

    /// A column of no rows of `type` (null and duration values are stored as text, as ColumnBuilder does).
    public static func empty(name: String, type: DataType) -> Column {
        switch type {
        case .integer: return Column(name: name, storage: .integer([]))
        case .decimal: return Column(name: name, storage: .decimal([]))
        case .boolean: return Column(name: name, storage: .boolean([]))
        case .date: return Column(name: name, storage: .date([]))
        case .timestamp: return Column(name: name, storage: .timestamp([]))
        case .text, .null, .duration: return Column(name: name, storage: .text(codes: [], dictionary: []))
        }
    }

    @inlinable @inline(__always)
    public func isNull(_ row: Int) -> Bool {
        if let heldNulls { return heldNulls[row] }
        guard sourceHasNulls else { return false }
        return sourceIsNull(row)
    }

    /// Out of line, so that the per-row check above stays a load of held fields.
    @usableFromInline @inline(never)
    func sourceIsNull(_ row: Int) -> Bool { source?.nullMask()?[row] ?? false }

    /// The cell at `row` as a scalar value.
    public func value(at row: Int) -> Value {
        if isNull(row) { return .null }
        switch storage {
        case .integer(let v): return .integer(v[row])
        case .decimal(let v): return .decimal(v[row])
        case .boolean(let v): return .boolean(v[row])
        case .date(let v): return .date(v[row])
        case .timestamp(let v): return .timestamp(v[row])
        case .text(let codes, let dictionary): return .text(dictionary[Int(codes[row])])
        }
    }

    /// The rows at `indices`, in that order (filter, sort, take and join all reduce to this).
    public func gather(_ indices: [Int]) -> Column {
        let newNulls = nulls.map { mask in indices.map { mask[$0] } }
        let newStorage: ColumnStorage
        switch storage {
        case .integer(let v): newStorage = .integer(indices.map { v[$0] })
        case .decimal(let v): newStorage = .decimal(indices.map { v[$0] })
        case .boolean(let v): newStorage = .boolean(indices.map { v[$0] })
        case .date(let v): newStorage = .date(indices.map { v[$0] })
        case .timestamp(let v): newStorage = .timestamp(indices.map { v[$0] })
        case .text(let codes, let dictionary):
            newStorage = .text(codes: indices.map { codes[$0] }, dictionary: dictionary)
        }
        var result = Column(name: name, storage: newStorage, nulls: newNulls)
        result.isIdentifier = isIdentifier
        return result
    }

    /// Like `gather`, but an index of -1 yields null (outer joins).
    public func gatherOptional(_ indices: [Int]) -> Column {
        // An empty column (a header-only file) has no row 0 to stand in for the nulls.
        if count == 0 {
            var builder = ColumnBuilder(type: type, capacity: indices.count)
            for _ in indices { builder.append(.null) }
            var result = builder.build(name: name)
            result.isIdentifier = isIdentifier
            return result
        }
        let safe = indices.map { Swift.max($0, 0) }
        var result = gather(safe)
        if indices.contains(-1) {
            var mask = result.nulls ?? [Bool](repeating: false, count: indices.count)
            for (i, index) in indices.enumerated() where index < 0 { mask[i] = true }
            result.nulls = mask
        }
        return result
    }

    /// A copy with another name.
    public func renamed(_ newName: String) -> Column {
        var copy = self
        copy.name = newName
        return copy
    }
}
