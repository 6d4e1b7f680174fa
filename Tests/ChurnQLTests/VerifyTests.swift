import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// `verify`: the built-in CDNOW sample, the comparison of published and computed figures, and a session left as
/// it was.
struct VerifyTests {
    static let examplePath = "examples/cdnow/orders.csv"
    static let encodedPath = "Sources/ChurnQLEngine/Verify/CDNOWSample+Orders.swift"

    /// The compiled-in sample is the example file byte for byte. CHURNQL_RECORD=1 regenerates it from the file.
    @Test func builtInSampleIsTheExampleFile() throws {
        let csv = try String(contentsOf: GoldenTests.root.appendingPathComponent(Self.examplePath), encoding: .utf8)
        let tokens = try #require(CDNOWSample.encode(csv), "the example file has a shape the encoding cannot hold")
        #expect(CDNOWSample.decode(tokens.joined(separator: " ")) == csv)
        if ProcessInfo.processInfo.environment["CHURNQL_RECORD"] != nil {
            try Self.sourceFile(tokens).write(
                to: GoldenTests.root.appendingPathComponent(Self.encodedPath), atomically: true, encoding: .utf8)
            Issue.record("recorded \(Self.encodedPath); unset CHURNQL_RECORD and review the diff")
            return
        }
        #expect(CDNOWSample.csv == csv, "\(Self.encodedPath) is not \(Self.examplePath): record it again")
    }

    /// The generated Swift file: tokens in lines of at most 110 characters.
    static func sourceFile(_ tokens: [String]) -> String {
        var lines: [String] = []
        var line = ""
        for token in tokens {
            if !line.isEmpty && line.count + 1 + token.count > 110 {
                lines.append(line)
                line = token
            } else {
                line += line.isEmpty ? token : " " + token
            }
        }
        lines.append(line)
        return """
            // Generated from examples/cdnow/orders.csv by `CHURNQL_RECORD=1 swift test --filter VerifyTests`; do not edit.

            extension CDNOWSample {
                /// Each customer id followed by its orders as `day,cds,amount` (days since 1997-01-01), in file order.
                static let encoded = \"\"\"

            """ + lines.map { "        " + $0 + "\n" }.joined() + "        \"\"\"\n}\n"
    }

    /// Rows that break the encoding's assumptions are refused, not encoded wrongly.
    @Test(arguments: [
        "customer_id,order_date,cds,amount\n1,1997-01-01,1,2\n2,1997-01-01,1,2\n1,1997-01-02,1,2\n",  // split customer
        "customer_id,order_date,cds,amount\n1,1997-13-01,1,2\n",  // not a date
        "customer_id,order_date,cds,amount\n1,1997-01-01,1\n",  // three fields
        "id,order_date,cds,amount\n1,1997-01-01,1,2\n",  // another header
        "customer_id,order_date,cds,amount\n,1997-01-01,1,2\n",  // empty customer
    ])
    func encodingRefusesWhatItCannotHold(_ csv: String) {
        #expect(CDNOWSample.encode(csv) == nil)
    }

    /// Half a unit of the last published digit; counts exact; NaN and missing values never hold.
    @Test(
        arguments: [
            ("0.2426", 0.24264, true), ("0.2426", 0.24266, false), ("0.2426", 0.24255, true),
            ("0.2426", 0.24254, false),
            ("-9582.43", -9582.429207, true), ("-9582.43", -9582.436, false), ("946", 946, true), ("946", 947, false),
            ("946", 946.4, false), ("6.25", .nan, false), ("6.25", .infinity, false),
        ] as [(String, Double, Bool)])
    func tolerance(_ published: String, _ computed: Double, _ holds: Bool) {
        let figure = PublishedFigure(key: "k", source: "s", name: "n", text: published)
        #expect(figure.holds(computed) == holds)
        #expect(!figure.holds(nil))
    }

    @Test func toleranceIsWrittenAsHalfTheLastDigit() {
        let texts = ["0.2426", "-9595.0", "946", "15.44"].map {
            PublishedFigure(key: "k", source: "s", name: "n", text: $0).toleranceText
        }
        #expect(texts == ["0.00005", "0.05", "exact", "0.005"])
    }

    /// Every published figure holds on the sample, and one wrong published value (injected) is the one that fails.
    @Test func aWrongPublishedValueIsCaught() throws {
        let computed = try Engine().computeSampleFigures()
        let lines = PublishedFigures.compare(PublishedFigures.all, computed: computed)
        #expect(lines.count == PublishedFigures.all.count)
        for line in lines { #expect(line.holds, "\(line.figure.source) \(line.figure.name): \(line.computed ?? .nan)") }
        for wrong in ["bgnbd.r", "gg.gamma", "pnbd.se.beta", "customer.alive", "from orders | count"] {
            let injected = PublishedFigures.all.map { figure -> PublishedFigure in
                guard figure.key == wrong else { return figure }
                var off = figure
                // One more unit in the last digit: just outside half a unit.
                let unit = figure.tolerance == 0 ? 1 : 2 * figure.tolerance
                off.text = String(figure.value + unit)
                return off
            }
            let failing = PublishedFigures.compare(injected, computed: computed).filter { !$0.holds }
            #expect(failing.map(\.figure.key) == [wrong])
        }
    }

    /// verify answers with nothing loaded and leaves a session's data, settings and models as they were.
    @Test func verifyLeavesTheSessionAsItWas() throws {
        let empty = Engine()
        _ = try MetricsTests.run(empty, "verify")
        #expect(empty.catalog.names.isEmpty)

        let engine = Engine()
        _ = try engine.loadFile(path: GoldenTests.root.appendingPathComponent("examples/shop/orders.csv").path)
        _ = try MetricsTests.run(engine, "set asof = 2024-06-30; fit bgnbd until 2024-03-31")
        let before = (engine.catalog.names, engine.currentAsof, engine.dataVersion, engine.predictive?.transactionFit)
        let result = try engine.execute(Self.statement("verify"), source: SourceText(name: nil, text: "verify"))
        guard case .report(let parts, let notes, _) = result else {
            Issue.record("verify did not report: \(result)")
            return
        }
        #expect(parts.first?.table.rowCount == PublishedFigures.all.count)
        #expect(notes == ["all \(PublishedFigures.all.count) figures agree with the published values"])
        #expect(engine.catalog.names == before.0)
        #expect(engine.currentAsof == before.1)
        #expect(engine.dataVersion == before.2)
        #expect(engine.predictive?.calibrationEnd == Dates.dayNumber(year: 2024, month: 3, day: 31))
        #expect(engine.predictive?.transactionFit.logLikelihood == before.3?.logLikelihood)
    }

    static func statement(_ text: String) throws -> StatementNode {
        try #require(Parser.parse(SourceText(name: nil, text: text)).statements.first)
    }
}
