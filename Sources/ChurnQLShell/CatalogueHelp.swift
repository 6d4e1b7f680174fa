import ChurnQLSyntax

/// `.help functions` and `.help settings`, printed from the catalogues the evaluator and `set` use.
enum CatalogueHelp {
    static var functions: String {
        var text = ""
        for kind in FunctionSignature.Kind.allCases {
            let members = FunctionCatalog.all.filter { $0.kind == kind }
            guard !members.isEmpty else { continue }
            text += "\(heading(kind)):\n"
            for function in members {
                text += "  \(function.usage) → \(function.result.rawValue)\n      \(function.summary)\n"
            }
        }
        return text + "Arguments in [ ] may be left out; name: arguments are passed by name.\n"
    }

    static var settings: String {
        SettingsCatalog.all.map { setting in
            "  \(setting.name) (\(setting.type), default \(setting.defaultValue)): \(setting.summary)\n      \(setting.example)\n"
        }.joined()
    }

    static func heading(_ kind: FunctionSignature.Kind) -> String {
        switch kind {
        case .scalar: return "Scalar functions (per row)"
        case .aggregate: return "Aggregates (inside agg)"
        case .retentionAggregate: return "Retention aggregates (inside agg, over customer rows)"
        case .customer: return "Per customer row"
        case .model: return "Predictions (per customer row, after a fit)"
        }
    }
}
