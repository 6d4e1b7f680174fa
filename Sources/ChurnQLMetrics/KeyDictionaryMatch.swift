import ChurnQLStore

/// The customer keys of the orders (or of an order history) matched once, by bytes, to a customers table's keys
/// under a `key_match` rule. Both columns are dictionary-encoded text (another type is read as its text), so
/// each side's distinct keys are its dictionary's used entries: their forms under the rule are numbered in one
/// byte-keyed table, and everything else is array lookups. The import report and the profile's attribute match
/// read the same value.
public struct KeyDictionaryMatch: Sendable {
    public let mode: KeyMatch
    let orders: TextKeys
    let customers: TextKeys
    /// The form id of each dictionary entry of either side (-1: no non-null row uses the entry).
    let orderForm: [Int32]
    let customerForm: [Int32]
    /// Per form id: the smallest orders key (as a String) written in that form, as its dictionary code, and the
    /// first customers row in that form (-1: none).
    let smallestOrderCode: [Int32]
    let firstCustomerRow: [Int32]

    public init(orders: Column, customers: Column, mode: KeyMatch) {
        self.init(orders: TextKeys(orders), customers: TextKeys(customers), mode: mode)
    }

    init(orders: TextKeys, customers: TextKeys, mode: KeyMatch) {
        self.mode = mode
        self.orders = orders
        self.customers = customers
        let orderForms = Self.forms(orders, mode)
        let customerForms = Self.forms(customers, mode)
        // Sized for the orders' keys: customers' keys mostly find theirs (the table grows when they do not).
        var index = TextByteIndex(capacity: orders.usedCount)
        var smallest: [Int32] = []
        var orderForm = [Int32](repeating: -1, count: orders.dictionary.count)
        Self.number(orderForms, used: orders.used, in: &index, into: &orderForm) { code, id, isNew in
            if isNew {
                smallest.append(code)
            } else if orders.dictionary[Int(code)] < orders.dictionary[Int(smallest[Int(id)])] {
                smallest[Int(id)] = code
            }
        }
        var customerForm = [Int32](repeating: -1, count: customers.dictionary.count)
        Self.number(customerForms, used: customers.used, in: &index, into: &customerForm) { _, _, isNew in
            if isNew { smallest.append(-1) }
        }
        var firstRow = [Int32](repeating: -1, count: index.count)
        for row in 0..<customers.codes.count where !customers.isNull(row) {
            let form = Int(customerForm[Int(customers.codes[row])])
            if form >= 0 && firstRow[form] < 0 { firstRow[form] = Int32(row) }
        }
        self.orderForm = orderForm
        self.customerForm = customerForm
        smallestOrderCode = smallest
        firstCustomerRow = firstRow
    }

    /// Each used entry's form under `mode`, by dictionary code (unused entries: an empty placeholder). Only a key
    /// that starts or ends with a space or tab, or starts with a zero, can differ from its form.
    private static func forms(_ keys: TextKeys, _ mode: KeyMatch) -> [String] {
        guard mode != .exact else { return keys.dictionary }
        let space = { (byte: UInt8?) in byte == 0x20 || byte == 0x09 }
        return keys.dictionary.indices.map { code in
            let key = keys.dictionary[code]
            guard keys.used[code] else { return "" }
            let utf8 = key.utf8
            guard space(utf8.first) || space(utf8.last) || (mode == .digits && utf8.first == 0x30) else { return key }
            return mode.normalized(key)
        }
    }

    /// Numbers the used entries' forms in `index`, calling `body` with each code, its form id and whether the
    /// form is new, in code order. Hashes are computed ahead on all cores; a slot is fetched 32 entries ahead, the
    /// text it points to twelve entries ahead (the misses of a large table overlap).
    private static func number(
        _ forms: [String], used: [Bool], in index: inout TextByteIndex, into formOfCode: inout [Int32],
        _ body: (Int32, Int32, Bool) -> Void
    ) {
        let hashes = TextByteIndex.hashes(forms)
        let (slotAhead, textAhead) = (32, 12)
        for code in forms.indices where used[code] {
            if code + slotAhead < forms.count { index.prefetch(hash: hashes[code + slotAhead]) }
            if code + textAhead < forms.count { index.prefetchCandidate(hash: hashes[code + textAhead]) }
            let (id, isNew) = index.insert(forms[code], hash: hashes[code])
            formOfCode[code] = id
            body(Int32(code), id, isNew)
        }
    }

    /// For each orders-side row, the first customers row with its form (-1 if none); then the customers rows
    /// whose form no orders-side row has, one per form, in row order (customers without orders).
    func attributeRows() -> (rowFor: [Int], extraRows: [Int]) { attributeRows(orders.codes, orders.nulls) }

    /// The same for `keys`, another column on the orders' side (an order history's keys), when it is encoded
    /// with this match's orders dictionary and `customers` is the column this match was made with; else nil.
    func attributeRows(for keys: Column, customers column: Column) -> (rowFor: [Int], extraRows: [Int])? {
        guard case .text(let codes, let dictionary) = keys.storage, orders.sharesDictionary(dictionary),
            customers.isStorage(of: column)
        else { return nil }
        return attributeRows(codes, keys.nulls)
    }

    private func attributeRows(_ codes: [Int32], _ nulls: [Bool]?) -> (rowFor: [Int], extraRows: [Int]) {
        var covered = [Bool](repeating: false, count: firstCustomerRow.count)
        var rowFor = [Int](repeating: -1, count: codes.count)
        for row in codes.indices where !(nulls?[row] ?? false) {
            let form = Int(orderForm[Int(codes[row])])
            guard form >= 0 else { continue }
            covered[form] = true
            rowFor[row] = Int(firstCustomerRow[form])
        }
        var extraRows: [Int] = []
        for row in customers.codes.indices where !customers.isNull(row) {
            let form = Int(customerForm[Int(customers.codes[row])])
            if form >= 0 && !covered[form] && firstCustomerRow[form] == Int32(row) { extraRows.append(row) }
        }
        return (rowFor, extraRows)
    }
}

/// A key column as dictionary-encoded text: a text column as it is, any other type through its values' text.
struct TextKeys: Sendable {
    let codes: [Int32]
    let dictionary: [String]
    let nulls: [Bool]?
    /// Which dictionary entries some non-null row uses.
    let used: [Bool]
    let usedCount: Int

    init(_ column: Column) {
        guard case .text(let codes, let dictionary) = column.storage else {
            // A text builder makes a text column, so this goes one level deep.
            var builder = ColumnBuilder(type: .text, capacity: column.count)
            for row in 0..<column.count { builder.append(column.value(at: row)) }
            self.init(builder.build(name: column.name))
            return
        }
        self.init(codes: codes, dictionary: dictionary, nulls: column.nulls)
    }

    private init(codes: [Int32], dictionary: [String], nulls: [Bool]?, used: [Bool]) {
        self.codes = codes
        self.dictionary = dictionary
        self.nulls = nulls
        self.used = used
        usedCount = used.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The same keys with only the entries `codes` counted as used (a match of a few keys reads only theirs).
    func restricted(to codes: [Int]) -> TextKeys {
        var used = [Bool](repeating: false, count: dictionary.count)
        for code in codes { used[code] = true }
        return TextKeys(codes: self.codes, dictionary: dictionary, nulls: nulls, used: used)
    }

    private init(codes: [Int32], dictionary: [String], nulls: [Bool]?) {
        self.codes = codes
        self.dictionary = dictionary
        self.nulls = nulls
        var used = [Bool](repeating: false, count: dictionary.count)
        if let nulls {
            for row in codes.indices where !nulls[row] { used[Int(codes[row])] = true }
        } else {
            used.withUnsafeMutableBufferPointer { used in
                codes.withUnsafeBufferPointer { codes in for code in codes { used[Int(code)] = true } }
            }
        }
        self.used = used
        usedCount = used.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    @inline(__always)
    func isNull(_ row: Int) -> Bool { nulls?[row] ?? false }

    /// The same dictionary storage (not merely equal contents, which would take a comparison of every text): a
    /// code then means the same text.
    func sharesDictionary(_ other: [String]) -> Bool { Self.sameStorage(dictionary, other) }

    /// Whether `column` is the text column these keys were read from (the same codes, dictionary and nulls).
    func isStorage(of column: Column) -> Bool {
        guard case .text(let otherCodes, let otherDictionary) = column.storage else { return false }
        return Self.sameStorage(codes, otherCodes) && Self.sameStorage(dictionary, otherDictionary)
            && nulls == column.nulls
    }

    private static func sameStorage<T>(_ a: [T], _ b: [T]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in a.baseAddress == b.baseAddress } }
    }
}
