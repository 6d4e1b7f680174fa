/// Numbers distinct keys 0, 1, 2… in the order they first appear: the grouping step of group-by and of the
/// customer index.
public struct FirstAppearance<Key: Hashable> {
    private var map: [Key: Int32] = [:]
    /// The row where each id first appeared.
    public private(set) var firstRows: [Int] = []

    public init() {}

    /// The id of `key`, seen at `row`.
    @inline(__always)
    public mutating func id(_ key: Key, row: Int) -> Int32 {
        if let id = map[key] { return id }
        let id = Int32(firstRows.count)
        map[key] = id
        firstRows.append(row)
        return id
    }
}
