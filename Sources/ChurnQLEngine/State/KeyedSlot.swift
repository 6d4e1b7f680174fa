/// One derived value and the key it was computed for. Asked with another key it computes again, so a value can
/// never outlive what it was derived from and nothing has to be invalidated. A class, so that computing one value
/// may ask another slot for its own (no overlapping access to a struct that holds both).
final class KeyedSlot<Key: Equatable, Value> {
    private var entry: (key: Key, value: Value)?
    /// A value offered for a key without computing it yet (a reopened snapshot's): made when first asked for;
    /// when it cannot be made (nil), the value is computed as usual.
    private var seeded: (key: Key, make: () -> Value?)?
    /// How many times the value was computed or seeded (a test hook: a warm query computes nothing).
    private(set) var computations = 0
    /// Counts every change of the value (a seed made counts too): what a failed statement changed is dropped.
    private(set) var changes = 0

    init() {}

    func value<E: Error>(for key: Key, _ make: () throws(E) -> Value) throws(E) -> Value {
        if let kept = value(ifComputedFor: key) { return kept }
        let value = try make()
        entry = (key, value)
        computations &+= 1
        changes &+= 1
        return value
    }

    /// The value if it was computed (or seeded) for `key`, without computing it.
    func value(ifComputedFor key: Key) -> Value? {
        if let entry, entry.key == key { return entry.value }
        guard let seeded, seeded.key == key else { return nil }
        self.seeded = nil
        guard let value = seeded.make() else { return nil }
        entry = (key, value)
        changes &+= 1
        return value
    }

    /// Offers the value for `key`, made by `make` when first asked for (counted as a computation now).
    func seed(for key: Key, _ make: @escaping () -> Value?) {
        seeded = (key, make)
        computations &+= 1
        changes &+= 1
    }

    /// Forgets the value and any seed (after a snapshot read failed, what was made from it is not trusted).
    func clear() {
        entry = nil
        seeded = nil
        changes &+= 1
    }
}

/// A slot seen without its types, to drop what a failed statement made.
protocol ClearableSlot: AnyObject {
    var changes: Int { get }
    func clear()
}

extension KeyedSlot: ClearableSlot {}
