import ChurnQLStore
import Testing

/// Sort ranks of large dictionaries (ValueOrdering.textRanks, whose keys of one prefix and width are ranked from
/// their numbers) against the plain definition: the distinct strings sorted by their UTF-8 bytes.
struct NumberedRankTests {
    typealias Random = FuzzTests.Random

    static func plainRanks(_ strings: [String]) -> [Int32] {
        let sorted = Array(Set(strings)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var rank: [String: Int32] = [:]
        for (i, s) in sorted.enumerated() { rank[s] = Int32(i) }
        return strings.map { rank[$0] ?? -1 }
    }

    static func padded(_ n: Int, _ width: Int) -> String {
        let digits = String(n)
        return String(repeating: "0", count: Swift.max(0, width - digits.count)) + digits
    }

    @Test(arguments: 0..<8)
    func ranksAreByteOrder(shape: Int) {
        var r = Random(state: UInt64(shape) &+ 11)
        let count = 60_000 + r.below(150_000)
        let strings: [String] = (0..<count).map { i in
            switch shape {
            case 0: return "C" + Self.padded(r.below(count * 3), 8)  // shuffled ids
            case 1: return Self.padded(r.below(count), 7)  // digits only, leading zeros
            case 2: return "é-" + Self.padded(r.below(count * 2), 6)  // a prefix beyond ASCII
            case 3: return "K" + Self.padded(r.below(count), 6) + (i == count / 2 ? "x" : "")  // one of another shape
            case 4: return "C" + Self.padded(r.below(count), i % 1000 == 0 ? 7 : 8)  // widths differ
            case 5: return "S" + Self.padded(r.below(999_999_999), 12)  // spread too thin for the array
            case 6: return "ABCDEFGHIJKLMNOPQRS" + Self.padded(r.below(count / 3), 6)  // repeats, a long prefix
            default: return Self.padded(r.below(count), 20)  // more digits than a number holds
            }
        }
        let ranks = ValueOrdering.textRanks(strings)
        let expected = Self.plainRanks(strings)
        let wrong = zip(ranks, expected).filter { $0 != $1 }.count
        #expect(ranks.count == expected.count && wrong == 0, "shape \(shape): \(wrong) of \(count) ranks differ")
    }
}
