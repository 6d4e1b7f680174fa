/// Appends values of a known type and produces a column; used by operators that compute new columns.
public struct ColumnBuilder {
    public let type: DataType
    private var ints: [Int64] = []
    private var doubles: [Double] = []
    private var bools: [Bool] = []
    private var days: [Int32] = []
    private var codes: [Int32] = []
    private var dictionary: [String] = []
    private var lookup: [ExactText: Int32] = [:]
    private var nulls: [Bool] = []
    private var sawNull = false

    public init(type: DataType, capacity: Int = 0) {
        self.type = type == .null || type == .duration ? .text : type
        nulls.reserveCapacity(capacity)
    }

    /// Appends a value; a value of another type is converted where that is lossless, else stored as null.
    public mutating func append(_ value: Value) {
        var isNull = false
        switch (type, value) {
        case (.integer, .integer(let v)): ints.append(v)
        case (.decimal, .decimal(let v)): doubles.append(v)
        case (.decimal, .integer(let v)): doubles.append(Double(v))
        case (.boolean, .boolean(let v)): bools.append(v)
        case (.date, .date(let v)): days.append(v)
        case (.timestamp, .timestamp(let v)): ints.append(v)
        case (.text, .text(let s)): appendText(s)
        case (.text, let other) where !other.isNull: appendText(other.plainText)
        default:
            isNull = true
            appendPlaceholder()
        }
        nulls.append(isNull)
        if isNull { sawNull = true }
    }

    private mutating func appendText(_ s: String) {
        if let code = lookup[ExactText(s)] {
            codes.append(code)
        } else {
            let code = Int32(dictionary.count)
            dictionary.append(s)
            lookup[ExactText(s)] = code
            codes.append(code)
        }
    }

    private mutating func appendPlaceholder() {
        switch type {
        case .integer, .timestamp: ints.append(0)
        case .decimal: doubles.append(0)
        case .boolean: bools.append(false)
        case .date: days.append(0)
        default: codes.append(0)
        }
        if type == .text && dictionary.isEmpty {
            dictionary.append("")
            lookup[ExactText("")] = 0
        }
    }

    public func build(name: String) -> Column {
        let storage: ColumnStorage
        switch type {
        case .integer: storage = .integer(ints)
        case .decimal: storage = .decimal(doubles)
        case .boolean: storage = .boolean(bools)
        case .date: storage = .date(days)
        case .timestamp: storage = .timestamp(ints)
        default: storage = .text(codes: codes, dictionary: dictionary)
        }
        return Column(name: name, storage: storage, nulls: sawNull ? nulls : nil)
    }
}
