import ChurnQLStore

/// Customers grouped by their (x, t_x, T): predictions depend on nothing else, so `evaluate` and `compare models`
/// compute each once per group (a few hundred thousand groups for millions of customers, as customers' times are
/// whole days) instead of once per customer.
public struct CustomerTriples: Sendable {
    public private(set) var x: [Double] = []
    public private(set) var tx: [Double] = []
    public private(set) var T: [Double] = []
    /// Customers per group.
    public private(set) var weight: [Double] = []
    /// Each customer's group.
    public private(set) var group: [Int32] = []

    public var count: Int { x.count }

    public init(_ data: CalibrationData) {
        group.reserveCapacity(data.count)
        // Whole days pack into one key; other times are keyed by their bit patterns, one numbering per column.
        var xs = DistinctNumbering()
        var txs = DistinctNumbering()
        var ts = DistinctNumbering()
        var groups = DistinctNumbering(expected: 1 << 16)
        for i in 0..<data.count {
            let key: UInt64
            if let days = data.days, days.x.count == data.count, days.x[i] >= 0, days.x[i] < 1 << 21,
                days.tx[i] >= 0, days.tx[i] < 1 << 21, days.T[i] >= 0, days.T[i] < 1 << 21
            {
                key = UInt64(days.x[i]) << 42 | UInt64(days.tx[i]) << 21 | UInt64(days.T[i])
            } else {
                let (a, b, c) = (xs.id(data.x[i]), txs.id(data.tx[i]), ts.id(data.T[i]))
                // Past 2^21 distinct values of a column a customer keeps a group of its own (the 1 << 63 flag).
                key =
                    a < 1 << 21 && b < 1 << 21 && c < 1 << 21
                    ? 1 << 63 | UInt64(a) << 42 | UInt64(b) << 21 | UInt64(c) : 3 << 62 | UInt64(i)
            }
            let id = groups.id(Double(bitPattern: key))
            if Int(id) == x.count {
                x.append(data.x[i])
                tx.append(data.tx[i])
                T.append(data.T[i])
                weight.append(0)
            }
            weight[Int(id)] += 1
            group.append(id)
        }
    }

    /// `value` of each group, computed once per group on all cores, for every customer.
    public func perCustomer(_ value: (Int) -> Double) -> [Double] {
        let byGroup = ParallelArray.make(count, parallelFrom: 2_000, value)
        return group.map { byGroup[Int($0)] }
    }

    /// Σ over customers of `values` of their group (`width` numbers each), each group computed once, on all cores.
    public func totals(width: Int, _ values: (Int) -> [Double]) -> [Double] {
        let weight = self.weight
        return ParallelSum.vector(count, width: width) { range, total in
            for g in range {
                for (k, value) in values(g).enumerated() { total[k] += weight[g] * value }
            }
        }
    }
}

extension Calibration {
    /// Distinct purchase days in (from, through] per customer, and how many of those days fall on each day after
    /// `from` (index 0 is day from + 1): cumulative counts to any earlier day come from the second without another
    /// pass over the orders. Stopped by Ctrl-C (`Interrupt.current`, asked every `Interrupt.stride` customers),
    /// the rest count 0 and the caller drops them.
    public static func holdoutPurchaseDays(history: OrderHistory, customers: [Int], from: Int32, through: Int32)
        -> (perCustomer: [Int], perDay: [Int])
    {
        let span = Swift.max(0, Int(through) - Int(from))
        var perDay = [Int](repeating: 0, count: span)
        var perCustomer = [Int](repeating: 0, count: customers.count)
        let interrupt = Interrupt.current
        _ = Interrupt.chunks(customers.count, interrupt) { chunk in
            for i in chunk {
                var count = 0
                var previous: Int32 = .min
                for day in history.orderDays(customers[i]) where day > from && day <= through && day != previous {
                    count += 1
                    previous = day
                    perDay[Int(day - from) - 1] += 1
                }
                perCustomer[i] = count
            }
        }
        return (perCustomer, perDay)
    }
}
