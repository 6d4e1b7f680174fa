/// A figure published for the CDNOW sample, as printed, and how close a computation must come to it.
struct PublishedFigure: Sendable {
    /// Names the computed value (`bgnbd.r`).
    var key: String
    var source: String
    var name: String
    /// The figure as published ("0.2426", "-9582.43", "946").
    var text: String

    var value: Double { Double(text) ?? .nan }

    /// Published figures are rounded: a decimal holds within half a unit of its last digit (0.2426 ± 0.00005);
    /// a count has no decimals and must be exact.
    var tolerance: Double {
        guard let point = text.firstIndex(of: ".") else { return 0 }
        let decimals = text.distance(from: point, to: text.endIndex) - 1
        var unit = 1.0
        for _ in 0..<decimals { unit /= 10 }
        return unit / 2
    }

    /// The tolerance as written beside the figure: `0.00005`, or `exact`.
    var toleranceText: String {
        guard let point = text.firstIndex(of: ".") else { return "exact" }
        let decimals = text.distance(from: point, to: text.endIndex) - 1
        return "0." + String(repeating: "0", count: decimals) + "5"
    }

    /// NaN or a missing value never holds. A slack of 1e-12 of the figure absorbs the binary representation of
    /// decimals (0.5595855 is stored a hair below itself).
    func holds(_ computed: Double?) -> Bool {
        guard let computed, computed.isFinite, value.isFinite else { return false }
        return abs(computed - value) <= tolerance + 1e-12 * Swift.max(1, abs(value))
    }
}

/// One line of `verify`: a published figure beside its computation.
struct VerifiedFigure: Sendable {
    var figure: PublishedFigure
    var computed: Double?
    var holds: Bool { figure.holds(computed) }
}

/// The figures `verify` re-derives from the CDNOW sample.
enum PublishedFigures {
    static let bgnbd = "BG/NBD (Fader, Hardie & Lee 2005)"
    static let gammaGamma = "Gamma-Gamma (Fader & Hardie 2013)"
    static let paretoNBD = "Pareto/NBD (CLVTools)"
    static let customer = "customer x=2, t_x=30.43, T=38.86"
    static let brief = "product brief, asof 1998-06-30"

    static let all: [PublishedFigure] =
        [
            PublishedFigure(key: "bgnbd.customers", source: bgnbd, name: "customers", text: "2357"),
            PublishedFigure(key: "bgnbd.r", source: bgnbd, name: "r", text: "0.2426"),
            PublishedFigure(key: "bgnbd.alpha", source: bgnbd, name: "alpha", text: "4.4136"),
            PublishedFigure(key: "bgnbd.a", source: bgnbd, name: "a", text: "0.7929"),
            PublishedFigure(key: "bgnbd.b", source: bgnbd, name: "b", text: "2.4259"),
            PublishedFigure(key: "bgnbd.loglik", source: bgnbd, name: "log-likelihood", text: "-9582.43"),
            PublishedFigure(key: "gg.customers", source: gammaGamma, name: "repeat customers", text: "946"),
            PublishedFigure(key: "gg.p", source: gammaGamma, name: "p", text: "6.25"),
            PublishedFigure(key: "gg.q", source: gammaGamma, name: "q", text: "3.74"),
            PublishedFigure(key: "gg.gamma", source: gammaGamma, name: "gamma", text: "15.44"),
            PublishedFigure(key: "pnbd.r", source: paretoNBD, name: "r", text: "0.553"),
            PublishedFigure(key: "pnbd.alpha", source: paretoNBD, name: "alpha", text: "10.578"),
            PublishedFigure(key: "pnbd.s", source: paretoNBD, name: "s", text: "0.606"),
            PublishedFigure(key: "pnbd.beta", source: paretoNBD, name: "beta", text: "11.669"),
            PublishedFigure(key: "pnbd.loglik", source: paretoNBD, name: "log-likelihood", text: "-9595.0"),
            PublishedFigure(key: "pnbd.se.r", source: paretoNBD, name: "std error of r", text: "0.0476"),
            PublishedFigure(key: "pnbd.se.alpha", source: paretoNBD, name: "std error of alpha", text: "0.843"),
            PublishedFigure(key: "pnbd.se.s", source: paretoNBD, name: "std error of s", text: "0.187"),
            PublishedFigure(key: "pnbd.se.beta", source: paretoNBD, name: "std error of beta", text: "6.21"),
            PublishedFigure(
                key: "customer.expected", source: customer, name: "expected purchases in 39 weeks", text: "1.226"),
            PublishedFigure(key: "customer.alive", source: customer, name: "P(alive)", text: "0.7266"),
        ] + briefQueries.map { PublishedFigure(key: $0.query, source: brief, name: $0.query, text: $0.text) }

    /// The product brief's fixed acceptance queries (and churn_rate) with their figures on the sample
    /// (Tests/golden/acceptance/cdnow.out); each names one number.
    static let briefQueries: [(query: String, text: String)] = [
        ("from orders | count", "6919"),
        ("from customers | count", "2357"),
        ("from customers | where days_since_last > 90 | count", "2057"),
        ("from customers | where frequency >= 1 | count", "1139"),
        ("from customers | agg total = sum(revenue)", "244091.94"),
        ("from customers | agg cycle = avg(purchase_cycle_days)", "112.115986"),
        ("from customers | where status == \"active\" | count", "300"),
        ("from customers | where status == \"lapsed\" | count", "518"),
        ("from customers | where status == \"lost\" | count", "1539"),
        ("from customers | agg c = churn_rate()", "0.559585"),
    ]

    /// Each figure beside its computed value (nil when nothing computed it).
    static func compare(_ figures: [PublishedFigure], computed: [String: Double]) -> [VerifiedFigure] {
        figures.map { VerifiedFigure(figure: $0, computed: computed[$0.key]) }
    }
}
