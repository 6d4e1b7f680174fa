import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

extension Engine {
    /// `verify`: re-derives the published CDNOW figures in an engine of its own, on the sample compiled into the
    /// program, so the session's data, settings and fitted models stay as they are. Fails (exit status 1) when a
    /// figure is outside its tolerance, after printing the table.
    func verify(span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        let lines: [VerifiedFigure]
        do {
            lines = PublishedFigures.compare(PublishedFigures.all, computed: try computeSampleFigures())
        } catch {
            throw Diagnostic(
                code: error.code, message: "verify: \(error.message)", span: span, in: source, hint: error.hint)
        }
        let report = StatementResult.report(
            [("published figures beside the same figures computed from the CDNOW sample", verifyTable(lines))],
            notes: [])
        let differing = lines.filter { !$0.holds }
        guard differing.isEmpty else {
            let names = differing.map { "\($0.figure.source): \($0.figure.name)" }
            return .failed(
                report,
                Diagnostic(
                    code: "verify-failed",
                    message: "\(differing.count) of \(lines.count) figures differ from the published values: "
                        + names.joined(separator: "; "),
                    span: span, in: source,
                    hint: "a change to the loader, the metrics or the models moved these figures; see docs/metrics.md"))
        }
        guard case .report(let parts, _, _) = report else { return report }
        return .report(parts, notes: ["all \(lines.count) figures agree with the published values"])
    }

    /// Every computed figure by its key (see `PublishedFigures`), from a fresh engine holding only the sample.
    func computeSampleFigures() throws(Diagnostic) -> [String: Double] {
        let sample = Engine()
        sample.interrupt = interrupt
        sample.loadCancelled = loadCancelled
        let loaded = try CSVLoader.parse(text: CDNOWSample.csv, path: "CDNOW sample (built in)", name: "orders")
        sample.catalog.put(loaded.table)
        try sample.detectRoles()
        sample.settings.asofOverride = CDNOWSample.asof
        var computed: [String: Double] = [:]
        for (query, _) in PublishedFigures.briefQueries {
            computed[query] = try sample.firstNumber(of: query)
        }
        let generated = SourceText(name: nil, text: "")
        let (year, month, day) = Dates.civil(CDNOWSample.calibrationEnd)
        let until = Expression.literal(.date(year: year, month: month, day: day), .none)
        func fit(_ model: String) throws(Diagnostic) {
            _ = try sample.fit(
                model: model, until: model == "gammagamma" ? nil : until, unit: nil, span: .none,
                source: generated)
        }
        // Gamma-Gamma without `until`: it must take the BG/NBD's calibration period.
        try fit("bgnbd")
        try fit("gammagamma")
        if let state = sample.models.predictive {
            let bgnbd = state.transactionFit
            computed["bgnbd.customers"] = Double(bgnbd.customers)
            for name in ["r", "alpha", "a", "b"] { computed["bgnbd." + name] = bgnbd.value(name) }
            computed["bgnbd.loglik"] = bgnbd.logLikelihood
            if let spend = state.spendFit {
                computed["gg.customers"] = Double(spend.customers)
                for name in ["p", "q", "gamma"] { computed["gg." + name] = spend.value(name) }
            }
            let (x, tx, T) = (2.0, 30.43, 38.86)
            computed["customer.expected"] = state.transactions.conditionalExpectedPurchases(t: 39, x: x, tx: tx, T: T)
            computed["customer.alive"] = state.transactions.probabilityAlive(x: x, tx: tx, T: T)
        }
        try fit("paretonbd")
        if let pareto = sample.models.predictive?.transactionFit {
            for parameter in pareto.parameters {
                computed["pnbd." + parameter.name] = parameter.value
                computed["pnbd.se." + parameter.name] = parameter.standardError
            }
            computed["pnbd.loglik"] = pareto.logLikelihood
        }
        return computed
    }

    /// The first cell of a query's result as a number.
    private func firstNumber(of text: String) throws(Diagnostic) -> Double? {
        let source = SourceText(name: nil, text: text)
        let parsed = Parser.parse(source)
        if let error = parsed.diagnostics.first { throw error }
        guard let node = parsed.statements.first, case .query(let query) = node.statement else { return nil }
        let table = try run(query, source: source)
        guard table.rowCount > 0, let column = table.columns.first else { return nil }
        return column.value(at: 0).asDouble
    }

    /// source, figure, published (as printed), computed, tolerance, result.
    private func verifyTable(_ lines: [VerifiedFigure]) -> Table {
        let computed = lines.map(\.computed)
        return Table(
            name: "verify",
            columns: [
                textColumn("source", lines.map(\.figure.source)),
                textColumn("figure", lines.map(\.figure.name)),
                textColumn("published", lines.map(\.figure.text)),
                Column(
                    name: "computed", storage: .decimal(computed.map { $0 ?? 0 }), nulls: computed.map { $0 == nil }),
                textColumn("tolerance", lines.map(\.figure.toleranceText)),
                textColumn("result", lines.map { $0.holds ? "ok" : "DIFFERS" }),
            ])
    }
}
