import ChurnQLStore
import Foundation

/// The per-customer arrays behind the derived customers table, each computed on all cores when first asked for
/// and then kept. Each is one pass over the customers (or their orders) that reads the arrays it depends on.
/// Callers read an array once and index the copy: every access goes through a lock.
final class DerivedColumns: @unchecked Sendable {
    private let history: OrderHistory
    private let settings: RetentionSettings
    /// Recursive: computing one array asks for those it depends on.
    private let lock = NSRecursiveLock()
    private var arrays: [String: any Sendable] = [:]

    init(history: OrderHistory, settings: RetentionSettings) {
        self.history = history
        self.settings = settings
    }

    /// The array named `name`, computed by `make` the first time. Once Ctrl-C stopped the statement, an array not
    /// yet computed is zeros, not kept (each array is tens of milliseconds on millions of customers: the check
    /// between arrays is often enough; the statement throws at its next check); nor is one made while the stop
    /// came, since it may be built from such zeros (`status` from `last`).
    private func cached<T: Sendable & BitwiseCopyable>(_ name: String, _ make: () -> [T]) -> [T] {
        lock.lock()
        defer { lock.unlock() }
        if let kept = arrays[name] as? [T] { return kept }
        if history.customerCount > 0, Interrupt.requested {
            return [T](unsafeUninitializedCapacity: history.customerCount) { buffer, initialized in
                UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
                initialized = history.customerCount
            }
        }
        let made = make()
        // Stopped while it was made, it may have read another array's zeros: given, but not kept.
        if history.customerCount > 0, Interrupt.requested { return made }
        arrays[name] = made
        return made
    }

    /// An array with one element per customer, computed from the customer's index on all cores.
    private func perCustomer<T>(_ value: (Int) -> T) -> [T] { ParallelArray.make(history.customerCount, value) }

    var entityIndex: [Int32] { cached("entity") { perCustomer { Int32($0) } } }

    /// Each customer's churn state for one period (see `RetentionAggregates.churnStates`). Only the latest period
    /// is kept: a session that asks churn_rate() of several groupings over one period computes the states once.
    func churnStates(asof: Int32, periodDays: Int, churnWindow: Int) -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        let key = [Int(asof), periodDays, churnWindow]
        if let kept = latestChurnStates, kept.key == key { return kept.states }
        let states = RetentionAggregates.churnStates(
            history: history, asof: asof, periodDays: periodDays, churnWindow: churnWindow)
        latestChurnStates = (key, states)
        return states
    }
    private var latestChurnStates: (key: [Int], states: [UInt8])?

    var noOrders: [Bool] {
        cached("noOrders") {
            let offsets = history.offsets
            return perCustomer { offsets[$0 + 1] == offsets[$0] }
        }
    }

    var purchaseDays: [Int64] {
        cached("purchaseDays") {
            let (offsets, days) = (history.offsets, history.days)
            return perCustomer { c -> Int64 in
                let (lower, upper) = (offsets[c], offsets[c + 1])
                guard upper > lower else { return 0 }
                var distinct: Int64 = 1
                for i in (lower + 1)..<upper where days[i] != days[i - 1] { distinct += 1 }
                return distinct
            }
        }
    }

    /// Whether some gap between consecutive purchase days exceeded the churn window.
    var reactivated: [Bool] {
        cached("reactivated") {
            let (offsets, days, window) = (history.offsets, history.days, settings.churnWindow)
            return perCustomer { c -> Bool in
                let (lower, upper) = (offsets[c], offsets[c + 1])
                guard upper - lower > 1 else { return false }
                for i in (lower + 1)..<upper where Int(days[i] - days[i - 1]) > window { return true }
                return false
            }
        }
    }

    var first: [Int32] {
        cached("first") {
            let (offsets, days, none) = (history.offsets, history.days, noOrders)
            return perCustomer { none[$0] ? 0 : days[offsets[$0]] }
        }
    }

    var last: [Int32] {
        cached("last") {
            let (offsets, days, none) = (history.offsets, history.days, noOrders)
            return perCustomer { none[$0] ? 0 : days[offsets[$0 + 1] - 1] }
        }
    }

    var orders: [Int64] {
        cached("orders") {
            let offsets = history.offsets
            return perCustomer { Int64(offsets[$0 + 1] - offsets[$0]) }
        }
    }

    var frequency: [Int64] {
        cached("frequency") {
            let distinct = purchaseDays
            return perCustomer { Swift.max(0, distinct[$0] - 1) }
        }
    }

    var daysSinceLast: [Int64] {
        cached("daysSinceLast") {
            let (last, none, asof) = (last, noOrders, settings.asof)
            return perCustomer { none[$0] ? 0 : Int64(asof - last[$0]) }
        }
    }

    var tenure: [Int64] {
        cached("tenure") {
            let (first, none, asof) = (first, noOrders, settings.asof)
            return perCustomer { none[$0] ? 0 : Int64(asof - first[$0]) }
        }
    }

    var span: [Int64] {
        cached("span") {
            let (first, last) = (first, last)
            return perCustomer { Int64(last[$0] - first[$0]) }
        }
    }

    var noCycle: [Bool] {
        cached("noCycle") {
            let distinct = purchaseDays
            return perCustomer { distinct[$0] < 2 }
        }
    }

    /// Average days between purchase days (0 where `noCycle`).
    var cycle: [Double] {
        cached("cycle") {
            let (span, frequency, missing) = (span, frequency, noCycle)
            return perCustomer { missing[$0] ? 0 : Double(span[$0]) / Double(frequency[$0]) }
        }
    }

    var nextPurchase: [Int32] {
        cached("next") {
            let (last, cycle, missing) = (last, cycle, noCycle)
            return perCustomer { missing[$0] ? 0 : last[$0] + Int32(cycle[$0].rounded()) }
        }
    }

    var overdue: [Int64] {
        cached("overdue") {
            let (next, missing, asof) = (nextPurchase, noCycle, settings.asof)
            return perCustomer { missing[$0] ? 0 : Int64(Swift.max(0, asof - next[$0])) }
        }
    }

    /// 0 active, 1 lapsed, 2 lost (by days since the last order against the two windows).
    var status: [Int32] {
        cached("status") {
            let (last, none, asof) = (last, noOrders, settings.asof)
            let (churnWindow, lostWindow) = (settings.churnWindow, settings.lostWindow)
            return perCustomer { c -> Int32 in
                if none[c] { return 0 }
                let since = Int(asof - last[c])
                return since <= churnWindow ? 0 : (since <= lostWindow ? 1 : 2)
            }
        }
    }

    var isNew: [Bool] {
        cached("isNew") {
            let (first, none, asof, window) = (first, noOrders, settings.asof, settings.newWindow)
            return perCustomer { !none[$0] && Int(asof - first[$0]) <= window }
        }
    }

    /// new → active → at_risk (overdue, still within the churn window) → lapsed → lost.
    var lifecycle: [Int32] {
        cached("lifecycle") {
            let (status, isNew, overdue, none) = (status, isNew, overdue, noOrders)
            return perCustomer { c -> Int32 in
                if none[c] { return 0 }
                if status[c] == 0 { return isNew[c] ? 0 : (overdue[c] > 0 ? 2 : 1) }
                return status[c] + 2
            }
        }
    }

    var revenue: [Double] {
        cached("revenue") {
            let (offsets, amounts) = (history.offsets, history.amounts)
            return perCustomer { c -> Double in
                var total = 0.0
                for i in offsets[c]..<offsets[c + 1] { total += amounts[i] }
                return total
            }
        }
    }

    var averageOrderValue: [Double] {
        cached("aov") {
            let (revenue, orders, none) = (revenue, orders, noOrders)
            return perCustomer { none[$0] ? 0 : revenue[$0] / Double(orders[$0]) }
        }
    }

    /// A derived column of the customers table by name (see `CustomerProfile.derivedColumns`).
    func column(_ name: String) -> Column? {
        // Customers without orders (from a customers table) have nulls in the columns about orders.
        let none: [Bool]? = name == "orders" || name == "purchase_days" || name == "revenue" ? nil : noOrders
        switch name {
        case "first_order": return Column(name: name, storage: .date(first), nulls: none)
        case "last_order": return Column(name: name, storage: .date(last), nulls: none)
        case "orders": return Column(name: name, storage: .integer(orders))
        case "purchase_days": return Column(name: name, storage: .integer(purchaseDays))
        case "frequency": return Column(name: name, storage: .integer(frequency), nulls: none)
        case "revenue": return Column(name: name, storage: .decimal(revenue))
        case "avg_order_value": return Column(name: name, storage: .decimal(averageOrderValue), nulls: none)
        case "days_since_last": return Column(name: name, storage: .integer(daysSinceLast), nulls: none)
        case "tenure_days": return Column(name: name, storage: .integer(tenure), nulls: none)
        case "active_span_days": return Column(name: name, storage: .integer(span), nulls: none)
        case "purchase_cycle_days": return Column(name: name, storage: .decimal(cycle), nulls: noCycle)
        case "next_purchase": return Column(name: name, storage: .date(nextPurchase), nulls: noCycle)
        case "overdue_days": return Column(name: name, storage: .integer(overdue), nulls: noCycle)
        case "status":
            return Column(
                name: name, storage: .text(codes: status, dictionary: ["active", "lapsed", "lost"]), nulls: none)
        case "is_new": return Column(name: name, storage: .boolean(isNew), nulls: none)
        case "lifecycle":
            return Column(
                name: name,
                storage: .text(codes: lifecycle, dictionary: ["new", "active", "at_risk", "lapsed", "lost"]),
                nulls: none)
        case "reactivated": return Column(name: name, storage: .boolean(reactivated), nulls: none)
        default: return nil
        }
    }
}
