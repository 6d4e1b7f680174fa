import ChurnQLDiagnostics
import ChurnQLStore

/// A compiled expression: a typed function from row index to value (nil = null), or a constant duration.
/// Compiling once per query checks names and types before any row is touched and keeps the row loop cheap.
enum Vector {
    case integer((Int) -> Int64?)
    case decimal((Int) -> Double?)
    case boolean((Int) -> Bool?)
    case date((Int) -> Int32?)
    case timestamp((Int) -> Int64?)
    case text((Int) -> String?)
    /// A text column as it is stored, so comparisons with constants can use dictionary codes.
    case textColumn(codes: [Int32], dictionary: [String], nulls: [Bool]?)
    case duration(Duration)
    case null

    var type: DataType {
        switch self {
        case .integer: return .integer
        case .decimal: return .decimal
        case .boolean: return .boolean
        case .date: return .date
        case .timestamp: return .timestamp
        case .text, .textColumn: return .text
        case .duration: return .duration
        case .null: return .null
        }
    }

    /// The vector read at `rows`: row i of the result is row rows[i] of this one.
    func gathered(_ rows: [Int]) -> Vector {
        switch self {
        case .integer(let f): return .integer { f(rows[$0]) }
        case .decimal(let f): return .decimal { f(rows[$0]) }
        case .boolean(let f): return .boolean { f(rows[$0]) }
        case .date(let f): return .date { f(rows[$0]) }
        case .timestamp(let f): return .timestamp { f(rows[$0]) }
        case .text(let f): return .text { f(rows[$0]) }
        case .textColumn(let codes, let dictionary, let nulls):
            return .textColumn(
                codes: rows.map { codes[$0] }, dictionary: dictionary, nulls: nulls.map { n in rows.map { n[$0] } })
        case .duration, .null: return self
        }
    }

    /// A value of this vector's type that reads no row (zero, empty text, false, day 0).
    var placeholder: Value {
        switch self {
        case .integer: return .integer(0)
        case .decimal: return .decimal(0)
        case .boolean: return .boolean(false)
        case .date: return .date(0)
        case .timestamp: return .timestamp(0)
        case .text, .textColumn: return .text("")
        case .duration(let d): return .duration(d)
        case .null: return .null
        }
    }

    /// The value as a closure returning text (for functions that need strings).
    var asText: ((Int) -> String?)? {
        switch self {
        case .text(let f): return f
        case .textColumn(let codes, let dictionary, let nulls):
            if let nulls { return { nulls[$0] ? nil : dictionary[Int(codes[$0])] } }
            return { dictionary[Int(codes[$0])] }
        case .null: return { _ in nil }
        default: return nil
        }
    }

    /// The value as a Double closure for numeric contexts.
    var asDouble: ((Int) -> Double?)? {
        switch self {
        case .decimal(let f): return f
        case .integer(let f): return { f($0).map(Double.init) }
        case .null: return { _ in nil }
        default: return nil
        }
    }

    /// A generic accessor, slow but total; used off the hot paths.
    func value(_ row: Int) -> Value {
        switch self {
        case .integer(let f): return f(row).map(Value.integer) ?? .null
        case .decimal(let f): return f(row).map(Value.decimal) ?? .null
        case .boolean(let f): return f(row).map(Value.boolean) ?? .null
        case .date(let f): return f(row).map(Value.date) ?? .null
        case .timestamp(let f): return f(row).map(Value.timestamp) ?? .null
        case .text, .textColumn: return asText?(row).map(Value.text) ?? .null
        case .duration(let d): return .duration(d)
        case .null: return .null
        }
    }

    /// Builds a column of `count` rows (without `stop`, uninterruptible).
    func materialize(name: String, count: Int) -> Column {
        (try? materialize(name: name, count: count, stop: StopCheck(interrupt: nil)))
            ?? Column.empty(name: name, type: .text)
    }

    /// Builds a column of `count` rows, checking `stop` between chunks of rows.
    func materialize(name: String, count: Int, stop: StopCheck) throws(Diagnostic) -> Column {
        // Written in place, not appended (the append's checks cost more than most expressions); the null mask is
        // made only when a row is null.
        var nulls: [Bool]?
        func fill<T>(_ f: (Int) -> T?, _ zero: T) -> [T] {
            [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                var done = 0
                _ = stop.chunksUnlessStopped(count) { chunk in
                    for row in chunk {
                        if let v = f(row) {
                            buffer.initializeElement(at: row, to: v)
                        } else {
                            buffer.initializeElement(at: row, to: zero)
                            if nulls == nil { nulls = [Bool](repeating: false, count: count) }
                            nulls?[row] = true
                        }
                    }
                    done = chunk.upperBound
                }
                // Stopped: the rows written so far (the caller throws before using them).
                initialized = done
            }
        }
        let column: Column
        switch self {
        case .integer(let f): column = Column(name: name, storage: .integer(fill(f, 0)), nulls: nulls)
        case .decimal(let f): column = Column(name: name, storage: .decimal(fill(f, 0)), nulls: nulls)
        case .boolean(let f): column = Column(name: name, storage: .boolean(fill(f, false)), nulls: nulls)
        case .date(let f): column = Column(name: name, storage: .date(fill(f, 0)), nulls: nulls)
        case .timestamp(let f): column = Column(name: name, storage: .timestamp(fill(f, 0)), nulls: nulls)
        case .textColumn(let codes, let dictionary, let mask) where codes.count == count:
            return Column(name: name, storage: .text(codes: codes, dictionary: dictionary), nulls: mask)
        case .text, .textColumn, .null:
            var builder = ColumnBuilder(type: .text, capacity: count)
            let f = asText ?? { _ in nil }
            try stop.chunks(count) { chunk in
                for row in chunk { builder.append(f(row).map(Value.text) ?? .null) }
            }
            return builder.build(name: name)
        case .duration(let d):
            var builder = ColumnBuilder(type: .text, capacity: count)
            for _ in 0..<count { builder.append(.text(d.description)) }
            return builder.build(name: name)
        }
        try stop()
        return column
    }

    /// A vector reading a stored column.
    static func column(_ column: Column) -> Vector {
        let nulls = column.nulls
        switch column.storage {
        case .integer(let v):
            if let nulls { return .integer { nulls[$0] ? nil : v[$0] } }
            return .integer { v[$0] }
        case .decimal(let v):
            if let nulls { return .decimal { nulls[$0] ? nil : v[$0] } }
            return .decimal { v[$0] }
        case .boolean(let v):
            if let nulls { return .boolean { nulls[$0] ? nil : v[$0] } }
            return .boolean { v[$0] }
        case .date(let v):
            if let nulls { return .date { nulls[$0] ? nil : v[$0] } }
            return .date { v[$0] }
        case .timestamp(let v):
            if let nulls { return .timestamp { nulls[$0] ? nil : v[$0] } }
            return .timestamp { v[$0] }
        case .text(let codes, let dictionary):
            return .textColumn(codes: codes, dictionary: dictionary, nulls: nulls)
        }
    }

    /// A vector that is the same value on every row.
    static func constant(_ value: Value) -> Vector {
        switch value {
        case .null: return .null
        case .integer(let v): return .integer { _ in v }
        case .decimal(let v): return .decimal { _ in v }
        case .boolean(let v): return .boolean { _ in v }
        case .date(let v): return .date { _ in v }
        case .timestamp(let v): return .timestamp { _ in v }
        case .text(let s): return .text { _ in s }
        case .duration(let d): return .duration(d)
        }
    }
}
