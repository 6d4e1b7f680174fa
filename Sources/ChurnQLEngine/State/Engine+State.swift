import ChurnQLLoad
import ChurnQLMetrics

/// Read access to the session's state by its old names, and the fitted models as they stand for the current data.
extension Engine {
    public var asofOverride: Int32? { settings.asofOverride }
    public var churnWindow: Int { settings.churnWindow }
    public var lostWindow: Int { settings.lostWindow }
    public var newWindow: Int { settings.newWindow }
    var lostWhen: LostWhenRule? { settings.lostWhen }

    public var ordersTableName: String? { detected.orders?.table }
    public var roles: OrderRoles? { detected.orders?.roles }
    public var attributesTableName: String? { detected.attributes?.table }
    public var attributesKey: String? { detected.attributes?.key }
    public var contactsTableName: String? { detected.contacts?.table }
    public var contactRoles: ContactRoles? { detected.contacts?.roles }
    public var contractsTableName: String? { detected.contracts?.table }
    public var contractRoles: ContractRoles? { detected.contracts?.roles }

    /// The orders table as it is now, which a fitted model must have been fitted on.
    var ordersVersion: OrdersVersion? {
        detected.orders.map {
            OrdersVersion(
                table: $0.table, stamp: catalog.stamp(of: $0.table), roles: $0.roles, options: roleOverrides[$0.table])
        }
    }

    /// The fitted models, when they were fitted on the current orders and their calibration ends on or before
    /// asof; nil otherwise (see `modelIsStale`).
    public var predictive: PredictiveState? {
        // Attached orders: the fit checked its calibration against the server's asof then (no query per bind).
        if ordersAttachment != nil { return modelsFitOrders ? models.predictive : nil }
        guard let state = models.predictive, modelsFitOrders, let asof = currentAsof, state.calibrationEnd <= asof,
            (state.spendCalibrationEnd ?? asof) <= asof
        else { return nil }
        return state
    }

    /// A model was fitted, but not on the data (or up to the asof) the session has now. A stale model is kept, so
    /// that prediction functions can say so, and never used.
    var modelIsStale: Bool { models.predictive != nil && predictive == nil }

    static let staleModel = "no model fitted on the current data"
    static let refit =
        "the model was fitted on orders since reloaded, or up to a date after asof: fit bgnbd (and fit gammagamma) again"

    /// The models' orders are the current orders.
    var modelsFitOrders: Bool { models.data != nil && models.data == ordersVersion }
}
