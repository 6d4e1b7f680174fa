/// Numbers each distinct value (by bit pattern) in order of first appearance: an open-addressing table with a
/// multiplicative hash, far cheaper than Dictionary's seeded hashing over millions of customers.
struct DistinctNumbering {
    private(set) var values: [Double] = []
    private var slots: [Int32]
    private var mask: Int

    init(expected: Int = 16) {
        var size = 16
        while size < expected * 2 { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of `value`, adding it when new.
    mutating func id(_ value: Double) -> Int32 {
        var slot = Self.slot(value.bitPattern, mask)
        while true {
            let id = slots[slot]
            if id < 0 { break }
            if values[Int(id)].bitPattern == value.bitPattern { return id }
            slot = (slot + 1) & mask
        }
        let id = Int32(values.count)
        values.append(value)
        slots[slot] = id
        if values.count * 2 > slots.count { grow() }
        return id
    }

    /// splitmix64's finaliser: every input bit reaches the low bits (the bit patterns of whole numbers as doubles
    /// end in dozens of zeros, which a single multiply would keep in the slot index).
    @inline(__always)
    static func slot(_ bits: UInt64, _ mask: Int) -> Int {
        var z = bits
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31)) & mask
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (id, value) in values.enumerated() {
            var slot = Self.slot(value.bitPattern, mask)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(id)
        }
    }
}

/// Distinct (x, t_x, T) triples with how many customers share each, and each triple's t_x and T as indices into
/// the distinct values of t_x and of T (few: one per calendar day), so per-day terms are computed once.
struct CompressedTriples {
    var x: [Double] = []
    var weight: [Double] = []
    var txIndex: [Int32] = []
    var tIndex: [Int32] = []
    var txValues: [Double] = []
    var tValues: [Double] = []

    var count: Int { x.count }
    /// Each triple's t_x and T as numbers (built on each call: read once, outside loops).
    var tx: [Double] { txIndex.map { txValues[Int($0)] } }
    var T: [Double] { tIndex.map { tValues[Int($0)] } }

    init(_ data: CalibrationData) {
        var xs = DistinctNumbering()
        var txs = DistinctNumbering()
        var ts = DistinctNumbering()
        // Triples keyed by their three small numbers packed into one word.
        var slots = [Int32](repeating: -1, count: 16)
        var keys: [UInt64] = []
        var hashed = 0
        // One-time buyers share few (t_x, T) pairs and always compress well; repeat buyers' triples are looked up
        // only while that pays: once most of a large sample of them turned out distinct, the rest are kept as
        // they come (a triple seen twice then simply appears twice, which changes nothing but the speed).
        var mergeRepeaters = true
        var repeatersSeen = 0
        var repeaterTriples = 0
        for i in 0..<data.count {
            if data.x[i] != 0 {
                repeatersSeen += 1
                if mergeRepeaters && repeatersSeen == 100_000 && repeaterTriples > 60_000 { mergeRepeaters = false }
            }
            let xId = UInt64(xs.id(data.x[i]))
            let txId = txs.id(data.tx[i])
            let tId = ts.id(data.T[i])
            let packed = xId << 42 | UInt64(txId) << 21 | UInt64(tId)
            // Past 2^21 distinct values of a part the key cannot be packed: such triples stay unmerged too.
            let fits = xId < 1 << 21 && txId < 1 << 21 && tId < 1 << 21 && (mergeRepeaters || data.x[i] == 0)
            var existing: Int32?
            if fits {
                var slot = DistinctNumbering.slot(packed, slots.count - 1)
                while slots[slot] >= 0 && keys[Int(slots[slot])] != packed { slot = (slot + 1) & (slots.count - 1) }
                existing = slots[slot] >= 0 ? slots[slot] : nil
                if existing == nil {
                    slots[slot] = Int32(x.count)
                    hashed += 1
                }
            }
            if let j = existing {
                weight[Int(j)] += 1
                continue
            }
            keys.append(fits ? packed : .max)
            if data.x[i] != 0 { repeaterTriples += 1 }
            x.append(data.x[i])
            weight.append(1)
            txIndex.append(txId)
            tIndex.append(tId)
            if hashed * 2 > slots.count { Self.grow(&slots, keys) }
        }
        txValues = txs.values
        tValues = ts.values
    }

    private static func grow(_ slots: inout [Int32], _ keys: [UInt64]) {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (j, key) in keys.enumerated() where key != .max {
            var slot = DistinctNumbering.slot(key, mask)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(j)
        }
    }
}
