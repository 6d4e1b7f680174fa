import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// `explain METRIC`: the definition and formula from the metric catalogue, then a worked example on the data.
struct MetricExplainer {
    let engine: Engine

    func explain(_ name: String, span: SourceSpan, source: SourceText) throws(Diagnostic) -> String {
        guard let metric = MetricCatalog.find(name) else {
            let names = MetricCatalog.all.map(\.name)
            throw Diagnostic(
                code: "unknown-metric", message: "no metric called '\(name)'", span: span, in: source,
                hint: Suggestions.closest(to: name, in: names).map { "did you mean '\($0)'?" }
                    ?? "metrics: \(names.joined(separator: ", "))")
        }
        var text =
            "\(metric.name) — \(metric.summary)\n\ndefinition:\n  \(metric.definition)\nformula:\n  \(metric.formula)\n"
        let settings = Engine.settingNames.filter { $0 != "lost_when" || engine.lostWhen != nil }
        text +=
            "settings in use:\n  " + settings.map { "\($0) = \(engine.settingValue($0))" }.joined(separator: ", ")
            + "\n"
        if let profile = try? engine.profile() {
            text +=
                "\nworked example on the loaded data:\n" + MetricCatalog.workedExample(metric.name, profile: profile)
        } else {
            text += "\n(load an orders file to see a worked example on your data)\n"
        }
        return text
    }
}
