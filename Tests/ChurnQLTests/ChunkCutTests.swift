import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// Chunk cuts never change what a file loads as: random files with long multi-line quoted fields (and quotes inside
/// unquoted fields, escaped quotes, CRLF, blank lines, ragged rows) load the same, or fail with the same error, under
/// random chunk plans as in one chunk.
struct ChunkCutTests {
    /// A quoted field of `lines` lines, some of them CRLF, blank or holding escaped quotes and delimiters.
    static func multiLineField(_ generator: inout FuzzTests.Random, lines: Int) -> String {
        var field = "\""
        for k in 0..<lines {
            field += generator.pick(["x", "", "a,b", "say \"\"hi\"\"", "é", "\"\"", "1997-01-01"])
            if k < lines - 1 { field += generator.pick(["\n", "\r\n", "\n\n"]) }
        }
        return field + "\""
    }

    static func randomFile(_ generator: inout FuzzTests.Random, ragged: Bool) -> String {
        var text = "id,order_date,amount,note\n"
        let rows = 50 + generator.below(400)
        for row in 0..<rows {
            let note: String
            switch generator.below(12) {
            case 0: note = multiLineField(&generator, lines: 1 + generator.below(300))
            case 1: note = "5\" screen"  // a quote inside an unquoted field is text
            case 2: note = "\"quoted, with a delimiter\""
            default: note = "plain"
            }
            let date = "2024-0\(1 + generator.below(9))-1\(generator.below(10))"
            text += "\(row),\(date),\(generator.below(1000)).\(generator.below(100)),\(note)"
            if ragged && generator.below(200) == 0 { text += ",extra" }
            text += generator.pick(["\n", "\r\n", "\n\n"])
        }
        return text
    }

    /// The table's cells, or the error's code and place.
    static func outcome(_ text: String, plan: ChunkPlan, inPlace: Bool) -> String {
        do throws(Diagnostic) {
            let loaded = try CSVLoader.parse(
                text: text, path: "cut.csv", name: "cut", options: LoadOptions(), inPlace: inPlace, chunking: plan)
            return "\(loaded.table.columnNames) \(CSVTextPathTests.cells(loaded.table))"
        } catch {
            return "\(error.code) \(error.line):\(error.column)"
        }
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomCutsLoadLikeOneChunk(seed: UInt64) {
        var generator = FuzzTests.Random(state: seed)
        let single = ChunkPlan(parts: 1, minimumBytes: 0)
        for round in 0..<6 {
            let text = Self.randomFile(&generator, ragged: round % 3 == 2)
            for inPlace in [true, false] {
                let expected = Self.outcome(text, plan: single, inPlace: inPlace)
                for _ in 0..<3 {
                    let plan = ChunkPlan(parts: 2 + generator.below(60), minimumBytes: 0)
                    let got = Self.outcome(text, plan: plan, inPlace: inPlace)
                    #expect(got == expected, "seed \(seed) round \(round) parts \(plan.parts) inPlace \(inPlace)")
                }
            }
        }
    }

    /// The issue's case: one 12 MB quoted field of 3,000,000 lines after 1,000 ordinary rows spans every cut (it was
    /// "unterminated quoted field"), loaded from a file the way the shell loads it.
    @Test func hugeQuotedFieldAcrossEveryCut() throws {
        var text = "customer_id,order_date,amount,note\n"
        for i in 0..<1000 { text += "c\(i % 50),2020-01-\(10 + i % 18),\(i % 100).5,plain\n" }
        let lines = 3_000_000
        text += "c1,2020-02-01,3.5,\"" + String(repeating: "abc\n", count: lines - 1) + "end\"\n"
        let url = try KeyColumnTests.temporaryFile("huge_field.csv", text)
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let loaded = try CSVLoader.load(path: url.path, name: "orders")
        #expect(loaded.table.rowCount == 1001)
        let note = try #require(loaded.table.column("note"))
        guard case .text(let value) = note.value(at: 1000) else {
            Issue.record("the long field is not text")
            return
        }
        #expect(value.utf8.count == (lines - 1) * 4 + 3)
        // The same bytes cut into many more chunks.
        let many = ChunkPlan(parts: 37, minimumBytes: 0)
        let parsed = try CSVLoader.parse(
            text: text, path: "huge_field.csv", name: "orders", options: LoadOptions(), inPlace: true, chunking: many)
        #expect(CSVTextPathTests.cells(parsed.table) == CSVTextPathTests.cells(loaded.table))
    }

    /// Cuts land only after the line end that ends a record: a cut target inside a quoted field moves past it, and
    /// one inside an unquoted field holding a quote does not wait for a closing quote that never comes.
    @Test func cutsFollowTheScanner() {
        let text = "a,b\n1,\"x\ny\nz\"\n2,5\" tv\n3,\"p\nq\"\n4,w\n"
        let bytes = Array(text.utf8)
        let cuts = bytes.withUnsafeBufferPointer { buffer in
            ChunkSplitter.split(
                buffer, from: 4, delimiter: UInt8(ascii: ","), plan: ChunkPlan(parts: bytes.count, minimumBytes: 0)
            ).map(\.lowerBound)
        }
        // Where the one-pass scanner starts its records.
        let starts = bytes.withUnsafeBufferPointer { buffer -> [Int] in
            guard let base = buffer.baseAddress else { return [] }
            var scanner = CSVScanner(bytes: buffer, base: base, delimiter: UInt8(ascii: ","), start: 4)
            var starts: [Int] = []
            var position = 4
            while (try? scanner.next()) == true {
                starts.append(position)
                position = scanner.position
            }
            return starts
        }
        #expect(Set(cuts) == Set(starts))
    }
}
