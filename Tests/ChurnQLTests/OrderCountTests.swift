import Testing

@testable import ChurnQLMetrics

/// The order counts of the history, on several cores (rows customer by customer) against the one-core loop.
struct OrderCountTests {
    enum Shape: String, CaseIterable {
        case grouped, groupedWithGaps, oneCustomer, shuffled, decreasingAcrossParts, noValidRowsInAPart, empty
        /// Grouped, every customer's days in order; then the same with one customer's days out of order just
        /// across the cut between two parts.
        case daysInOrder, daysOutOfOrderAtACut
    }

    /// Ids (-1: no key), days and validity of days, from a fixed-seed generator.
    static func rows(_ shape: Shape, count: Int) -> (ids: [Int32], days: [Int32], dayValid: [Bool]?) {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D &+ UInt64(shape.rawValue.utf8.count)
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(state >> 33) % bound
        }
        var ids: [Int32] = []
        var customer: Int32 = 0
        for row in 0..<count {
            switch shape {
            case .grouped, .groupedWithGaps, .noValidRowsInAPart, .daysInOrder, .daysOutOfOrderAtACut:
                if next(4) == 0 { customer += 1 }
                ids.append(customer)
            case .oneCustomer: ids.append(7)
            case .shuffled: ids.append(Int32(next(count / 3 + 1)))
            case .decreasingAcrossParts: ids.append(Int32(row < count / 2 ? count / 2 + row / 3 : row / 3))
            case .empty: break
            }
        }
        var days = ids.indices.map { _ in Int32(18_000 + next(2_000)) }
        if shape == .daysInOrder || shape == .daysOutOfOrderAtACut {
            days = ids.indices.map { Int32(18_000 + $0 / 30) }
        }
        if shape == .daysOutOfOrderAtACut {
            let cut = count / 2
            ids[cut] = ids[cut - 1]
            days[cut] = days[cut - 1] - 1
        }
        var dayValid: [Bool]? = nil
        if shape == .groupedWithGaps {
            for row in ids.indices where next(50) == 0 { ids[row] = -1 }
            dayValid = ids.indices.map { _ in next(40) != 0 }
        }
        if shape == .noValidRowsInAPart {
            for row in (count / 4)..<(count / 2) { ids[row] = -1 }
        }
        return (ids, days, dayValid)
    }

    @Test(arguments: Shape.allCases)
    func partsCountAsOneCoreDoes(shape: Shape) throws {
        let data = Self.rows(shape, count: 40_000)
        let customers = Int(data.ids.max() ?? -1) + 1
        let asof: Int32 = 19_800
        let plain = try #require(
            OrderCount.count(
                ids: data.ids, days: data.days, dayValid: data.dayValid, asof: asof, customers: customers, parts: 1,
                interrupt: nil))
        #expect(plain.0.reduce(0, +) + plain.1.missingKey + plain.1.missingDate + plain.1.afterAsof == data.ids.count)
        for parts in [2, 3, 4, 7] {
            let split = try #require(
                OrderCount.count(
                    ids: data.ids, days: data.days, dayValid: data.dayValid, asof: asof, customers: customers,
                    parts: parts, interrupt: nil))
            #expect(split.0 == plain.0, "\(shape) in \(parts) parts")
            #expect(split.1.grouped == plain.1.grouped)
            #expect(split.1.missingKey == plain.1.missingKey)
            #expect(split.1.missingDate == plain.1.missingDate)
            #expect(split.1.afterAsof == plain.1.afterAsof)
            #expect(split.1.daysInOrder == plain.1.daysInOrder, "\(shape) in \(parts) parts")
        }
        let expectGrouped = ![.shuffled, .decreasingAcrossParts].contains(shape)
        #expect(plain.1.grouped == expectGrouped)
        #expect(plain.1.daysInOrder == [.daysInOrder, .empty].contains(shape))
    }
}
