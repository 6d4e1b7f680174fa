import ChurnQLMetrics
import ChurnQLStore

/// The session's derived values, each keyed by everything it reads: the data version (every change to the catalog
/// or to the role options) and the settings it depends on. A setting change, load, table replacement or fit changes
/// a key, and the next use computes again; nothing is invalidated by hand.
struct DerivedCache {
    /// The latest order date reads the orders only.
    let latestOrderDate = KeyedSlot<Int, Int32?>()
    /// The order history keeps the orders on or before asof.
    let history = KeyedSlot<HistoryKey, OrderHistory>()
    /// Orders the history leaves out (no key, no date, after asof), as the load note reports them; seeded by a
    /// reopened snapshot so that the note needs no history.
    let leftOut = KeyedSlot<HistoryKey, OrdersLeftOut>()
    /// The profile (whose derived columns are computed lazily and kept inside it) reads the windows too.
    let profile = KeyedSlot<ProfileKey, CustomerProfile>()
    /// Contact and contract columns count what happened on or before asof, per profile row.
    let crm = KeyedSlot<ProfileKey, [Column]>()
    /// The whole customers table adds profit, p_alive (the fitted model) and lost_when.
    let customers = KeyedSlot<CustomersKey, Table>()
    /// The orders' customer keys matched to the customers table's: the import report and the profile read it.
    let keyMatch = KeyedSlot<KeyMatchKey, KeyDictionaryMatch>()
    /// A profile of no customers with the real key and attribute columns, which the binder types against.
    let typingProfile = KeyedSlot<KeyMatchKey, CustomerProfile?>()
    /// Model inputs: fitting BG/NBD then Gamma-Gamma reads the same calibration data.
    let calibration = KeyedSlot<CalibrationKey, CalibrationData>()

    private var slots: [any ClearableSlot] {
        [latestOrderDate, history, leftOut, profile, crm, customers, keyMatch, typingProfile, calibration]
    }

    /// Each slot's change count, to compare after a statement.
    var changeCounts: [Int] { slots.map(\.changes) }

    /// Forgets the values changed since `counts` (all of them without): a snapshot read failed meanwhile, so
    /// they may hold its zeros.
    func clear(changedSince counts: [Int]? = nil) {
        for (i, slot) in slots.enumerated() where counts.map({ i >= $0.count || $0[i] != slot.changes }) ?? true {
            slot.clear()
        }
    }
}

struct OrdersLeftOut {
    var missingKey = 0
    var missingDate = 0
    var afterAsof = 0
}

struct HistoryKey: Equatable {
    var data: Int
    var asof: Int32
}

struct ProfileKey: Equatable {
    let data: Int
    let retention: RetentionSettings
}

struct CustomersKey: Equatable {
    let profile: ProfileKey
    let lostWhen: LostWhenRule?
    /// The parameters a lost_when condition may read (empty without one).
    let parameters: [String: Value]
    let models: Int
}

struct KeyMatchKey: Equatable {
    let data: Int
    let mode: KeyMatch
}

struct CalibrationKey: Equatable {
    let history: HistoryKey
    let cutoff: Int32
    let unitDays: Double
}
