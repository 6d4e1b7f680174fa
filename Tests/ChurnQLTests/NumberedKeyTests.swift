import ChurnQLStore
import Testing

@testable import ChurnQLLoad

/// Text keys of one shape (a prefix and a fixed number of digits) are kept as numbers while a chunk loads and
/// numbered by arrays at the merge (NumberedText, NumberedMerge). Checked here against the plain definition worked
/// out in the test: every row's text, and the dictionary in order of first appearance, for files whose shapes
/// hold, break in the middle of a chunk, differ between chunks, are too sparse for the arrays, or carry nulls, cut
/// into many chunk counts, with and without the fast record path and loading in place.
struct NumberedKeyTests {
    typealias Random = FuzzTests.Random

    /// How a file's key values are made.
    enum Keys: CaseIterable {
        /// C00000001: customer by customer, then in random order.
        case clustered, shuffled
        /// Digits only with leading zeros (the CDNOW file's "00004").
        case zeroPadded
        /// Nine digits and more: digits before the last nine belong to the prefix.
        case long
        /// The width changes ("C7" then "C10"), the prefix changes, a value without digits: the shape breaks.
        case brokenWidth, brokenPrefix, brokenText
        /// Nulls among numbered values.
        case withNulls
        /// Few values spread over a huge range (the arrays would be too large: the interner takes them).
        case sparse
        /// A prefix that is not ASCII, and one longer than eight bytes.
        case unicodePrefix, longPrefix
    }

    static func key(_ keys: Keys, row: Int, rows: Int, _ r: inout Random) -> String {
        func padded(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
        }
        switch keys {
        case .clustered: return "C" + padded(row / 3, 8)
        case .shuffled: return "C" + padded(r.below(rows / 2 + 1), 8)
        case .zeroPadded: return padded(r.below(400), 5)
        case .long: return "12" + padded(r.below(rows) * 1_000, 10)
        case .brokenWidth: return "C" + String(r.below(row < rows / 2 ? 10 : 1_000))
        case .brokenPrefix: return (row > rows * 2 / 3 && r.below(5) == 0 ? "D" : "C") + padded(r.below(90), 3)
        case .brokenText: return row == rows - 7 ? "none" : "K" + padded(r.below(50), 2)
        case .withNulls: return r.below(9) == 0 ? "" : "X-" + padded(r.below(200), 4)
        case .sparse: return "S" + padded(r.below(999_999_999), 9)
        case .unicodePrefix: return "é" + padded(r.below(300), 3)
        case .longPrefix: return "CUSTOMER-NUMBER-" + padded(row / 2, 6)
        }
    }

    @Test(arguments: Keys.allCases)
    func textsAndFirstAppearanceOrder(keys: Keys) throws {
        var r = Random(state: UInt64(Keys.allCases.firstIndex(of: keys) ?? 0) &+ 77)
        let rows = 3_000
        let values = (0..<rows).map { Self.key(keys, row: $0, rows: rows, &r) }
        // A quoted line end now and then: a chunk's record bound then exceeds its rows, and the rows move up.
        var text = "order_id,customer_id,amount,note\n"
        for (i, value) in values.enumerated() {
            text += "\(i + 1),\(value),\(i % 97).25,\(i % 401 == 3 ? "\"two\nlines\"" : "one")\n"
        }
        var options = LoadOptions()
        options.delimiter = UInt8(ascii: ",")
        options.header = true
        for parts in [1, 2, 3, 7, 16] {
            for fast in [true, false] {
                for inPlace in [true, false] {
                    let loaded = try CSVLoader.parse(
                        text: text, path: "keys.csv", name: "orders", options: options, inPlace: inPlace,
                        chunking: ChunkPlan(parts: parts, minimumBytes: 0), fastRecords: fast)
                    let column = try #require(loaded.table.column("customer_id"))
                    guard case .text(let codes, let dictionary) = column.storage else {
                        Issue.record("\(keys): customer_id is not text")
                        return
                    }
                    let label = "\(keys) parts \(parts) fast \(fast) inPlace \(inPlace)"
                    #expect(Set(dictionary).count == dictionary.count, "\(label): a value twice in the dictionary")
                    var firstSeen: [String] = []
                    var seen: Set<String> = []
                    var wrong = 0
                    for (row, value) in values.enumerated() {
                        if value.isEmpty {
                            if !column.isNull(row) { wrong += 1 }
                            continue
                        }
                        if column.isNull(row) || dictionary[Int(codes[row])] != value { wrong += 1 }
                        if seen.insert(value).inserted { firstSeen.append(value) }
                    }
                    #expect(wrong == 0, "\(label): \(wrong) rows read back wrong")
                    let inOrder = dictionary.filter { !$0.isEmpty } == firstSeen
                    #expect(inOrder, "\(label): the dictionary is not in order of first appearance")
                }
            }
        }
    }

    /// Each chunk keeps numbers of its own shape: when they differ, the merge interns them all.
    @Test func chunksOfDifferentShapes() throws {
        var text = "customer_id,amount\n"
        let values = (0..<400).map { $0 < 200 ? "A" + String(1_000 + $0 % 50) : "BB" + String(100 + $0 % 70) }
        for value in values { text += "\(value),1.5\n" }
        for parts in [2, 4] {
            let loaded = try CSVLoader.parse(
                text: text, path: "k.csv", name: "k", options: LoadOptions(), inPlace: true,
                chunking: ChunkPlan(parts: parts, minimumBytes: 0))
            let column = try #require(loaded.table.column("customer_id"))
            guard case .text(let codes, let dictionary) = column.storage else {
                Issue.record("not text")
                return
            }
            #expect(values.indices.allSatisfy { dictionary[Int(codes[$0])] == values[$0] })
            #expect(dictionary.count == 120)
        }
    }

    static func written(_ shape: NumberedText, _ number: Int32) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: shape.length) { buffer, initialized in
            if let base = buffer.baseAddress { shape.write(Int64(number), to: base) }
            initialized = shape.length
        }
    }

    /// The eight-bytes-at-a-time reading agrees with the byte-by-byte one on every field, well formed or not.
    @Test func wordReadAgreesWithByteRead() {
        var r = Random(state: 5)
        let alphabet = Array("C0123456789-é/ ".utf8)
        for _ in 0..<20_000 {
            let length = 1 + r.below(14)
            let bytes = (0..<length).map { _ in alphabet[r.below(alphabet.count)] } + [UInt8](repeating: 0, count: 16)
            bytes.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                let f = Field(base: base, count: length)
                guard let shape = NumberedText(of: f) else {
                    #expect(f[length - 1] &- 48 > 9)
                    return
                }
                #expect(shape.length == length)
                let number = shape.number(f)
                #expect(number != nil)
                #expect(shape.number(f, readableEnd: base + buffer.count) == number)
                if let number { #expect(Self.written(shape, number) == Array(buffer[0..<length])) }
                // Another field of the same length: both readings agree, and a number gives back the same text.
                let other =
                    (0..<length).map { _ in alphabet[r.below(alphabet.count)] } + [UInt8](repeating: 0, count: 16)
                other.withUnsafeBufferPointer { o in
                    guard let ob = o.baseAddress else { return }
                    let g = Field(base: ob, count: length)
                    let slow = shape.number(g)
                    #expect(shape.number(g, readableEnd: ob + o.count) == slow)
                    if let slow { #expect(Self.written(shape, slow) == Array(o[0..<length])) }
                }
            }
        }
    }
}
