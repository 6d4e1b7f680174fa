import ChurnQLMetrics
import ChurnQLSyntax
import Foundation
import Testing

/// docs/language.md and docs/metrics.md carry the catalogues' tables verbatim: a function, setting or metric
/// changed in the code and not in the docs (or the other way round) fails here. CHURNQL_RECORD=1 rewrites the
/// generated sections (the run then fails on purpose; review the diff).
@Suite(.serialized) struct CatalogueDocsTests {
    static func document(_ path: String) throws -> String {
        try String(contentsOf: GoldenTests.root.appendingPathComponent(path), encoding: .utf8)
    }

    @Test(
        "generated doc sections match the catalogues",
        arguments: [
            ("docs/language.md", "functions"), ("docs/language.md", "settings"), ("docs/metrics.md", "metrics"),
        ])
    func sectionMatchesCatalogue(_ path: String, _ name: String) throws {
        let expected =
            switch name {
            case "functions": CatalogueDocs.functionTables
            case "settings": CatalogueDocs.settingsTable
            default: CatalogueDocs.metricTable
            }
        let document = try Self.document(path)
        if ProcessInfo.processInfo.environment["CHURNQL_RECORD"] != nil {
            let updated = try #require(CatalogueDocs.replacing(name, with: expected, in: document), "\(path) markers")
            try updated.write(to: GoldenTests.root.appendingPathComponent(path), atomically: true, encoding: .utf8)
            Issue.record("recorded \(path) section \(name); unset CHURNQL_RECORD and review the diff")
            return
        }
        let actual = try #require(CatalogueDocs.section(name, in: document), "\(path) lacks the \(name) markers")
        #expect(actual == expected, "\(path): the \(name) section differs from the catalogue")
    }

    /// Every call written in the docs (`name(` inside backquotes) names a catalogue function.
    @Test(arguments: ["docs/language.md", "docs/metrics.md"])
    func everyDocumentedCallIsInTheCatalogue(_ path: String) throws {
        let document = try Self.document(path)
        let spans = document.split(separator: "`", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map(\.element)
        var called = Set<String>()
        for span in spans {
            let characters = Array(span)
            for (i, character) in characters.enumerated() where character == "(" {
                var start = i
                while start > 0, characters[start - 1].isLetter || characters[start - 1] == "_" { start -= 1 }
                if start < i { called.insert(String(characters[start..<i]).lowercased()) }
            }
        }
        #expect(!called.isEmpty)
        let unknown = called.subtracting(FunctionCatalog.names)
        #expect(unknown.isEmpty, "documented but not in FunctionCatalog: \(unknown.sorted())")
    }

    /// Every metric of the catalogue is also explained in the hand-written part of docs/metrics.md.
    @Test func everyMetricIsExplainedOutsideTheGeneratedTable() throws {
        let document = try Self.document("docs/metrics.md")
        let (begin, _) = CatalogueDocs.markers("metrics")
        let prose = try #require(document.components(separatedBy: begin).first)
        for metric in MetricCatalog.all {
            #expect(prose.contains(metric.name), "docs/metrics.md does not explain \(metric.name)")
        }
    }

    /// The tables list each function once, so a doc section cannot hide a duplicate name.
    @Test func catalogueNamesAreUnique() {
        #expect(Set(FunctionCatalog.names).count == FunctionCatalog.all.count)
        #expect(Set(SettingsCatalog.names).count == SettingsCatalog.all.count)
        #expect(Set(MetricCatalog.all.map(\.name)).count == MetricCatalog.all.count)
    }
}
