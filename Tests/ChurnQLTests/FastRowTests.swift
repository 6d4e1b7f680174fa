import CByteScan
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// The loader's fast record path (FastRecords) against the scanner's: random files whose values sit at the edges of
/// every parser load the same with the fast path on and off — same table (every value bit for bit), same notes,
/// same error.
struct FastRowTests {
    typealias Random = FuzzTests.Random

    /// A column of a generated file: its header name and how its values are made.
    enum Kind: CaseIterable {
        case integer, identifier, decimal, date, text, boolean, money, timestamp
    }

    static func digits(_ r: inout Random, _ count: Int) -> String {
        guard count > 0 else { return "" }
        var s = String(1 + r.below(9))
        for _ in 1..<count { s += String(r.below(10)) }
        return s
    }

    /// Values of the kind at the edges of its parsers.
    static func edges(_ kind: Kind, _ r: inout Random) -> [String] {
        switch kind {
        case .integer, .identifier:
            return [
                "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809", "007",
                "+5", "-0", "0", "00", "-12", "1e3", "12a", "1.0", "-", digits(&r, 18), digits(&r, 19), digits(&r, 16),
                digits(&r, 17), digits(&r, 9), digits(&r, 20), "99999999", "100000000", "0000000000000000001",
            ]
        case .decimal:
            return [
                "0.05", "5.", ".5", "-3.5", "+2.25", "1e3", "1.5E-2", "12345678.9", "0.1234567", "1234567.", "01",
                "123456789012345678.5", "00.5", "1.2.3", "3.14159265358979323846", "0", "0.0", "9.999999", "4.35",
                "0.1", "0.3", "1.7976931348623157e308", "1e400", "-0.0", "5e", "..", "1..2", "007", "0.",
                digits(&r, 7) + "." + digits(&r, 1), digits(&r, 15) + "." + digits(&r, 3), digits(&r, 8),
            ]
        case .date:
            return [
                "2023-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "2155-12-31", "2156-01-01", "1899-12-31",
                "0000-01-01", "0001-01-01", "9999-12-31", "2024-00-10", "2024-13-01", "2024-04-31", "2024-04-00",
                "2024-1-02", "2024/01/02", "2024-01-02 10:00:00", "2024-01-02T10:00:00Z", "20240102", "2024-01-0x",
            ]
        case .text: return ["\"a,b\"", "5\" screen", "\"say \"\"hi\"\"\"", "é", " ", "0", "x y", "\"\""]
        case .boolean: return ["TRUE", "No", "maybe", "1"]
        case .money: return ["12.50", "(5.00)", "$1,23.4", "-$3"]
        case .timestamp: return ["2024-01-02", "2024-01-02 25:00", "2024-01-02T10:00"]
        }
    }

    /// A value of the kind: an ordinary one, or one at an edge.
    static func value(_ kind: Kind, _ r: inout Random, edge: Bool) -> String {
        if edge { return r.pick(edges(kind, &r)) }
        switch kind {
        case .integer: return digits(&r, 1 + r.below(12))
        case .identifier: return digits(&r, 1 + r.below(9))
        case .decimal: return "\(digits(&r, 1 + r.below(5))).\(String(r.below(100)))"
        case .date:
            return String(format: "%04d-%02d-%02d", 1890 + r.below(300), 1 + r.below(12), 1 + r.below(31))
        case .text: return "C" + String(format: "%08d", r.below(50))
        case .boolean: return r.pick(["true", "false", "yes", "no"])
        case .money: return "$\(r.below(9)),\(100 + r.below(900)).50"
        case .timestamp:
            return String(
                format: "2024-%02d-%02d %02d:%02d:00", 1 + r.below(12), 1 + r.below(28), r.below(24), r.below(60))
        }
    }

    static func name(_ kind: Kind, _ i: Int) -> String {
        switch kind {
        case .identifier: return "order_id"
        case .text: return "customer_id"
        case .date: return "order_date"
        default: return "c\(i)_\(kind)"
        }
    }

    /// A file of random width and kinds; `rows` records, some null, blank, ragged, with CRLF or CR line ends.
    static func randomFile(_ r: inout Random, rows: Int) -> String {
        let kinds = (0..<(1 + r.below(6))).map { _ in r.pick(Kind.allCases) }
        let rare = 1 + r.below(4)  // how often the odd things happen, per 200 values
        var text = kinds.enumerated().map { name($1, $0) }.joined(separator: ",") + "\n"
        // In a long file, edge values only after the type guess's sample, so that the guess holds and the fast
        // parsers meet them; a column has a few kinds of edge only, so that a value both paths refuse (which
        // has the column read again) does not hide one that only one path takes.
        let edgesFrom = rows > 2100 ? 2100 : 0
        let ragged = r.below(3) == 0
        let edges = kinds.map { kind in (0..<(1 + r.below(3))).map { _ in value(kind, &r, edge: true) } }
        for row in 0..<rows {
            var fields = kinds.indices.map { column -> String in
                if r.below(200) < rare { return r.pick(["", "NA", "null", "N/A", "NULL", "na", "-"]) }
                if row >= edgesFrom && r.below(3) == 0 { return r.pick(edges[column]) }
                return value(kinds[column], &r, edge: false)
            }
            if ragged && r.below(400) < rare { fields.append("extra") }
            if ragged && r.below(400) < rare && fields.count > 1 { fields.removeLast() }
            text += fields.joined(separator: ",")
            if row == rows - 1 && r.below(3) == 0 { break }  // a last line without a line end
            text += r.below(100) < rare ? r.pick(["\r\n", "\n\n", "\r", "\r\n\r\n"]) : (rows % 2 == 0 ? "\n" : "\r\n")
        }
        return text
    }

    /// Everything a load gives: columns (name, type, identifier flag, every value, decimals as bits), notes; or
    /// the error.
    static func outcome(
        _ text: String, options: LoadOptions, plan: ChunkPlan, inPlace: Bool, fast: Bool
    ) -> String {
        do throws(Diagnostic) {
            let loaded = try CSVLoader.parse(
                text: text, path: "fast.csv", name: "fast", options: options, inPlace: inPlace, chunking: plan,
                fastRecords: fast)
            let table = loaded.table
            var out = "rows \(table.rowCount)\n"
            for column in table.columns {
                out += "\(column.name) \(column.type) \(column.isIdentifier):"
                for row in 0..<table.rowCount {
                    if column.isNull(row) {
                        out += " ∅"
                    } else if case .decimal(let d) = column.value(at: row) {
                        out += " d\(d.bitPattern)"
                    } else {
                        out += " \(column.value(at: row))"
                    }
                }
                out += "\n"
            }
            for note in loaded.notes { out += "note \(note.code) \(note.message) \(note.line)\n" }
            return out
        } catch {
            return "error \(error.code) \(error.message) \(error.line):\(error.column)"
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomFilesLoadTheSameWithAndWithoutTheFastPath(seed: UInt64) {
        var r = Random(state: seed)
        for round in 0..<12 {
            let text = Self.randomFile(&r, rows: round % 2 == 1 ? 2200 + r.below(2000) : 1 + r.below(300))
            var options = LoadOptions()
            options.skipBadRows = r.below(2) == 0
            if r.below(4) == 0 { options.nullTokens = ["-"] }
            let plan = ChunkPlan(parts: 1 + r.below(5), minimumBytes: 0)
            let inPlace = r.below(4) != 0
            let slow = Self.outcome(text, options: options, plan: plan, inPlace: inPlace, fast: false)
            let fast = Self.outcome(text, options: options, plan: plan, inPlace: inPlace, fast: true)
            #expect(fast == slow, "seed \(seed) round \(round): \(text.prefix(300).debugDescription)")
        }
    }

    /// Each edge value alone in a column the sample took for its kind (so that no other refused value has the
    /// column read again and hides a difference), mid-file and as the last value, with and without a line end.
    @Test(arguments: Kind.allCases)
    func eachEdgeValueLoadsTheSame(kind: Kind) {
        var r = Random(state: 5)
        for value in Self.edges(kind, &r) {
            var body = ""
            for _ in 0..<2100 { body += "\(r.below(9)),\(Self.value(kind, &r, edge: false))\n" }
            let head = "n,\(Self.name(kind, 1))\n\(body)7,\(value)"
            for text in [head + "\n1,\(Self.value(kind, &r, edge: false))\n", head + "\n", head] {
                let plan = ChunkPlan(parts: 1, minimumBytes: 0)
                let slow = Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: false)
                let fast = Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: true)
                #expect(fast == slow, "\(kind) \(value)")
            }
        }
    }

    /// An orders file like the benchmark's, with a record longer than an index block and records across block
    /// ends, loads as the scanner loads it.
    @Test func ordersFileWithALongRecordLoadsTheSame() {
        var r = Random(state: 99)
        var text = "order_id,customer_id,order_date,amount\n"
        for row in 1...8000 {
            let customer = row == 4000 ? String(repeating: "x", count: FastRecords.blockSize + 100) : "C\(r.below(500))"
            text += "\(row),\(customer),2021-\(String(format: "%02d-%02d", 1 + r.below(12), 1 + r.below(28))),"
            text += "\(r.below(500)).\(r.below(100))\n"
        }
        for parts in [1, 3] {
            let plan = ChunkPlan(parts: parts, minimumBytes: 0)
            let slow = Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: false)
            #expect(Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: true) == slow)
        }
    }

    /// Runs of nulls (which make the fast path pause) between runs of plain records, across chunk cuts.
    @Test func nullEveryOtherRowThenPlainRowsLoadTheSame() {
        var r = Random(state: 3)
        var text = "order_id,customer_id,amount,note\n"
        for row in 1...6000 {
            let note = (row / 1000) % 2 == 0 && row % (2 + row / 2000) == 0 ? "" : "n\(r.below(5))"
            text += "\(row),C\(r.below(300)),\(r.below(500)).\(r.below(100)),\(note)\n"
        }
        for parts in [1, 4] {
            let plan = ChunkPlan(parts: parts, minimumBytes: 0)
            let slow = Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: false)
            #expect(Self.outcome(text, options: LoadOptions(), plan: plan, inPlace: true, fast: true) == slow)
        }
    }

    /// The fast path really converts plain records (else the comparisons above would test nothing): all of a
    /// plain file's records, and none from a quote or a null on.
    @Test func fastPathTakesPlainRecordsAndStopsAtOthers() {
        let text = "1,C1,2021-07-24,54.64\n2,C2,2021-07-25,1.5\r\n3,\"C3\",2021-07-26,2\n4,C4,2021-07-27,3\n"
        let bytes = Array(text.utf8)
        let kinds: [ColumnKind] = [.integerID, .text, .date(.iso), .decimal]
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let accumulators = UnsafeMutableBufferPointer<ColumnAccumulator>.allocate(capacity: kinds.count)
            _ = accumulators.initialize(from: kinds.map { ColumnAccumulator(kind: $0, pattern: nil, capacity: 4) })
            defer {
                accumulators.deinitialize()
                accumulators.deallocate()
            }
            var scanner = CSVScanner(bytes: buffer, base: base, delimiter: 44)
            var fast = FastRecords(kinds: kinds, bytes: buffer, base: base, delimiter: 44, end: buffer.count)
            #expect(fast.convert(&scanner, into: accumulators, limit: 100) == 2)
            #expect(scanner.position == "1,C1,2021-07-24,54.64\n2,C2,2021-07-25,1.5\r\n".utf8.count)
            #expect(scanner.line == 3)
            #expect(accumulators[0].rowCount == 2)
            #expect(fast.convert(&scanner, into: accumulators, limit: 100) == 0)
        }
    }

    /// The field parsers give what FieldParsers gives, on values read eight bytes at a time (followed by other
    /// bytes, as in a file) and at the very end of the bytes.
    @Test func fastParsersAgreeWithFieldParsers() {
        var r = Random(state: 7)
        var values = [
            "0", "7", "00", "007", "+5", "-0", "-5", "12345678", "123456789", "1234567890123456", "12345678901234567",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "0.05", "5.", ".5", "00.5", "0.",
            "1.2.3", "12.3456", "1234567.", "9.999999", "99999999", "1e3", "1.5e", "2024-02-29", "2023-02-29",
            "1900-02-29", "2000-02-29", "2155-12-31", "2156-01-01", "1899-12-31", "2024-13-01", "2024-04-31",
            "2024/04/30", "2024-04-3x", "2024-0a-01", "", "-", ".", "a", "1.", "1-2", "12 3", "0x10",
        ]
        for _ in 0..<1000 {
            let kind = r.pick([Kind.integer, .decimal, .date])
            values.append(Self.value(kind, &r, edge: r.below(3) == 0))
            values.append(String(String(r.pick(values).shuffled(using: &r)).prefix(r.below(12))))
        }
        for text in values {
            for tail in ["", ",x\n", "\n99999999999999999"] {
                let bytes = Array((text + tail).utf8) + [0]
                bytes.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return }
                    let parsers = FastFieldParsers(readableEnd: base + buffer.count - 1)
                    let f = Field(base: base, count: text.utf8.count)
                    #expect(parsers.integer(f) == FieldParsers.integer(f), "\(text)")
                    #expect(parsers.identifier(f) == FieldParsers.canonicalInteger(f), "\(text)")
                    #expect(parsers.decimal(f)?.bitPattern == FieldParsers.decimal(f)?.bitPattern, "\(text)")
                    #expect(parsers.isoDate(f) == FieldParsers.isoDate(f), "\(text)")
                }
            }
        }
    }

    /// Every ISO date from 1899 to 2157 the table covers gives churnql_iso_day's day number.
    @Test func everyDateOfTheTableAgrees() {
        var bytes = Array("1899-01-01,".utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let parsers = FastFieldParsers(readableEnd: UnsafePointer(base + buffer.count))
            var checked = 0
            for year in 1899...2157 {
                for month in 0...13 {
                    for day in 0...32 {
                        for (i, c) in String(format: "%04d-%02d-%02d", year, month, day).utf8.enumerated() {
                            base[i] = c
                        }
                        let f = Field(base: UnsafePointer(base), count: 10)
                        #expect(parsers.isoDate(f) == FieldParsers.isoDate(f))
                        checked += FieldParsers.isoDate(f) == nil ? 0 : 1
                    }
                }
            }
            #expect(checked == 259 * 365 + 63)  // leap days of 1904…2156 bar 2100
        }
    }

    /// The structural index (AVX2 where the machine has it, SSE2, and byte by byte) finds every delimiter, LF,
    /// CR and quote, in order.
    @Test(arguments: [",", ";", "\t", "\""])
    func structuralIndexFindsEverySpecialByte(delimiter: String) {
        var r = Random(state: 11)
        let d = UInt8(ascii: Unicode.Scalar(delimiter) ?? ",")
        for _ in 0..<300 {
            let count = r.below(700)
            let bytes = (0..<count).map { _ in r.below(3) == 0 ? r.pick([d, 10, 13, 34, 0, 255]) : UInt8(r.below(256)) }
            let expected = bytes.indices.filter { [d, 10, 13, 34].contains(bytes[$0]) }.map(UInt32.init)
            for index in [churnql_structural_index, churnql_structural_index_sse2, churnql_structural_index_plain] {
                var out = [UInt32](repeating: 0, count: count + 64)
                let found = bytes.withUnsafeBufferPointer { input in
                    out.withUnsafeMutableBufferPointer { index(input.baseAddress, count, d, $0.baseAddress) }
                }
                #expect(Array(out.prefix(found)) == expected)
            }
        }
    }
}
