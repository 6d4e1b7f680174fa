import ChurnQLLoad
import ChurnQLMetrics

/// The fitted models of a session and what they were fitted on.
struct FittedModels {
    var predictive: PredictiveState?
    /// Gamma-Gamma fitted before any transaction model, with the last day of its calibration period.
    var spendOnly: (model: GammaGamma, fit: ModelFit, calibrationEnd: Int32)?
    /// The orders the models were fitted on; other orders make them stale.
    var data: OrdersVersion?
    /// The settings at the fit (asof fixes the default calibration end).
    var settings: SessionSettings?

    var isEmpty: Bool { predictive == nil && spendOnly == nil }
}

/// The orders table as it is now: its name, its catalog stamp, its roles and role options.
struct OrdersVersion: Equatable {
    var table: String
    var stamp: Int?
    var roles: OrderRoles
    var options: [String: String]?
}
