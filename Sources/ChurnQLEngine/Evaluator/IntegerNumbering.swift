import ChurnQLDiagnostics
import ChurnQLMetrics

/// Numbers distinct integer keys 0, 1, 2… in order of first appearance (as `FirstAppearance` does), in an
/// open-addressing table that grows only when the caller asks, between chunks of rows: a Dictionary grows inside
/// an insert, rehashing millions of keys in one step that Ctrl-C cannot come between. Here the growth moves the
/// keys in chunks with a check between them.
struct IntegerNumbering {
    /// The key of each id.
    private(set) var keys: [Int64] = []
    /// The row where each id first appeared.
    private(set) var firstRows: [Int] = []
    /// id + 1 of the key in each slot (0: empty), at a load of at most one half.
    private var slots = [Int32](repeating: 0, count: 1 << 10)
    private var mask = (1 << 10) - 1

    /// Makes room for `more` new keys, moving the keys to a larger table in chunks with `stop` between them.
    mutating func reserve(_ more: Int, stop: StopCheck) throws(Diagnostic) {
        // The lists grow here too: an append past capacity copies the whole list in one step.
        if keys.capacity < keys.count + more {
            let capacity = Swift.max(keys.count + more, 2 * keys.capacity)
            try Self.grow(&keys, to: capacity, stop)
            try Self.grow(&firstRows, to: capacity, stop)
        }
        let needed = (keys.count + more) * 2
        guard needed > slots.count else { return }
        var size = slots.count * 2
        while size < needed { size *= 2 }
        try stop()
        guard var grown = stop.filled(Int32(0), count: size) else { throw Engine.interrupted }
        let newMask = size - 1
        try stop.chunks(keys.count) { chunk in
            for id in chunk {
                var slot = Self.slot(keys[id], newMask)
                while grown[slot] != 0 { slot = (slot + 1) & newMask }
                grown[slot] = Int32(id + 1)
            }
        }
        slots = grown
        mask = newMask
    }

    private static func grow<T>(_ list: inout [T], to capacity: Int, _ stop: StopCheck) throws(Diagnostic) {
        var grown: [T] = []
        grown.reserveCapacity(capacity)
        try stop.chunks(list.count) { chunk in grown.append(contentsOf: list[chunk]) }
        list = grown
    }

    /// The id of `key`, seen at `row`, adding it when new (`reserve` must have made room).
    @inline(__always)
    mutating func id(_ key: Int64, row: Int) -> Int32 {
        var slot = Self.slot(key, mask)
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            if keys[Int(stored) - 1] == key { return stored - 1 }
            slot = (slot + 1) & mask
        }
        let id = Int32(keys.count)
        keys.append(key)
        firstRows.append(row)
        slots[slot] = id + 1
        return id
    }

    /// splitmix64's finaliser: neighbouring keys (order ids) spread over the table.
    @inline(__always)
    private static func slot(_ key: Int64, _ mask: Int) -> Int {
        var z = UInt64(bitPattern: key)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31)) & mask
    }
}
