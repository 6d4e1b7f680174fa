/// The windows that define customer status, all in days, and the analysis date.
public struct RetentionSettings: Sendable, Equatable {
    /// The analysis date as a day number; orders after it are ignored.
    public var asof: Int32
    /// A customer is `active` while days_since_last ≤ churnWindow.
    public var churnWindow: Int
    /// `lapsed` while days_since_last ≤ lostWindow, `lost` beyond.
    public var lostWindow: Int
    /// `is_new` while tenure_days ≤ newWindow.
    public var newWindow: Int

    public init(asof: Int32, churnWindow: Int = 90, lostWindow: Int = 365, newWindow: Int = 30) {
        self.asof = asof
        self.churnWindow = churnWindow
        self.lostWindow = lostWindow
        self.newWindow = newWindow
    }
}
