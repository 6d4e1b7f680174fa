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
/// the distinct values of t_x and of T (few: at most one per calendar day), so per-day terms are computed once.
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
        if let days = data.days, let fromDays = Self(days: days) {
            self = fromDays
            return
        }
        var xs = DistinctNumbering()
        var txs = DistinctNumbering()
        var ts = DistinctNumbering()
        var merger = TripleMerger()
        for i in 0..<data.count {
            let xId = UInt64(xs.id(data.x[i]))
            let txId = txs.id(data.tx[i])
            let tId = ts.id(data.T[i])
            // Past 2^21 distinct values of a part the key cannot be packed: such triples stay unmerged.
            let fits = xId < 1 << 21 && txId < 1 << 21 && tId < 1 << 21
            let key = fits ? xId << 42 | UInt64(txId) << 21 | UInt64(tId) : nil
            if let j = merger.earlier(key, repeatBuyer: data.x[i] != 0, next: Int32(count)) {
                weight[Int(j)] += 1
                continue
            }
            append(x: data.x[i], txIndex: txId, tIndex: tId)
        }
        txValues = txs.values
        tValues = ts.values
    }

    /// From whole days: t_x and T index the days the triples use, one-time buyers (whose t_x is 0) merge by T
    /// through an array indexed by day, and only repeat buyers need a hashed key. Nil when the numbers are out of range.
    init?(days: CalibrationDays) {
        let n = days.x.count
        guard n == days.tx.count, n == days.T.count, days.unitDays > 0 else { return nil }
        var largestDay: Int32 = 0
        for i in 0..<n {
            guard days.x[i] >= 0, days.x[i] < 1 << 21, days.tx[i] >= 0, days.tx[i] <= days.T[i],
                days.x[i] > 0 || days.tx[i] == 0
            else { return nil }
            largestDay = Swift.max(largestDay, days.T[i])
        }
        guard largestDay < 1 << 21 else { return nil }
        var oneTimeTriple = [Int32](repeating: -1, count: Int(largestDay) + 1)
        var merger = TripleMerger()
        for array in [\CompressedTriples.x, \.weight] { self[keyPath: array].reserveCapacity(n) }
        for array in [\CompressedTriples.txIndex, \.tIndex] { self[keyPath: array].reserveCapacity(n) }
        for i in 0..<n {
            let (xi, tx, T) = (days.x[i], days.tx[i], days.T[i])
            if xi == 0 {
                let j = oneTimeTriple[Int(T)]
                if j >= 0 {
                    weight[Int(j)] += 1
                    continue
                }
                oneTimeTriple[Int(T)] = Int32(count)
            } else {
                let key = UInt64(xi) << 42 | UInt64(tx) << 21 | UInt64(T)
                if let j = merger.earlier(key, repeatBuyer: true, next: Int32(count)) {
                    weight[Int(j)] += 1
                    continue
                }
            }
            append(x: Double(xi), txIndex: tx, tIndex: T)
        }
        keepUsedDays(largestDay: Int(largestDay), unitDays: days.unitDays)
    }

    /// Renumbers t_x and T over the days some triple uses, ascending: one order dated 0001-01-01 makes the largest
    /// day about 740,000 while the triples use a few hundred, and the models compute their per-day terms on every
    /// evaluation of the likelihood.
    private mutating func keepUsedDays(largestDay: Int, unitDays: Double) {
        var renumbered = [Int32](repeating: -1, count: largestDay + 1)
        for day in txIndex { renumbered[Int(day)] = 0 }
        for day in tIndex { renumbered[Int(day)] = 0 }
        var values: [Double] = []
        for day in 0...largestDay where renumbered[day] == 0 {
            renumbered[day] = Int32(values.count)
            values.append(Double(day) / unitDays)
        }
        txIndex = txIndex.map { renumbered[Int($0)] }
        tIndex = tIndex.map { renumbered[Int($0)] }
        txValues = values
        tValues = values
    }

    private mutating func append(x value: Double, txIndex tx: Int32, tIndex t: Int32) {
        x.append(value)
        weight.append(1)
        txIndex.append(tx)
        tIndex.append(t)
    }
}

/// Finds the earlier triple with the same packed key. One-time buyers share few (t_x, T) pairs and always compress
/// well; repeat buyers are looked up only while that pays: once most of a large sample of them turned out distinct,
/// the rest are kept as they come (a triple seen twice then simply appears twice, which changes only the speed).
struct TripleMerger {
    private var slots = [Int32](repeating: -1, count: 16)
    private var keys: [UInt64] = []
    private var triples: [Int32] = []
    private var repeatersSeen = 0
    private var repeaterTriples = 0
    private var mergeRepeaters = true

    /// The triple recorded earlier under `key`, or nil after recording `next` under it (nil key: never merged).
    mutating func earlier(_ key: UInt64?, repeatBuyer: Bool, next: Int32) -> Int32? {
        if repeatBuyer {
            repeatersSeen += 1
            if mergeRepeaters && repeatersSeen == 100_000 && repeaterTriples > 60_000 { mergeRepeaters = false }
        }
        guard let key, mergeRepeaters || !repeatBuyer else { return nil }
        let mask = slots.count - 1
        var slot = DistinctNumbering.slot(key, mask)
        while slots[slot] >= 0 {
            let k = Int(slots[slot])
            if keys[k] == key { return triples[k] }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(keys.count)
        keys.append(key)
        triples.append(next)
        if repeatBuyer { repeaterTriples += 1 }
        if keys.count * 2 > slots.count { grow() }
        return nil
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (k, key) in keys.enumerated() {
            var slot = DistinctNumbering.slot(key, mask)
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(k)
        }
    }
}

/// The distinct values of purchase counts and the like.
enum DistinctCounts {
    /// The distinct values, ascending, with how many times each occurs: an array indexed by value when every value
    /// is a small whole number (purchase counts), else a dictionary.
    static func of(_ x: [Double]) -> ([Double], [Double]) {
        if let largest = x.max(), largest < 1_048_576, x.allSatisfy({ $0 >= 0 && $0.rounded() == $0 }) {
            var counts = [Double](repeating: 0, count: Int(largest) + 1)
            for value in x { counts[Int(value)] += 1 }
            let present = counts.indices.filter { counts[$0] > 0 }
            return (present.map { Double($0) }, present.map { counts[$0] })
        }
        var counts: [Double: Double] = [:]
        for value in x { counts[value, default: 0] += 1 }
        let distinct = counts.keys.sorted()
        return (distinct, distinct.map { counts[$0] ?? 0 })
    }
}
