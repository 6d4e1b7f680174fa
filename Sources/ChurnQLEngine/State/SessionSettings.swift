import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLSyntax

/// `set lost_when = EXPR`: the condition, its text, and the source it was written in (for its diagnostics).
struct LostWhenRule: Equatable {
    var expression: Expression
    var source: SourceText
    var text: String

    /// The same text is the same condition; where it was written does not matter.
    static func == (a: LostWhenRule, b: LostWhenRule) -> Bool { a.text == b.text }
}

/// Every `set` setting of a session, as one value: derived tables are keyed by the parts they read.
public struct SessionSettings: Equatable {
    /// The analysis date when set; nil: the latest order date.
    public internal(set) var asofOverride: Int32?
    public internal(set) var churnWindow = 90
    public internal(set) var lostWindow = 365
    public internal(set) var newWindow = 30
    var lostWhen: LostWhenRule?

    /// The retention settings at an analysis date.
    func retention(asof: Int32) -> RetentionSettings {
        RetentionSettings(asof: asof, churnWindow: churnWindow, lostWindow: lostWindow, newWindow: newWindow)
    }
}
