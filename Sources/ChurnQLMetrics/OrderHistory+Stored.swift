import ChurnQLStore

extension OrderHistory {
    /// A history read back from a snapshot; nil when its arrays do not fit together (so no index can go astray).
    public init?(
        stored keys: Column, offsets: [Int], days: [Int32], amounts: [Double], missingKey: Int, missingDate: Int,
        afterAsof: Int
    ) {
        guard offsets.count == keys.count + 1, offsets.first == 0, offsets.last == days.count,
            days.count == amounts.count, zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else { return nil }
        self.init(
            keys: keys, offsets: offsets, days: days, amounts: amounts, missingKey: missingKey,
            missingDate: missingDate, afterAsof: afterAsof)
    }
}
