import Testing

@testable import ChurnQLLoad

/// The chunks' text dictionaries merged (with their lookup tables dropped first, as the loader does) against one
/// dictionary numbered by first appearance over the whole column, worked out here with a Swift dictionary.
struct DictionaryMergeTests {
    static func intern(_ value: String, into interner: inout TextInterner) -> Int32 {
        let bytes = Array(value.utf8)
        return bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return interner.intern(Field(base: base, count: buffer.count))
        }
    }

    @Test(arguments: [1, 2, 5])
    func mergedAsOneDictionary(chunks: Int) {
        var random = FuzzTests.Random(state: UInt64(chunks) * 31)
        // Enough distinct values for the merge's hash partitions (50,000 and more), many repeated across chunks.
        let values = (0..<90_000).map { _ in "v\(random.below(40_000))" + (random.below(9) == 0 ? "é" : "") }
        var interners = [TextInterner](repeating: TextInterner(), count: chunks)
        var codes = [[Int32]](repeating: [], count: chunks)
        for (row, value) in values.enumerated() {
            let k = row * chunks / values.count
            codes[k].append(Self.intern(value, into: &interners[k]))
        }
        for k in interners.indices { interners[k].dropLookupTable() }
        let (dictionary, remaps) = DictionaryMerge.merge(interners)
        var expected: [String] = []
        var seen: Set<String> = []
        for value in values where seen.insert(value).inserted { expected.append(value) }
        #expect(dictionary == expected)
        var row = 0
        for k in 0..<chunks {
            for code in codes[k] {
                let mergedCode = remaps[k].map { $0[Int(code)] } ?? code
                #expect(dictionary[Int(mergedCode)] == values[row])
                row += 1
            }
        }
        #expect(row == values.count)
    }

    /// After its table is dropped an interner still finds the values it holds and adds new ones.
    @Test func internsAfterTheTableIsDropped() {
        var interner = TextInterner()
        let first = (0..<5_000).map { Self.intern("k\($0 % 3_000)", into: &interner) }
        interner.dropLookupTable()
        let again = (0..<5_000).map { Self.intern("k\($0 % 3_000)", into: &interner) }
        #expect(again == first)
        let fresh = Self.intern("new", into: &interner)
        #expect(fresh == 3_000)
        #expect(interner.count == 3_001)
    }
}
