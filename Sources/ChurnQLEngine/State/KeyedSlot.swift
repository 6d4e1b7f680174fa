/// One derived value and the key it was computed for. Asked with another key it computes again, so a value can
/// never outlive what it was derived from and nothing has to be invalidated. A class, so that computing one value
/// may ask another slot for its own (no overlapping access to a struct that holds both).
final class KeyedSlot<Key: Equatable, Value> {
    private var entry: (key: Key, value: Value)?
    /// How many times the value was computed (a test hook: a warm query computes nothing).
    private(set) var computations = 0

    init() {}

    func value<E: Error>(for key: Key, _ make: () throws(E) -> Value) throws(E) -> Value {
        if let kept = value(ifComputedFor: key) { return kept }
        let value = try make()
        entry = (key, value)
        computations &+= 1
        return value
    }
}

extension KeyedSlot {
    /// The value if it was computed for `key`, without computing it.
    func value(ifComputedFor key: Key) -> Value? {
        guard let entry, entry.key == key else { return nil }
        return entry.value
    }
}
