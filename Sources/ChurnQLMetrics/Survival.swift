import Foundation

/// One step of a Kaplan–Meier curve.
public struct SurvivalPoint: Sendable, Equatable {
    public var day: Int
    public var atRisk: Int
    public var events: Int
    public var censored: Int
    public var survival: Double
    public var lower: Double
    public var upper: Double
}

/// Kaplan–Meier retention: a customer "dies" at the last purchase once no longer active (lapsed or lost) and is
/// censored at asof while active; time is days since the first purchase. Intervals: Greenwood's variance on the
/// log scale (log-log transform), 95%.
public enum Survival {
    /// `durations[i]` days observed, `died[i]` whether the customer churned (else censored).
    public static func kaplanMeier(durations: [Int], died: [Bool]) -> [SurvivalPoint] {
        let order = durations.indices.sorted { durations[$0] < durations[$1] }
        var atRisk = durations.count
        var s = 1.0
        var greenwood = 0.0
        var points: [SurvivalPoint] = []
        var i = 0
        while i < order.count {
            let day = durations[order[i]]
            var events = 0
            var censored = 0
            while i < order.count && durations[order[i]] == day {
                if died[order[i]] { events += 1 } else { censored += 1 }
                i += 1
            }
            if events > 0 && atRisk > 0 {
                s *= 1 - Double(events) / Double(atRisk)
                if atRisk > events { greenwood += Double(events) / (Double(atRisk) * Double(atRisk - events)) }
            }
            let (lower, upper) = interval(s, greenwood)
            points.append(
                SurvivalPoint(
                    day: day, atRisk: atRisk, events: events, censored: censored, survival: s, lower: lower,
                    upper: upper))
            atRisk -= events + censored
        }
        return points
    }

    /// The 95% interval by the log(−log) transform, which stays inside [0, 1].
    static func interval(_ s: Double, _ greenwood: Double) -> (Double, Double) {
        guard s > 0, s < 1, greenwood > 0 else { return (s, s) }
        let se = (greenwood).squareRoot() / abs(log(s))
        let c = 1.959964
        return (pow(s, exp(c * se)), pow(s, exp(-c * se)))
    }

    /// Area under the curve up to `horizon` days: the restricted mean tenure.
    public static func restrictedMean(_ points: [SurvivalPoint], horizon: Int) -> Double {
        var area = 0.0
        var previousDay = 0
        var previousS = 1.0
        for p in points where p.day <= horizon {
            area += Double(p.day - previousDay) * previousS
            previousDay = p.day
            previousS = p.survival
        }
        return area + Double(horizon - previousDay) * previousS
    }
}
