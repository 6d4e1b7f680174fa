import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Testing

@testable import ChurnQLEngine

/// The join against its plain definition: every left row with every right row whose keys have the same text
/// (nulls match nothing), in left then right row order; a left join keeps unmatched left rows.
struct JoinTests {
    static func textColumn(
        _ name: String, _ values: [String?], dictionary extra: [String], _ random: inout FuzzTests.Random
    )
        -> Column
    {
        // A dictionary with unused entries and repeated texts, as hand-built columns may have.
        var dictionary = extra
        var codes: [Int32] = []
        for value in values {
            let text = value ?? ""
            let existing = dictionary.indices.filter { Array(dictionary[$0].utf8) == Array(text.utf8) }
            if let code = existing.isEmpty ? nil : existing[random.below(existing.count)] {
                codes.append(Int32(code))
            } else {
                dictionary.append(text)
                codes.append(Int32(dictionary.count - 1))
            }
        }
        return Column(
            name: name, storage: .text(codes: codes, dictionary: dictionary), nulls: values.map { $0 == nil })
    }

    @Test("text keys join as the nested loop says", arguments: [1, 2, 3, 4, 5] as [UInt64])
    func textKeys(seed: UInt64) throws {
        var random = FuzzTests.Random(state: seed)
        let keys = ["a", "b", "c", "é", "e\u{301}", "42", "042", ""]
        func values(_ n: Int) -> [String?] { (0..<n).map { _ in random.below(6) == 0 ? nil : random.pick(keys) } }
        let leftValues = values(40)
        let rightValues = values(30)
        let left = Table(
            name: "l",
            columns: [
                Self.textColumn("k", leftValues, dictionary: ["zz", "a"], &random),
                Column(name: "i", storage: .integer((0..<40).map(Int64.init))),
            ])
        let right = Table(
            name: "r",
            columns: [
                Self.textColumn("k", rightValues, dictionary: ["b", "b", "q"], &random),
                Column(name: "j", storage: .integer((0..<30).map(Int64.init))),
            ])
        let context = CompileContext(
            table: left, source: SourceText(name: nil, text: ""), asof: nil, parameters: [:])
        for kind in [JoinKind.inner, .left] {
            let joined = try Join.run(
                left: left, right: right, on: ["k"], kind: kind, span: .none, context: context, limit: 1_000_000)
            var expected: [[Value]] = []
            for (i, l) in leftValues.enumerated() {
                var matched = false
                for (j, r) in rightValues.enumerated() {
                    guard let l, let r, Array(l.utf8) == Array(r.utf8) else { continue }
                    expected.append([.text(l), .integer(Int64(i)), .integer(Int64(j))])
                    matched = true
                }
                if !matched && kind == .left {
                    expected.append([l.map(Value.text) ?? .null, .integer(Int64(i)), .null])
                }
            }
            let actual = (0..<joined.rowCount).map { row in joined.columns.map { $0.value(at: row) } }
            #expect(actual == expected, "\(kind)")
        }
    }
}
