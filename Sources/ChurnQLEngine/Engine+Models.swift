import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLStore
import ChurnQLSyntax

/// Fitted predictive models of a session.
public struct PredictiveState {
    public var transactions: any TransactionModel
    public var transactionFit: ModelFit
    public var calibrationEnd: Int32
    public var unitDays: Double
    public var spend: GammaGamma?
    public var spendFit: ModelFit?
    /// The last day of the spend model's calibration period, which may differ from the transaction model's.
    public var spendCalibrationEnd: Int32?

    /// Why these models cannot be combined for `function` (predicted_clv): they were calibrated on different
    /// periods. nil when they share one.
    func windowMismatch(_ function: String) -> (message: String, hint: String)? {
        guard let spendEnd = spendCalibrationEnd, spendEnd != calibrationEnd else { return nil }
        let (transactions, spending) = (Dates.format(calibrationEnd), Dates.format(spendEnd))
        return (
            "\(function)() would combine \(transactionFit.model) calibrated up to \(transactions) with Gamma-Gamma "
                + "calibrated up to \(spending)",
            "fit gammagamma until \(transactions) (or fit \(Self.statementName(transactionFit.model)) until "
                + "\(spending)) so that both models share one calibration period"
        )
    }

    /// The `fit` word for a fitted transaction model's display name.
    static func statementName(_ model: String) -> String {
        switch model {
        case "MBG/NBD": return "mbgnbd"
        case "Pareto/NBD": return "paretonbd"
        default: return "bgnbd"
        }
    }
}

extension Engine {
    /// `fit bgnbd|mbgnbd|gammagamma [until DATE] [unit weeks|days]`.
    func fit(model: String, until: Expression?, unit: String?, span: SourceSpan, source: SourceText) throws(Diagnostic)
        -> StatementResult
    {
        let server = ordersAttachment
        let history = server == nil ? try orderHistory() : nil
        guard let asof = server == nil ? currentAsof : try serverAsof() else { throw Self.noOrders }
        var cutoff = asof
        if let until {
            guard case .date(let day) = try ExpressionCompiler.constant(until, constantContext(source)) else {
                throw Diagnostic(
                    code: "bad-fit", message: "until needs a date", span: until.span, in: source,
                    hint: "fit bgnbd until 1997-09-30")
            }
            guard day <= asof else {
                throw Diagnostic(
                    code: "bad-fit", message: "until \(Dates.format(day)) is after asof \(Dates.format(asof))",
                    span: until.span,
                    in: source, hint: "the calibration period must end on or before asof")
            }
            cutoff = day
        } else if model == "gammagamma", let transactions = predictive {
            // One calibration period per model set: spend follows the fitted purchase model unless told otherwise.
            cutoff = transactions.calibrationEnd
        }
        let unitDays: Double
        switch unit ?? "weeks" {
        case "weeks", "week", "w": unitDays = 7
        case "days", "day", "d": unitDays = 1
        default:
            throw Diagnostic(code: "bad-fit", message: "unit must be weeks or days", span: span, in: source)
        }
        let data: CalibrationData
        let firstDay: Int32?
        if let history {
            let historyKey = HistoryKey(data: dataVersion, asof: asof)
            data = try derived.calibration.value(
                for: CalibrationKey(history: historyKey, cutoff: cutoff, unitDays: unitDays)
            ) { () throws(Diagnostic) in
                let data = Trace.measure("calibration data") {
                    Calibration.data(history: history, cutoff: cutoff, unitDays: unitDays)
                }
                // Stopped by Ctrl-C part way, the data is partial: never kept.
                try checkCancelled()
                return data
            }
            firstDay = history.days.min()
        } else {
            // The server sends the compressed statistics; the server's data is read afresh at every fit.
            (data, firstDay) = try serverCalibrationData(
                cutoff: cutoff, unitDays: unitDays, spend: model == "gammagamma", span: span, source: source)
        }
        // Models fitted on other orders are not combined with this one.
        var fitted = modelsFitOrders ? models : FittedModels()
        fitted.data = ordersVersion
        fitted.settings = settings
        func failure(_ error: ModelError) -> Diagnostic {
            Diagnostic(
                code: error.interrupted ? "interrupted" : "fit-failed", message: error.message, span: span,
                in: source, hint: error.hint)
        }
        switch model {
        case "bgnbd", "mbgnbd", "paretonbd":
            do throws(ModelError) {
                let (model, fit) = try monitored(model) { () throws(ModelError) in
                    try Self.fitTransactions(model, data)
                }
                let spend = fitted.predictive?.spend ?? fitted.spendOnly?.model
                let spendFit = fitted.predictive?.spendFit ?? fitted.spendOnly?.fit
                let spendEnd = fitted.predictive?.spendCalibrationEnd ?? fitted.spendOnly?.calibrationEnd
                fitted.predictive = PredictiveState(
                    transactions: model, transactionFit: fit, calibrationEnd: cutoff, unitDays: unitDays,
                    spend: spend, spendFit: spendFit, spendCalibrationEnd: spendEnd)
                fitted.spendOnly = nil
                models = fitted
                var notes =
                    summary(fit) + [
                        "now available: p_alive column, expected_purchases(90d), predicted_clv(12, 0.01) after fit gammagamma"
                    ]
                if let spendEnd, spendEnd != cutoff {
                    notes.append(
                        "note: Gamma-Gamma was calibrated up to \(Dates.format(spendEnd)): fit gammagamma again for "
                            + "predicted_clv on this calibration period")
                }
                return .report(
                    [
                        (
                            "\(fit.model) on \(fit.customers) customers, calibration \(calibrationPeriod(firstDay, cutoff)), time in \(unitDays == 7 ? "weeks" : "days")",
                            parameterTable(fit)
                        )
                    ],
                    notes: notes)
            } catch {
                throw failure(error)
            }
        case "gammagamma":
            do throws(ModelError) {
                let (spend, fit) = try monitored(model) { () throws(ModelError) in
                    try GammaGamma.fit(frequency: data.x, monetary: data.monetary)
                }
                if fitted.predictive != nil {
                    fitted.predictive?.spend = spend
                    fitted.predictive?.spendFit = fit
                    fitted.predictive?.spendCalibrationEnd = cutoff
                } else {
                    fitted.spendOnly = (spend, fit, cutoff)
                }
                models = fitted
                var notes = summary(fit)
                if let transactions = fitted.predictive, transactions.calibrationEnd != cutoff {
                    notes.append(
                        "note: \(transactions.transactionFit.model) was calibrated up to "
                            + "\(Dates.format(transactions.calibrationEnd)): predicted_clv needs both on one period")
                }
                return .report(
                    [
                        (
                            "Gamma-Gamma on \(fit.customers) repeat customers, calibration \(calibrationPeriod(firstDay, cutoff))",
                            parameterTable(fit)
                        )
                    ], notes: notes)
            } catch {
                throw failure(error)
            }
        default:
            let models = ["bgnbd", "mbgnbd", "paretonbd", "gammagamma"]
            throw Diagnostic(
                code: "unknown-model", message: "unknown model '\(model)'", span: span, in: source,
                hint: Suggestions.closest(to: model, in: models).map { "did you mean '\($0)'?" }
                    ?? "models: \(models.joined(separator: ", "))")
        }
    }

    /// `first..last`: from the first order to the calibration end, as every fit reports it.
    private func calibrationPeriod(_ firstDay: Int32?, _ cutoff: Int32) -> String {
        "\(Dates.format(firstDay ?? cutoff))..\(Dates.format(cutoff))"
    }

    /// Runs a fit with a progress monitor: a display of the iterations on a terminal, and Ctrl-C to stop it.
    private func monitored<T>(_ model: String, _ body: () throws(ModelError) -> T) throws(ModelError) -> T {
        let progress = FitProgress(cancelled: { [interrupt, loadCancelled] in interrupt.isRequested || loadCancelled() }
        )
        let stopDisplay = fitDisplay?(progress, model) ?? {}
        defer { stopDisplay() }
        let result: Result<T, ModelError> = FitProgress.$current.withValue(progress) {
            Trace.measure("fit \(model)") {
                do throws(ModelError) {
                    return .success(try body())
                } catch {
                    return .failure(error)
                }
            }
        }
        return try result.get()
    }

    /// Fits one of the purchase-count models by name.
    static func fitTransactions(_ name: String, _ data: CalibrationData) throws(ModelError) -> (
        any TransactionModel, ModelFit
    ) {
        if name == "paretonbd" {
            let (model, fit) = try ParetoNBD.fit(data)
            return (model, fit)
        }
        let (model, fit) = try BGNBD.fit(data, modified: name == "mbgnbd")
        return (model, fit)
    }

    /// One row per parameter, then `loglik` with the log-likelihood as its estimate and empty intervals (the
    /// rows `fit … --format csv` promises).
    func parameterTable(_ fit: ModelFit) -> Table {
        let names = fit.parameters.map(\.name) + ["loglik"]
        let estimates = fit.parameters.map(\.value) + [fit.logLikelihood]
        func interval(_ name: String, _ values: [Double?]) -> Column {
            let all = values + [nil]
            return Column(name: name, storage: .decimal(all.map { $0 ?? 0 }), nulls: all.map { $0 == nil })
        }
        return Table(
            name: "fit",
            columns: [
                textColumn("parameter", names),
                Column(name: "estimate", storage: .decimal(estimates)),
                interval("std_error", fit.parameters.map(\.standardError)),
                interval("lower95", fit.parameters.map(\.lower)),
                interval("upper95", fit.parameters.map(\.upper)),
            ])
    }

    /// The fit's line, its notes, and its warning (`warning: ` lines are shown even with --quiet).
    func summary(_ fit: ModelFit) -> [String] {
        [
            "log-likelihood \(NumberFormat.plain(fit.logLikelihood)), AIC \(NumberFormat.plain(fit.aic)), \(fit.iterations) iterations, \(fit.status)"
        ] + fit.notes + Self.warnings([fit])
    }

    /// `warning: ` lines for fits that did not converge or sit at the boundary.
    static func warnings(_ fits: [ModelFit?]) -> [String] {
        fits.compactMap { $0?.warning }.map { "warning: " + $0 }
    }

    /// `evaluate`: predicted against actual repeat purchases in the holdout period (calibration end, asof].
    func evaluate(span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        guard let state = predictive else {
            if modelIsStale {
                throw Diagnostic(code: "no-model", message: Self.staleModel, span: span, in: source, hint: Self.refit)
            }
            throw Diagnostic(
                code: "no-model", message: "evaluate needs a fitted model", span: span, in: source,
                hint: "fit bgnbd until 1997-09-30, then evaluate")
        }
        let server = ordersAttachment
        let profile = server == nil ? try profile() : nil
        let knownAsof = profile?.settings.asof
        guard let asof = knownAsof != nil ? knownAsof : try serverAsof() else { throw Self.noOrders }
        guard state.calibrationEnd < asof else {
            throw Diagnostic(
                code: "no-holdout",
                message: "the model was fitted up to asof, so there is no holdout period to compare with",
                span: span, in: source, hint: "fit bgnbd until DATE with a DATE before asof")
        }
        // The curve below has a point per holdout week, each a pass over every customer.
        let holdoutWeeks = (Int(asof) - Int(state.calibrationEnd) + 6) / 7
        guard holdoutWeeks <= Self.periodLimit else {
            let what = "evaluate would follow \(holdoutWeeks) holdout weeks"
            if let profile { throw Self.tooManyPeriods(what, from: state.calibrationEnd, profile) }
            throw Diagnostic(
                code: "too-many-periods", message: "\(what), more than \(Self.periodLimit)", span: span, in: source,
                hint: "set asof nearer the calibration end")
        }
        let holdout: HoldoutSummary
        if let profile {
            holdout = HoldoutSummary(
                profile.history, cutoff: state.calibrationEnd, asof: asof, unitDays: state.unitDays)
            try checkCancelled()
        } else {
            holdout = try serverHoldout(
                cutoff: state.calibrationEnd, asof: asof, unitDays: state.unitDays, span: span, source: source)
        }
        let horizon = Double(asof - state.calibrationEnd) / state.unitDays
        // Predictions once per group of equal histories (memory groups equal customers too).
        let model = state.transactions
        var predicted: [Double] = []
        predicted.reserveCapacity(holdout.count)
        for i in 0..<holdout.count {
            if i & 1023 == 0 { try checkCancelled() }
            predicted.append(
                model.conditionalExpectedPurchases(t: horizon, x: holdout.x[i], tx: holdout.tx[i], T: holdout.T[i]))
        }
        var bucketCustomers = [Int64](repeating: 0, count: 8)
        var bucketActual = [Double](repeating: 0, count: 8)
        var bucketPredicted = [Double](repeating: 0, count: 8)
        var absoluteError = 0.0
        for i in 0..<holdout.count {
            let b = Swift.min(7, Int(holdout.x[i]))
            let n = Double(holdout.customers[i])
            bucketCustomers[b] += Int64(holdout.customers[i])
            bucketActual[b] += Double(holdout.actual[i]) * n
            bucketPredicted[b] += predicted[i] * n
            absoluteError += abs(Double(holdout.actual[i]) - predicted[i]) * n
        }
        let labels = (0..<8).map { $0 == 7 ? "7+" : String($0) } + ["all"]
        bucketCustomers.append(bucketCustomers.reduce(0, +))
        bucketActual.append(bucketActual.reduce(0, +))
        bucketPredicted.append(bucketPredicted.reduce(0, +))
        let byFrequency = Table(
            name: "evaluate",
            columns: [
                textColumn("calibration_frequency", labels),
                Column(name: "customers", storage: .integer(bucketCustomers)),
                Column(
                    name: "actual_mean",
                    storage: .decimal(zip(bucketActual, bucketCustomers).map { $1 == 0 ? 0 : $0 / Double($1) })),
                Column(
                    name: "predicted_mean",
                    storage: .decimal(zip(bucketPredicted, bucketCustomers).map { $1 == 0 ? 0 : $0 / Double($1) })),
                Column(name: "actual_total", storage: .decimal(bucketActual)),
                Column(name: "predicted_total", storage: .decimal(bucketPredicted)),
            ])
        // Cumulative repeat purchases week by week through the holdout.
        let holdoutDays = Int(asof - state.calibrationEnd)
        let ends = Array(stride(from: 7, through: holdoutDays + 6, by: 7)).map { Swift.min(holdoutDays, $0) }
        let weeks = ends.indices.map { Int64($0 + 1) }
        let horizons = ends.map { Double($0) / state.unitDays }
        var cumulativePredicted = [Double](repeating: 0, count: horizons.count)
        for i in 0..<holdout.count {
            if i & 1023 == 0 { try checkCancelled() }
            let curve = model.conditionalExpectedPurchases(
                horizons: horizons, x: holdout.x[i], tx: holdout.tx[i], T: holdout.T[i])
            for (k, value) in curve.enumerated() { cumulativePredicted[k] += value * Double(holdout.customers[i]) }
        }
        let cumulativeActual = holdout.cumulativeActual
        let curve = Table(
            name: "curve",
            columns: [
                Column(name: "week", storage: .integer(weeks)),
                Column(name: "actual", storage: .decimal(cumulativeActual)),
                Column(name: "predicted", storage: .decimal(cumulativePredicted)),
            ])
        let mae = absoluteError / Double(Swift.max(1, holdout.customers.reduce(0, +)))
        return .report(
            [
                (
                    "holdout \(Dates.format(state.calibrationEnd + 1))..\(Dates.format(asof)): repeat purchases by calibration frequency",
                    byFrequency
                ),
                ("cumulative repeat purchases in the holdout, week by week", curve),
            ],
            notes: ["mean absolute error per customer: \(NumberFormat.plain(mae))"]
                + Self.warnings([state.transactionFit, state.spendFit]),
            chart: ChartSpec(
                title: "cumulative repeat purchases in the holdout",
                series: [("actual", cumulativeActual, "●"), ("predicted", cumulativePredicted, "○")], xLabel: "week"))
    }

    /// `compare models`: BG/NBD, MBG/NBD and Pareto/NBD side by side on the same calibration data.
    func compareModels(span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        let profile = try profile()
        let cutoff = predictive?.calibrationEnd ?? profile.settings.asof
        let unitDays = predictive?.unitDays ?? 7
        let data = Calibration.data(history: profile.history, cutoff: cutoff, unitDays: unitDays)
        try checkCancelled()
        let customers = Calibration.customers(history: profile.history, cutoff: cutoff)
        let asof = profile.settings.asof
        let actual = Calibration.holdoutPurchases(
            history: profile.history, customers: customers, from: cutoff, through: asof)
        let horizon = Double(asof - cutoff) / unitDays
        let triples = CustomerTriples(data)
        var names: [String] = []
        var ll: [Double] = []
        var aic: [Double] = []
        var bic: [Double] = []
        var mae: [Double?] = []
        var fits: [ModelFit] = []
        for kind in ["bgnbd", "mbgnbd", "paretonbd"] {
            do throws(ModelError) {
                let (model, fit) = try Self.fitTransactions(kind, data)
                names.append(fit.model)
                fits.append(fit)
                ll.append(fit.logLikelihood)
                aic.append(fit.aic)
                bic.append(fit.bic)
                if cutoff < asof {
                    let predicted = triples.perCustomer {
                        model.conditionalExpectedPurchases(
                            t: horizon, x: triples.x[$0], tx: triples.tx[$0], T: triples.T[$0])
                    }
                    let errors = zip(actual, predicted).reduce(0) { $0 + abs(Double($1.0) - $1.1) }
                    mae.append(errors / Double(Swift.max(1, actual.count)))
                } else {
                    mae.append(nil)
                }
            } catch {
                throw Diagnostic(code: "fit-failed", message: error.message, span: span, in: source, hint: error.hint)
            }
        }
        let table = Table(
            name: "models",
            columns: [
                textColumn("model", names),
                Column(name: "log_likelihood", storage: .decimal(ll)),
                Column(name: "aic", storage: .decimal(aic)),
                Column(name: "bic", storage: .decimal(bic)),
                Column(name: "holdout_mae", storage: .decimal(mae.map { $0 ?? 0 }), nulls: mae.map { $0 == nil }),
                textColumn("status", fits.map(\.status)),
            ])
        return .report(
            [("models fitted to the same calibration data (up to \(Dates.format(cutoff)))", table)],
            notes: Self.warnings(fits))
    }
}
