/// What a function is, for the binder, completion, `.help` and docs/language.md: one value per function in
/// `FunctionCatalog`.
public struct FunctionSignature: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// One value per row.
        case scalar
        /// One value per group, inside `agg`.
        case aggregate
        /// One value per group of customer rows, read from each customer's order history.
        case retentionAggregate = "retention aggregate"
        /// One value per customer row, from the customer's order history (no fitted model needed).
        case customer
        /// One value per customer row, from a fitted model.
        case model
    }

    /// Engines that can run a function. Only the in-memory engine exists today; the SQL backends fill in the rest.
    public enum Backend: String, Sendable, CaseIterable {
        case memory, postgres, spark, duckdb, sqlite
    }

    /// The type of an argument or a result, as the docs name it.
    public enum ValueType: String, Sendable {
        case integer, decimal, number, text, date, boolean, duration, condition, any
        /// The result has the arguments' common type.
        case sameAsArguments = "same as arguments"
    }

    public struct Parameter: Sendable, Equatable {
        public enum Passing: Sendable, Equatable {
            /// `f(x)` only.
            case positional
            /// `f(30d)` or `f(period: 30d)`.
            case positionalOrNamed
            /// `f(margin: 0.3)` only.
            case named
        }
        public let name: String
        public let type: ValueType
        public let passing: Passing
        /// The value used when the argument is left out, as written in a query; nil when it is required.
        public let defaultValue: String?
        /// Whether the argument may be left out (a default, or an optional argument with no fixed default).
        public let isOptional: Bool

        public init(
            _ name: String, _ type: ValueType, _ passing: Passing = .positional, default defaultValue: String? = nil,
            optional: Bool = false
        ) {
            self.name = name
            self.type = type
            self.passing = passing
            self.defaultValue = defaultValue
            self.isOptional = optional || defaultValue != nil
        }

        var acceptsPosition: Bool { passing != .named }
        var acceptsName: Bool { passing != .positional }
    }

    public let name: String
    public let parameters: [Parameter]
    /// The last parameter repeats, up to this many arguments in all (`coalesce`).
    public let maxVariadicCount: Int?
    public let result: ValueType
    public let kind: Kind
    public let summary: String
    public let example: String
    public let backends: Set<Backend>

    public init(
        _ name: String, _ parameters: [Parameter], variadicUpTo maxVariadicCount: Int? = nil, result: ValueType,
        kind: Kind, summary: String, example: String, backends: Set<Backend> = [.memory]
    ) {
        self.name = name
        self.parameters = parameters
        self.maxVariadicCount = maxVariadicCount
        self.result = result
        self.kind = kind
        self.summary = summary
        self.example = example
        self.backends = backends
    }

    /// How the function is called: `round(x, [digits])`, `churn_rate([period], [method: "start"])`.
    public var usage: String {
        var parts: [String] = []
        for parameter in parameters {
            let written =
                parameter.passing == .named
                ? "\(parameter.name): \(parameter.defaultValue ?? "…")" : parameter.name
            parts.append(parameter.isOptional ? "[\(written)]" : written)
        }
        if maxVariadicCount != nil { parts.append("…") }
        return "\(name)(\(parts.joined(separator: ", ")))"
    }

    /// Each argument's type, how it is passed and its default: `digits integer = 0`.
    public var argumentSummary: String {
        parameters.map { parameter in
            var text = "\(parameter.name) \(parameter.type.rawValue)"
            if parameter.passing == .positionalOrNamed { text += " (or \(parameter.name): …)" }
            if parameter.passing == .named { text += " (by name)" }
            if let value = parameter.defaultValue { text += " = \(value)" }
            return text
        }.joined(separator: "; ")
    }
}
