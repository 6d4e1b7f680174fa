import ChurnQLMetrics
import ChurnQLSyntax
import Foundation

/// Renders the catalogues as the Markdown tables that docs/language.md and docs/metrics.md carry between
/// `<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->`, and reads those sections back.
enum CatalogueDocs {
    static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }

    static var functionTables: String {
        var text = ""
        for kind in FunctionSignature.Kind.allCases {
            let members = FunctionCatalog.all.filter { $0.kind == kind }
            guard !members.isEmpty else { continue }
            text += "\n**\(kind.rawValue)**\n\n| function | arguments | result | backends | description |\n|---|---|---|---|---|\n"
            for function in members {
                let backends = FunctionSignature.Backend.allCases.filter(function.backends.contains).map(\.rawValue)
                text +=
                    "| `\(cell(function.usage))` | \(cell(function.argumentSummary)) | \(function.result.rawValue) | \(backends.joined(separator: ", ")) | \(cell(function.summary)) |\n"
            }
        }
        return text + "\n"
    }

    static var settingsTable: String {
        var text = "\n| setting | type | default | description | example |\n|---|---|---|---|---|\n"
        for setting in SettingsCatalog.all {
            text +=
                "| \(setting.name) | \(setting.type) | `\(setting.defaultValue)` | \(cell(setting.summary)) | `\(cell(setting.example))` |\n"
        }
        return text + "\n"
    }

    static var metricTable: String {
        var text = "\n| metric | summary | definition | formula |\n|---|---|---|---|\n"
        for metric in MetricCatalog.all {
            text +=
                "| \(metric.name) | \(cell(metric.summary)) | \(cell(metric.definition)) | \(cell(metric.formula)) |\n"
        }
        return text + "\n"
    }

    static func markers(_ name: String) -> (begin: String, end: String) {
        ("<!-- BEGIN generated: \(name) -->\n", "<!-- END generated: \(name) -->")
    }

    /// The text between a section's markers, nil when they are missing.
    static func section(_ name: String, in document: String) -> String? {
        let (begin, end) = markers(name)
        guard let start = document.range(of: begin), let stop = document.range(of: end, range: start.upperBound..<document.endIndex)
        else { return nil }
        return String(document[start.upperBound..<stop.lowerBound])
    }

    /// The document with a section's contents replaced (for CHURNQL_RECORD=1).
    static func replacing(_ name: String, with contents: String, in document: String) -> String? {
        let (begin, end) = markers(name)
        guard let start = document.range(of: begin), let stop = document.range(of: end, range: start.upperBound..<document.endIndex)
        else { return nil }
        return document.replacingCharacters(in: start.upperBound..<stop.lowerBound, with: contents)
    }
}
