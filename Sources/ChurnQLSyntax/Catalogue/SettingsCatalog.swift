/// One `set` setting: its name, the type of value it takes, its default and what it means.
public struct SettingDefinition: Sendable, Equatable {
    public let name: String
    public let type: String
    public let defaultValue: String
    public let summary: String
    public let example: String
}

/// Every setting of `set`, once: the engine's did-you-mean and `show settings`, completion, `.help settings` and
/// the settings table in docs/language.md come from it.
public enum SettingsCatalog {
    public static let all: [SettingDefinition] = [
        SettingDefinition(
            name: "asof", type: "date", defaultValue: "latest", summary: "analysis date (default: latest order date)",
            example: "set asof = 1998-06-30"),
        SettingDefinition(
            name: "churn_window", type: "duration", defaultValue: "90d",
            summary: "active while days_since_last ≤ this", example: "set churn_window = 60d"),
        SettingDefinition(
            name: "lost_window", type: "duration", defaultValue: "365d",
            summary: "lapsed while days_since_last ≤ this; lost beyond", example: "set lost_window = 180d"),
        SettingDefinition(
            name: "new_window", type: "duration", defaultValue: "30d", summary: "is_new while tenure_days ≤ this",
            example: "set new_window = 14d"),
        SettingDefinition(
            name: "lost_when", type: "condition", defaultValue: "none",
            summary: "a condition that also makes a customer lost, e.g. p_alive < 0.05",
            example: "set lost_when = p_alive < 0.05"),
    ]

    public static var names: [String] { all.map(\.name) }

    public static func find(_ name: String) -> SettingDefinition? { all.first { $0.name == name } }
}
