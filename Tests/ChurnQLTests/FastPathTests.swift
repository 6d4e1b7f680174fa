import CByteScan
import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLEngine
@testable import ChurnQLLoad
@testable import ChurnQLMetrics

/// The fast paths must give the same answers as the plain definitions they replace.
struct FastPathTests {
    static func sampleData(customers: Int, seed: UInt64) -> CalibrationData {
        var random = FuzzTests.Random(state: seed)
        var data = CalibrationData(x: [], tx: [], T: [], monetary: [])
        for _ in 0..<customers {
            let T = Double(random.below(60) + 1)
            let x = Double(random.below(4))
            data.x.append(x)
            data.tx.append(x == 0 ? 0 : Double(random.below(Int(T))))
            data.T.append(T)
            data.monetary.append(x == 0 ? 0 : Double(random.below(9000) + 100) / 100)
        }
        return data
    }

    @Test func compressedTriplesKeepEveryCustomer() {
        let data = Self.sampleData(customers: 5000, seed: 7)
        let triples = CompressedTriples(data)
        #expect(triples.weight.reduce(0, +) == 5000)
        #expect(triples.count < 5000)
        // Every customer's triple appears, with the number of customers that share it.
        var expected: [[Double]: Double] = [:]
        for i in 0..<data.count { expected[[data.x[i], data.tx[i], data.T[i]], default: 0] += 1 }
        let (tx, T) = (triples.tx, triples.T)
        var actual: [[Double]: Double] = [:]
        for j in 0..<triples.count { actual[[triples.x[j], tx[j], T[j]]] = triples.weight[j] }
        #expect(actual == expected)
    }

    /// Triples built from whole days (the path for data from order dates) equal those built from the numbers.
    @Test(arguments: [1.0, 7.0])
    func triplesFromDaysMatchTriplesFromNumbers(unitDays: Double) {
        var data = Self.sampleData(customers: 5000, seed: 19)
        data.days = CalibrationDays(
            x: data.x.map { Int32($0) }, tx: data.tx.map { Int32($0) }, T: data.T.map { Int32($0) }, unitDays: unitDays)
        for key in [\CalibrationData.tx, \.T] { data[keyPath: key] = data[keyPath: key].map { $0 / unitDays } }
        func counts(_ triples: CompressedTriples) -> [[Double]: Double] {
            let (tx, T) = (triples.tx, triples.T)
            var result: [[Double]: Double] = [:]
            for j in 0..<triples.count { result[[triples.x[j], tx[j], T[j]], default: 0] += triples.weight[j] }
            return result
        }
        let fromDays = CompressedTriples(data)
        var numbersOnly = data
        numbersOnly.days = nil
        #expect(fromDays.txValues.count > 1)
        #expect(counts(fromDays) == counts(CompressedTriples(numbersOnly)))
    }

    /// Records split a word at a time equal records read byte by byte, on random text made of CSV's special pieces
    /// (quotes, escaped quotes, CR, LF, CRLF, delimiters) and ordinary fields.
    @Test(arguments: [",", ";", "\t"])
    func wordAtATimeScanningMatchesByteByByte(delimiter: String) {
        var random = FuzzTests.Random(state: 23)
        let pieces = FuzzTests.csvPieces + [Array("plain-field".utf8), Array("1997-01-01".utf8), Array("-".utf8)]
        for _ in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<random.below(120) { bytes += random.pick(pieces) }
            guard !bytes.isEmpty else { continue }
            func scan(_ wordAtATime: Bool) -> [String] {
                bytes.withUnsafeBufferPointer { buffer in
                    guard let base = buffer.baseAddress else { return [] }
                    var scanner = CSVScanner(
                        bytes: buffer, base: base, delimiter: UInt8(ascii: Unicode.Scalar(delimiter)!))
                    scanner.wordAtATime = wordAtATime
                    var records: [String] = []
                    do {
                        while try scanner.next() {
                            let fields = (0..<scanner.fieldCount).map { i in scanner.withField(i) { $0.string } }
                            records.append("\(scanner.recordLine)/\(scanner.line)@\(scanner.position): \(fields)")
                        }
                    } catch {
                        records.append("error \(error)")
                    }
                    return records
                }
            }
            #expect(scan(true) == scan(false), "input: \(String(decoding: bytes, as: UTF8.self).debugDescription)")
        }
    }

    static func withField<R>(_ text: String, _ body: (Field) -> R) -> R {
        var bytes = Array(text.utf8)
        bytes.append(0)  // a base address even for the empty field
        return bytes.withUnsafeBufferPointer { body(Field(base: $0.baseAddress!, count: $0.count - 1)) }
    }

    @Test(
        arguments: [
            ("0", 0), ("7", 7), ("123456789012345678", 123_456_789_012_345_678), ("-42", -42), ("+5", 5),
            ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min), ("9223372036854775808", nil),
            ("007", nil), ("12a", nil), ("", nil), ("-", nil), ("1.0", nil),
        ] as [(String, Int64?)])
    func integerFields(text: String, expected: Int64?) {
        #expect(Self.withField(text) { FieldParsers.integer($0) } == expected)
    }

    @Test(
        arguments: [
            ("0", 0.0), ("169.82", 169.82), ("0.05", 0.05), ("5.", 5.0), (".5", 0.5), ("-3.5", -3.5), ("+2.25", 2.25),
            ("123456789012345", 123_456_789_012_345.0), ("1e3", 1000.0), ("007", nil), ("00.5", nil), ("1.2.3", nil),
            ("12a", nil), ("", nil), (".", nil),
        ] as [(String, Double?)])
    func decimalFields(text: String, expected: Double?) {
        #expect(Self.withField(text) { FieldParsers.decimal($0) } == expected)
    }

    /// Digits with an optional dot parse to the correctly rounded double, as Swift's own parser gives.
    @Test func decimalsMatchSwiftsParser() {
        var random = FuzzTests.Random(state: 29)
        for _ in 0..<20_000 {
            var text = String(random.below(9) + 1)
            for _ in 0..<random.below(16) { text += String(random.below(10)) }
            if random.below(3) > 0 {
                let dot = random.below(text.count + 1)
                text.insert(".", at: text.index(text.startIndex, offsetBy: dot))
            }
            guard !text.hasPrefix("."), let reference = Double(text) else { continue }
            #expect(Self.withField(text) { FieldParsers.decimal($0) } == reference, "\(text)")
        }
    }

    /// Central differences of the log-likelihood against the analytic gradient.
    static func numericalGradient(_ f: ([Double]) -> Double, at p: [Double]) -> [Double] {
        p.indices.map { i in
            let h = 1e-6 * p[i]
            var up = p
            var down = p
            up[i] += h
            down[i] -= h
            return (f(up) - f(down)) / (2 * h)
        }
    }

    @Test(arguments: [false, true])
    func bgnbdGradientMatchesDifferences(modified: Bool) {
        let data = Self.sampleData(customers: 3000, seed: 11)
        let likelihood = BGNBD.Likelihood(CompressedTriples(data), modified: modified)
        let point = [0.4, 3.5, 0.8, 2.6]
        let (_, gradient) = likelihood.evaluate(point)
        let numeric = Self.numericalGradient({ likelihood.evaluate($0).0 }, at: point)
        for (a, n) in zip(gradient, numeric) { #expect(abs(a - n) <= 1e-5 * Swift.max(1, abs(n))) }
    }

    /// Central differences of the analytic gradient against the analytic Hessian, entry by entry.
    static func expectHessianMatchesGradient(
        _ hessian: [[Double]], _ gradient: ([Double]) -> [Double], at point: [Double]
    ) {
        let numeric = Optimizer.hessian(gradient: gradient, at: point)
        for i in point.indices {
            for j in point.indices {
                #expect(
                    abs(hessian[i][j] - numeric[i][j]) <= 1e-5 * Swift.max(1, abs(numeric[i][j])),
                    "entry (\(i), \(j)): analytic \(hessian[i][j]), differences \(numeric[i][j])")
            }
        }
    }

    @Test(arguments: [false, true])
    func bgnbdHessianMatchesDifferencesOfTheGradient(modified: Bool) {
        let data = Self.sampleData(customers: 3000, seed: 13)
        let likelihood = BGNBD.Likelihood(CompressedTriples(data), modified: modified)
        let point = [0.4, 3.5, 0.8, 2.6]
        Self.expectHessianMatchesGradient(likelihood.hessian(point), { likelihood.evaluate($0).1 }, at: point)
    }

    @Test func gammaGammaHessianMatchesDifferencesOfTheGradient() {
        let data = Self.sampleData(customers: 3000, seed: 17)
        let pairs = zip(data.x, data.monetary).filter { $0.0 > 0 }
        let likelihood = GammaGamma.Likelihood(x: pairs.map(\.0), m: pairs.map(\.1))
        let point = [2.1, 3.4, 12.0]
        Self.expectHessianMatchesGradient(likelihood.hessian(point), { likelihood.evaluate($0).1 }, at: point)
    }

    /// ψ₁(1) = π²/6, ψ₁(1/2) = π²/2 (Abramowitz & Stegun 6.4.2, 6.4.4) and the recurrence ψ₁(x+1) = ψ₁(x) − 1/x².
    @Test func trigammaMatchesKnownValues() {
        #expect(abs(SpecialFunctions.trigamma(1) - Double.pi * Double.pi / 6) < 1e-12)
        #expect(abs(SpecialFunctions.trigamma(0.5) - Double.pi * Double.pi / 2) < 1e-12)
        for x in [0.01, 0.3, 2.5, 7.0, 40.0] {
            let step = SpecialFunctions.trigamma(x) - 1 / (x * x)
            #expect(abs(SpecialFunctions.trigamma(x + 1) - step) < 1e-12 * Swift.max(1, abs(step)))
        }
    }

    /// The compressed likelihood equals the customer-by-customer formula of Fader, Hardie & Lee (2005), eq. 6.
    @Test func bgnbdValueMatchesTheDirectFormula() {
        let data = Self.sampleData(customers: 2000, seed: 5)
        let (r, alpha, a, b) = (0.4, 3.5, 0.8, 2.6)
        var direct = 0.0
        for i in 0..<data.count {
            let (x, tx, T) = (data.x[i], data.tx[i], data.T[i])
            let beta = { (u: Double, v: Double) in lgamma(u) + lgamma(v) - lgamma(u + v) }
            let common = lgamma(r + x) - lgamma(r) + r * log(alpha) + beta(a, b + x) - beta(a, b)
            var likelihood = exp(common - (r + x) * log(alpha + T))
            if x > 0 {
                likelihood += exp(
                    lgamma(r + x) - lgamma(r) + r * log(alpha) + beta(a + 1, b + x - 1) - beta(a, b) - (r + x)
                        * log(alpha + tx))
            }
            direct += log(likelihood)
        }
        let compressed = BGNBD.Likelihood(CompressedTriples(data), modified: false).evaluate([r, alpha, a, b]).0
        #expect(abs(compressed - direct) < 1e-8 * abs(direct))
    }

    /// Large data get a warm start from a sample; the optimum must be the one found without it.
    @Test func warmStartFromASampleReachesTheSameOptimum() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        let likelihood = BGNBD.Likelihood(CompressedTriples(data), modified: false)
        let sample = try #require(likelihood.sample(step: 4))
        let names = ["r", "alpha", "a", "b"]
        let direct = try MaximumLikelihood.fit(
            model: "BG/NBD", names: names, customers: data.count, starts: [[1, 1, 1, 1]],
            objective: likelihood.evaluate)
        let warm = try MaximumLikelihood.fit(
            model: "BG/NBD", names: names, customers: data.count, starts: [[1, 1, 1, 1]],
            objective: likelihood.evaluate, warmStart: sample.evaluate)
        #expect(direct.converged && warm.converged)
        for name in names { #expect(abs(direct.value(name) - warm.value(name)) < 1e-5 * direct.value(name)) }
        #expect(abs(direct.logLikelihood - warm.logLikelihood) < 1e-6 * abs(direct.logLikelihood))
    }

    @Test func gammaGammaSumsMatchThePerCustomerFormula() {
        let data = Self.sampleData(customers: 3000, seed: 3)
        let pairs = zip(data.x, data.monetary).filter { $0.0 > 0 }
        let likelihood = GammaGamma.Likelihood(x: pairs.map(\.0), m: pairs.map(\.1))
        let point = [2.1, 3.4, 12.0]
        let (value, gradient) = likelihood.evaluate(point)
        let direct = pairs.reduce(0) { $0 + GammaGamma.logLikelihood(point, x: $1.0, m: $1.1) }
        #expect(abs(value - direct) < 1e-9 * abs(direct))
        let numeric = Self.numericalGradient({ likelihood.evaluate($0).0 }, at: point)
        for (a, n) in zip(gradient, numeric) { #expect(abs(a - n) <= 1e-5 * Swift.max(1, abs(n))) }
    }

    /// A file grouped by customer shares its columns with the history; any other order is scattered. Both must
    /// give the same per-customer histories.
    @Test(arguments: [1, 1_000_000])
    func groupedAndShuffledOrdersGiveTheSameHistory(splitFrom: Int) throws {
        var random = FuzzTests.Random(state: 42)
        var rows: [(String, String, String)] = []
        for customer in 0..<300 {
            var day = random.below(100)
            for _ in 0..<(random.below(5) + 1) {
                day += random.below(40)
                let date = Dates.format(Dates.dayNumber(year: 2023, month: 1, day: 1) + Int32(day))
                rows.append((String(format: "C%04d", customer), date, "\(random.below(500)).25"))
            }
        }
        // Rows that are left out (no date, dated after asof) go only into the shuffled file, so that the grouped
        // one keeps its columns in place and is a reference made without the scatter.
        var leftOut: [(String, String, String)] = []
        for customer in stride(from: 0, to: 300, by: 7) {
            leftOut.append((String(format: "C%04d", customer), "", "1.5"))
        }
        for customer in stride(from: 0, to: 300, by: 11) {
            leftOut.append((String(format: "C%04d", customer), "2031-01-01", "2.5"))
        }
        func history(_ rows: [(String, String, String)]) throws -> OrderHistory {
            let text = "customer_id,order_date,amount\n" + rows.map { "\($0.0),\($0.1),\($0.2)\n" }.joined()
            let table = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders").table
            return OrderHistory.build(
                customer: try #require(table.column("customer_id")), date: try #require(table.column("order_date")),
                amount: table.column("amount"), asof: Dates.dayNumber(year: 2030, month: 1, day: 1),
                splitFrom: splitFrom)
        }
        var shuffled = rows + leftOut
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, random.below(i + 1)) }
        let grouped = try history(rows)
        let scattered = try history(shuffled)
        #expect(scattered.missingDate == 43 && scattered.afterAsof == 28)
        #expect(grouped.offsets == scattered.offsets)
        #expect(grouped.days == scattered.days)
        #expect(
            (0..<grouped.customerCount).map { grouped.keys.value(at: $0) }
                == (0..<scattered.customerCount).map { scattered.keys.value(at: $0) })
        // Amounts per customer as multisets (orders on one day may come in either order).
        for c in 0..<grouped.customerCount {
            let range = grouped.offsets[c]..<grouped.offsets[c + 1]
            #expect(grouped.amounts[range].sorted() == scattered.amounts[range].sorted())
        }
    }

    /// Large enough that pages behind the scanner are released while loading: the table must not change.
    @Test func loadingABigFileFromDiskMatchesParsingItInMemory() throws {
        var text = "order_id,customer_id,order_date,amount\n"
        var random = FuzzTests.Random(state: 9)
        for row in 0..<200_000 {
            text +=
                "\(row),K\(random.below(20_000)),2024-0\(random.below(9) + 1)-1\(random.below(9)),\(random.below(99_999))\n"
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("orders.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let fromDisk = try CSVLoader.load(path: path, name: "orders").table
        let inMemory = try CSVLoader.parse(text: text, path: path, name: "orders").table
        #expect(fromDisk.rowCount == 200_000)
        for name in inMemory.columnNames {
            let a = try #require(fromDisk.column(name))
            let b = try #require(inMemory.column(name))
            #expect((0..<a.count).allSatisfy { a.value(at: $0) == b.value(at: $0) })
        }
    }

    /// yyyy-MM-dd dates are read by arithmetic on their bytes; checked against the calendar rules written out
    /// with Swift's own number parsing, on every day of years around the edge cases (leap centuries, year 1,
    /// year 9999) and on random ten-byte strings of digits, dashes and other bytes.
    @Test func isoDatesMatchTheCalendar() {
        func reference(_ text: String) -> Int32? {
            let bytes = Array(text.utf8)
            guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45,
                bytes.allSatisfy({ $0 == 45 || (48...57).contains($0) })
            else { return nil }
            let part = { (range: Range<Int>) in Int(String(decoding: bytes[range], as: UTF8.self)) }
            guard let year = part(0..<4), let month = part(5..<7), let day = part(8..<10),
                Dates.isValid(year: year, month: month, day: day)
            else { return nil }
            return Dates.dayNumber(year: year, month: month, day: day)
        }
        func parsed(_ text: String) -> Int32? {
            let bytes = Array(text.utf8)
            return bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress.flatMap { FieldParsers.isoDate(Field(base: $0, count: buffer.count)) }
            }
        }
        var texts: [String] = []
        for year in [0, 1, 2, 3, 4, 1899, 1900, 1970, 1999, 2000, 2024, 2100, 2400, 9998, 9999] {
            for month in 0...13 {
                for day in 0...32 {
                    texts.append(String(format: "%04d-%02d-%02d", year, month, day))
                }
            }
        }
        var random = FuzzTests.Random(state: 11)
        let alphabet = Array("0123456789-0123456789/: aT".utf8)
        for _ in 0..<20000 {
            var bytes = Array(texts[random.below(texts.count)].utf8)
            for _ in 0...random.below(2) { bytes[random.below(10)] = alphabet[random.below(alphabet.count)] }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        let mismatches = texts.filter { parsed($0) != reference($0) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(texts.filter { reference($0) != nil }.count > 5000)
        #expect(parsed("1970-01-01") == 0)
        #expect(parsed("2000-03-01") == 11017)
        #expect(parsed("2100-02-29") == nil)
        #expect(parsed("2000-02-29") == 11016)
    }

    /// The in-place load sizes each chunk's share of the columns by this bound: LFs, CRs not followed by an LF,
    /// and one more for an unfinished last line. Checked against that definition, byte by byte, on random text long
    /// enough to cross the sixteen-byte blocks and the counter's flush every 127 blocks. The same pass reports a
    /// NUL byte anywhere (the load then says the file is binary without reading it again) and a quote anywhere
    /// (the file is then cut into chunks again, minding quoted line ends).
    @Test func recordBoundCountsLineEnds() {
        var random = FuzzTests.Random(state: 17)
        let alphabet: [UInt8] = [97, 10, 13, 34, 44, 13, 10]
        var sawNul = 0
        for _ in 0..<300 {
            var bytes = (0..<random.below(6000)).map { _ in alphabet[random.below(alphabet.count)] }
            if !bytes.isEmpty && random.below(3) == 0 { bytes[random.below(bytes.count)] = 0 }
            var expected = 0
            for (i, byte) in bytes.enumerated() {
                if byte == 10 || (byte == 13 && (i + 1 == bytes.count || bytes[i + 1] != 10)) { expected += 1 }
            }
            if let last = bytes.last, last != 10, last != 13 { expected += 1 }
            var seen: Int32 = 0
            let bound = bytes.withUnsafeBufferPointer { churnql_record_bound($0.baseAddress, $0.count, &seen) }
            #expect(bound == expected)
            #expect((seen & 1 != 0) == bytes.contains(0))
            #expect((seen & 2 != 0) == bytes.contains(34))
            sawNul += Int(seen & 1)
        }
        #expect(sawNul > 50)
    }

    /// Text lookups wait a few fields so that their table probes overlap. Runs of one value, values repeated
    /// while others wait, nulls and quoted values with escaped quotes (which cannot wait) in between must all
    /// keep their own value, in their own row, with one dictionary entry per distinct value.
    @Test func textLookupsThatWaitKeepEveryValue() throws {
        var random = FuzzTests.Random(state: 31)
        let pool = (0..<400).map { "name\($0)" } + ["", "NA", "say \"\"hi\"\"", "a,b"]
        var expected: [Value] = []
        var lines = ["row,name"]
        while expected.count < 60_000 {
            let pick = random.below(pool.count)
            for _ in 0..<(random.below(4) == 0 ? random.below(12) + 1 : 1) {
                let raw = pool[pick]
                let quoted = raw.contains("\"") || raw.contains(",")
                lines.append("\(expected.count),\(quoted ? "\"\(raw)\"" : raw)")
                let value = raw.replacingOccurrences(of: "\"\"", with: "\"")
                expected.append(raw.isEmpty || raw == "NA" ? .null : .text(value))
            }
        }
        let table = try CSVLoader.parse(text: lines.joined(separator: "\n"), path: "t.csv", name: "t").table
        let names = try #require(table.column("name"))
        #expect(table.rowCount == expected.count)
        let mismatched = (0..<expected.count).filter { names.value(at: $0) != expected[$0] }
        #expect(mismatched.count == 0, "first rows that differ: \(mismatched.prefix(5))")
        if case .text(_, let dictionary) = names.storage {
            #expect(Set(dictionary).count == dictionary.count)
        } else {
            Issue.record("name is not a text column")
        }
    }

    /// Chunks' dictionaries are merged by hash partition on all cores. The merged dictionary must list every
    /// distinct value once, in order of first appearance in the file (what one dictionary for the whole file
    /// would give), and every row must keep its value: values only in late chunks, values in many chunks.
    @Test func mergedDictionaryKeepsFirstAppearanceOrder() throws {
        var random = FuzzTests.Random(state: 41)
        let rows = 220_000
        var lines = ["row,name,padding"]
        var values: [String] = []
        for row in 0..<rows {
            // Early rows draw from a small pool, later ones from a growing one.
            let value = "v\(random.below(row < rows / 3 ? 500 : 20_000 + row / 4))"
            values.append(value)
            lines.append("\(row),\(value),abcdefghij")
        }
        let text = lines.joined(separator: "\n")
        #expect(text.utf8.count > 4 << 20)
        let table = try CSVLoader.parse(text: text, path: "t.csv", name: "t").table
        let names = try #require(table.column("name"))
        guard case .text(let codes, let dictionary) = names.storage else {
            Issue.record("name is not a text column")
            return
        }
        var seen = Set<String>()
        let firstAppearance = values.filter { seen.insert($0).inserted }
        #expect(firstAppearance.count > 50_000)
        let firstDifference = zip(dictionary, firstAppearance).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(dictionary.count == firstAppearance.count)
        #expect(firstDifference == nil, "dictionary and first appearance differ at \(firstDifference?.offset ?? -1)")
        let wrong = (0..<rows).filter { dictionary[Int(codes[$0])] != values[$0] }
        #expect(wrong.count == 0, "first wrong rows: \(wrong.prefix(5))")
    }

    /// Newton steps solve with a Cholesky factor, which also tells a positive definite Hessian from one that is
    /// not (the step would not lead to a minimum). Hand-checked systems.
    @Test func choleskySolvesOnlyPositiveDefiniteSystems() throws {
        // [[4, 2], [2, 3]] x = [2, 1] has x = [0.5, 0].
        let x = try #require(SmallMatrix.solvePositiveDefinite([[4, 2], [2, 3]], [2, 1]))
        #expect(abs(x[0] - 0.5) < 1e-12 && abs(x[1]) < 1e-12)
        // diag(1, 2, 4) x = [1, 1, 1] has x = [1, 0.5, 0.25].
        let d = try #require(SmallMatrix.solvePositiveDefinite([[1, 0, 0], [0, 2, 0], [0, 0, 4]], [1, 1, 1]))
        #expect(zip(d, [1, 0.5, 0.25]).allSatisfy { abs($0 - $1) < 1e-12 })
        // Indefinite (eigenvalues 3 and −1) and singular matrices have no factor.
        #expect(SmallMatrix.solvePositiveDefinite([[1, 2], [2, 1]], [1, 1]) == nil)
        #expect(SmallMatrix.solvePositiveDefinite([[1, 1], [1, 1]], [1, 1]) == nil)
    }

    /// On large data the BG/NBD fit warms up on a sample, then takes Newton steps with the analytic Hessian on
    /// all customers. It must reach the optimum that BFGS alone reaches, with the same standard errors. The
    /// customers are simulated from the model itself (r 0.6, α 3, a 1.2, b 4), T from 20 to 200 weeks.
    @Test(arguments: [120_000, 210_000])
    func newtonStepsReachTheBFGSOptimum(customers: Int) throws {
        var random = Sampler(seed: 3)
        func uniform() -> Double { random.uniform() }
        func gamma(_ shape: Double) -> Double { random.gamma(shape) }
        var data = CalibrationData(x: [], tx: [], T: [])
        for _ in 0..<customers {
            let T = 20 + 180 * uniform()
            let rate = gamma(0.6) / 3
            let dropout = gamma(1.2) / (gamma(1.2) + gamma(4))
            var (t, x, tx) = (0.0, 0.0, 0.0)
            while true {
                t += -log(uniform()) / rate
                if t > T { break }
                (x, tx) = (x + 1, t)
                if uniform() < dropout { break }
            }
            data.x.append(x)
            data.tx.append(tx)
            data.T.append(T)
        }
        // Both sizes warm up on a sample: every fourth triple, and about 50,000 of them.
        #expect(MaximumLikelihood.warmStartStep(CompressedTriples(data).count) == max(4, customers / 50_000))
        let (newton, newtonFit) = try BGNBD.fit(data)
        let (bfgs, bfgsFit) = try BGNBD.fit(data, newton: false)
        #expect(newtonFit.converged && bfgsFit.converged)
        // The Newton steps ran: they need fewer iterations than BFGS from the same warm start.
        #expect(newtonFit.iterations < bfgsFit.iterations)
        for (a, b) in [(newton.r, bfgs.r), (newton.alpha, bfgs.alpha), (newton.a, bfgs.a), (newton.b, bfgs.b)] {
            #expect(abs(a - b) <= 1e-5 * abs(b))
        }
        #expect(abs(newtonFit.logLikelihood - bfgsFit.logLikelihood) <= 1e-9 * abs(bfgsFit.logLikelihood))
        for (p, q) in zip(newtonFit.parameters, bfgsFit.parameters) {
            #expect(abs((p.standardError ?? 0) - (q.standardError ?? 1)) <= 1e-3 * (q.standardError ?? 1))
        }
        // The simulated purchase rate's parameters are recovered (a and b, the dropout's, are looser).
        #expect(abs(newton.r - 0.6) < 0.05 && abs(newton.alpha - 3) < 0.3, "r \(newton.r), α \(newton.alpha)")
    }

    /// Uniform and gamma draws for simulating customers from a model.
    struct Sampler {
        var random: FuzzTests.Random
        init(seed: UInt64) { random = FuzzTests.Random(state: seed) }
        mutating func uniform() -> Double { (Double(random.next() >> 11) + 0.5) / 9_007_199_254_740_992 }
        /// Marsaglia and Tsang's method; a shape below 1 is raised by one and scaled back.
        mutating func gamma(_ shape: Double) -> Double {
            if shape < 1 { return gamma(shape + 1) * pow(uniform(), 1 / shape) }
            let d = shape - 1.0 / 3
            let c = 1 / sqrt(9 * d)
            while true {
                let z = sqrt(-2 * log(uniform())) * cos(2 * Double.pi * uniform())
                let v = pow(1 + c * z, 3)
                if v > 0 && log(uniform()) < z * z / 2 + d - d * v + d * log(v) { return d * v }
            }
        }
    }

    /// Gamma-Gamma on 100,000 repeat customers or more also warms up on a sample and then takes Newton steps;
    /// it must reach BFGS's optimum and standard errors. Spend is simulated from the model (p 6, q 4, γ 15).
    @Test(arguments: [120_000, 220_000])
    func gammaGammaNewtonStepsReachTheBFGSOptimum(customers: Int) throws {
        var random = Sampler(seed: 5)
        var frequency: [Double] = []
        var monetary: [Double] = []
        for _ in 0..<customers {
            let x = 1 + Double(random.random.below(8))
            let nu = random.gamma(4) / 15
            var total = 0.0
            for _ in 0..<Int(x) { total += random.gamma(6) / nu }
            frequency.append(x)
            monetary.append(total / x)
        }
        let (newton, newtonFit) = try GammaGamma.fit(frequency: frequency, monetary: monetary)
        let (bfgs, bfgsFit) = try GammaGamma.fit(frequency: frequency, monetary: monetary, newton: false)
        #expect(newtonFit.converged && bfgsFit.converged)
        #expect(newtonFit.iterations < bfgsFit.iterations)
        for (a, b) in [(newton.p, bfgs.p), (newton.q, bfgs.q), (newton.gamma, bfgs.gamma)] {
            #expect(abs(a - b) <= 1e-5 * abs(b))
        }
        #expect(abs(newtonFit.logLikelihood - bfgsFit.logLikelihood) <= 1e-9 * abs(bfgsFit.logLikelihood))
        for (p, q) in zip(newtonFit.parameters, bfgsFit.parameters) {
            #expect(abs((p.standardError ?? 0) - (q.standardError ?? 1)) <= 1e-3 * (q.standardError ?? 1))
        }
        #expect(abs(newton.p - 6) < 0.3 && abs(newton.q - 4) < 0.3, "p \(newton.p), q \(newton.q)")
    }

    /// Chunks that hold fewer records than line ends (quoted line ends, blank lines, CR LF) leave gaps in the
    /// columns that the in-place load closes. It must give every row, in file order, as the usual path does.
    @Test func inPlaceLoadMatchesTheUsualPath() throws {
        let rows = 130_000
        let notes = ["plain", "\"a, b\"", "\"two\nlines\"", "\"cr\r\nlf\"", ""]
        var random = FuzzTests.Random(state: 23)
        var lines = ["order_id,customer_id,order_date,amount,note"]
        for row in 0..<rows {
            lines.append(
                "\(row),K\(random.below(3000)),2024-0\(random.below(9) + 1)-1\(random.below(9)),\(random.below(9999)).5,"
                    + notes[row % notes.count])
            if row % 997 == 0 { lines.append("") }
        }
        let text = lines.joined(separator: "\r\n") + "\r\n"
        #expect(text.utf8.count > 4 << 20)
        let inPlace = try CSVLoader.parse(text: text, path: "orders.csv", name: "orders").table
        let usual = try CSVLoader.parse(
            text: text, path: "orders.csv", name: "orders", options: LoadOptions(), inPlace: false
        ).table
        #expect(inPlace.rowCount == rows)
        #expect(usual.rowCount == rows)
        let ids = try #require(inPlace.column("order_id"))
        #expect((0..<rows).allSatisfy { ids.value(at: $0) == .integer(Int64($0)) })
        for name in inPlace.columnNames {
            let a = try #require(inPlace.column(name))
            let b = try #require(usual.column(name))
            #expect(a.type == b.type)
            #expect((0..<rows).allSatisfy { a.value(at: $0) == b.value(at: $0) })
        }
    }

    /// `sort … | take n` selects with a heap; it must give the first n rows of the full stable sort, with ties,
    /// nulls last and text keys compared as strings.
    @Test(arguments: [1, 7, 50])
    func topRowsArePrefixOfTheFullSort(limit: Int) {
        var random = FuzzTests.Random(state: UInt64(limit))
        let rows = 1000
        let words = ["pear", "apple", "Äpfel", "fig", "", "apples", "zebra"]
        let score = Column(
            name: "score", storage: .integer((0..<rows).map { _ in Int64(random.below(20)) }),
            nulls: (0..<rows).map { _ in random.below(10) == 0 })
        let name = Column(
            name: "name",
            storage: .text(codes: (0..<rows).map { _ in Int32(random.below(words.count)) }, dictionary: words))
        for descending in [[true, false], [false, true], [false, false]] {
            let full = Sorting.permutation([score, name], descending: descending)
            let top = Sorting.permutation([score, name], descending: descending, limit: limit)
            #expect(top == Array(full.prefix(limit)))
            let byName = Sorting.permutation([name], descending: [descending[0]], limit: limit)
            #expect(byName == Array(Sorting.permutation([name], descending: [descending[0]]).prefix(limit)))
        }
    }

    /// Ctrl-C during a fit: the optimiser stops at its next iteration and the fit fails as interrupted.
    @Test func cancelledFitStopsWithInterrupted() throws {
        let (data, _) = try PredictiveModelTests.cdnow()
        let progress = FitProgress(cancelled: { true })
        let outcome: Result<ModelFit, ModelError> = FitProgress.$current.withValue(progress) {
            do throws(ModelError) {
                return .success(try BGNBD.fit(data).1)
            } catch {
                return .failure(error)
            }
        }
        guard case .failure(let error) = outcome else {
            Issue.record("a cancelled fit must not succeed")
            return
        }
        #expect(error.message == "interrupted")
        #expect(progress.iterations >= 1)
        // Without a monitor the same fit runs to the end.
        #expect(try BGNBD.fit(data).1.converged)
    }

    /// Ranks follow UTF-8 byte order, equal strings share a rank, and a dictionary already in order (the fast
    /// path) ranks the same as the general sort would.
    @Test func textRanksFollowByteOrder() {
        let words = ["b", "a", "abcdefghijklmnopq", "abcdefghijklmnopr", "b", "", "Z", "é", "abcdefghijklmnop"]
        let ranks = ValueOrdering.textRanks(words)
        for i in words.indices {
            for j in words.indices {
                let byteOrder = words[i].utf8.lexicographicallyPrecedes(words[j].utf8)
                #expect((ranks[i] < ranks[j]) == byteOrder)
                #expect((ranks[i] == ranks[j]) == (words[i] == words[j]))
            }
        }
        let sorted = Array(Set(words)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(ValueOrdering.textRanks(sorted) == (0..<Int32(sorted.count)).map { $0 })
    }

    /// Large dictionaries are ranked by a radix sort of their first sixteen bytes, then runs that share them by a
    /// comparison; the ranks must match a plain sort by UTF-8 bytes: ids that differ in few bytes, long values
    /// with a shared prefix, repeats, empty and non-ASCII strings.
    @Test func largeDictionariesRankLikeAPlainSort() {
        var random = FuzzTests.Random(state: 5)
        var words: [String] = []
        for _ in 0..<60_000 {
            switch random.below(5) {
            case 0: words.append("C\(100_000 + random.below(900_000))")
            case 1: words.append("customer-000000\(random.below(100_000))")
            case 2: words.append(String(repeating: "é", count: random.below(12)))
            case 3:
                words.append(
                    String((0..<random.below(20)).map { _ in Character(UnicodeScalar(UInt8(32 + random.below(95)))) }))
            default: words.append(words.isEmpty ? "" : words[random.below(words.count)])
            }
        }
        let ranks = ValueOrdering.textRanks(words)
        let order = words.indices.sorted { words[$0].utf8.lexicographicallyPrecedes(words[$1].utf8) }
        var expected = [Int32](repeating: 0, count: words.count)
        for k in order.indices.dropFirst() {
            expected[order[k]] = expected[order[k - 1]] + (words[order[k]] == words[order[k - 1]] ? 0 : 1)
        }
        let wrong = words.indices.filter { ranks[$0] != expected[$0] }
        #expect(wrong.count == 0, "first wrong ranks: \(wrong.prefix(5).map { words[$0] })")
    }

    /// Integer keys group through a slot table when their range is small, by hashing otherwise (a range that
    /// overflows Int64 included); both number groups by first appearance.
    @Test(arguments: [[2023, 2021, 2023, 2022, 2021], [Int64.max, Int64.min, Int64.max, 0, Int64.min]])
    func integerGroupsByFirstAppearance(values: [Int64]) {
        let groups = GroupIndex.build(keys: [Column(name: "k", storage: .integer(values))], rows: values.count)
        var expected: [Int64: Int32] = [:]
        let ids = values.map { value in
            if let id = expected[value] { return id }
            expected[value] = Int32(expected.count)
            return Int32(expected.count - 1)
        }
        #expect(groups.groupOf == ids)
        #expect(groups.count == Set(values).count)
    }
}
