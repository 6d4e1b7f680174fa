import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLSnapshot
import ChurnQLStore
import ChurnQLSyntax

/// `save "file.cqs"` and reopening a snapshot (docs/snapshots.md). The engine gathers and restores the state;
/// the shell writes the bytes (atomically, never over an input).
extension Engine {
    /// The tables, views, settings, parameters and role options, and the order history as derived now.
    public func snapshotContents() throws(Diagnostic) -> (contents: SnapshotContents, notes: [String]) {
        var notes: [String] = []
        var session = SnapshotSession()
        if let asof = settings.asofOverride { session.settings["asof"] = String(asof) }
        session.settings["churn_window"] = String(settings.churnWindow)
        session.settings["lost_window"] = String(settings.lostWindow)
        session.settings["new_window"] = String(settings.newWindow)
        if let rule = settings.lostWhen { session.settings["lost_when"] = rule.text }
        session.views = viewsInDefinitionOrder().map { NamedText(name: $0.name, text: QueryPrinter.text(of: $0.query)) }
        session.parameters = parameters.keys.sorted().compactMap { name in
            parameters[name].map { NamedValue(name: name, value: $0) }
        }
        session.roleOverrides = roleOverrides
        var derived: [Table] = []
        if attachments.isEmpty, let history = try? orderHistory(), let asof = currentAsof {
            derived = [
                Table(name: "history.customers", columns: [history.keys]),
                Table(
                    name: "history.offsets",
                    columns: [Column(name: "offset", storage: .integer(history.offsets.map { Int64($0) }))]),
                Table(
                    name: "history.orders",
                    columns: [
                        Column(name: "day", storage: .date(history.days)),
                        Column(name: "amount", storage: .decimal(history.amounts)),
                    ]),
            ]
            session.derivedFacts = [
                "asof": String(asof), "latest_order_date": latestOrderDate.map { String($0) } ?? "",
                "missing_key": String(history.missingKey), "missing_date": String(history.missingDate),
                "after_asof": String(history.afterAsof), "orders_table": ordersTableName ?? "",
            ]
        }
        if !attachments.isEmpty {
            notes.append("note: attached databases are not saved (attach them again after opening)")
        }
        if !models.isEmpty { notes.append("note: fitted models are not saved (fit again after opening)") }
        let tables = catalog.names.compactMap { catalog[$0] }
        return (SnapshotContents(tables: tables, derived: derived, session: session), notes)
    }

    /// Each view after the views it reads, so that defining them in this order binds each as it was.
    private func viewsInDefinitionOrder() -> [ViewDefinition] {
        var order: [ViewDefinition] = []
        var seen: Set<String> = []
        var stack: [(ViewDefinition, Bool)] = views.keys.sorted().reversed().compactMap {
            views[$0].map { ($0, false) }
        }
        while let (view, expanded) = stack.popLast() {
            if seen.contains(view.name) { continue }
            if expanded {
                seen.insert(view.name)
                if views[view.name] === view { order.append(view) }
                continue
            }
            stack.append((view, true))
            for name in view.references.keys.sorted() {
                if let current = views[name], !seen.contains(name) { stack.append((current, false)) }
            }
        }
        return order
    }

    /// Opens a snapshot: its tables join the catalog (replacing tables of the same names), its settings, views,
    /// parameters and role options are restored, and, in a session that had no data, the stored order history
    /// stands for the derived one.
    func openSnapshot(path: String) throws(Diagnostic) -> [String] {
        let wasEmpty = catalog.names.isEmpty && attachments.isEmpty
        let contents = try Trace.measure("snapshot read") { () throws(Diagnostic) in
            try SnapshotReader.read(path: path)
        }
        let session = contents.session
        let previous = (catalog, roleOverrides)
        var newCatalog = catalog
        for table in contents.tables { newCatalog.put(table) }
        var overrides = roleOverrides
        for (name, options) in session.roleOverrides { overrides[name] = options }
        roleOverrides = overrides
        catalog = newCatalog
        do {
            try detectRoles()
        } catch {
            (catalog, roleOverrides) = previous
            try? detectRoles()
            throw error
        }
        var messages: [String] = []
        restoreSettings(session.settings, path: path, messages: &messages)
        for parameter in session.parameters {
            if let value = parameter.value { parameters[parameter.name] = value }
        }
        for view in session.views { restoreView(view, path: path, messages: &messages) }
        if wasEmpty { seedDerived(contents.derived, facts: session.derivedFacts) }
        for table in contents.tables { messages.append(describeLoad(table.name)) }
        if !session.views.isEmpty {
            messages.append("views: " + session.views.map(\.name).joined(separator: ", "))
        }
        lastLoadedNames = contents.tables.map(\.name)
        return messages
    }

    private func restoreSettings(_ values: [String: String], path: String, messages: inout [String]) {
        settings.asofOverride = values["asof"].flatMap { Int32($0) }
        if let days = values["churn_window"].flatMap({ Int($0) }), days > 0 { settings.churnWindow = days }
        if let days = values["lost_window"].flatMap({ Int($0) }), days > 0 { settings.lostWindow = days }
        if let days = values["new_window"].flatMap({ Int($0) }), days > 0 { settings.newWindow = days }
        settings.lostWhen = nil
        guard let text = values["lost_when"] else { return }
        let source = SourceText(name: path, text: text)
        let (expression, problems) = Parser.parseExpression(source)
        if let expression, problems.isEmpty {
            settings.lostWhen = LostWhenRule(expression: expression, source: source, text: text)
        } else {
            messages.append("warning: lost_when = \(text) could not be restored; lost_when is none")
        }
    }

    private func restoreView(_ view: NamedText, path: String, messages: inout [String]) {
        let source = SourceText(name: path, text: "let \(QueryPrinter.name(view.name)) = \(view.text)")
        let parsed = Parser.parse(source)
        guard parsed.diagnostics.isEmpty, parsed.statements.count == 1, let node = parsed.statements.first,
            case .let = node.statement
        else {
            messages.append("warning: view \(view.name) could not be restored")
            return
        }
        do {
            _ = try execute(node, source: source)
        } catch {
            messages.append("warning: view \(view.name) could not be restored: \(error.message)")
        }
    }

    /// The stored history, when it was derived from exactly these orders; otherwise it is derived on first use.
    private func seedDerived(_ derived: [Table], facts: [String: String]) {
        guard derived.count == 3, facts["orders_table"] == ordersTableName,
            let asof = facts["asof"].flatMap({ Int32($0) }), asof == currentAsofIfStored(facts),
            let keys = derived[0].columns.first,
            case .integer(let offsets)? = derived[1].columns.first?.storage,
            case .date(let days)? = derived[2].columns.first?.storage,
            case .decimal(let amounts)? = derived[2].columns.dropFirst().first?.storage,
            let history = OrderHistory(
                stored: keys, offsets: offsets.map { Int($0) }, days: days,
                amounts: amounts, missingKey: Int(facts["missing_key"] ?? "") ?? 0,
                missingDate: Int(facts["missing_date"] ?? "") ?? 0, afterAsof: Int(facts["after_asof"] ?? "") ?? 0)
        else { return }
        let latest = facts["latest_order_date"].flatMap { Int32($0) }
        _ = self.derived.latestOrderDate.value(for: dataVersion) { latest }
        _ = self.derived.history.value(for: HistoryKey(data: dataVersion, asof: asof)) { history }
    }

    /// The analysis date the stored history was built for, as this session will compute it.
    private func currentAsofIfStored(_ facts: [String: String]) -> Int32? {
        settings.asofOverride ?? facts["latest_order_date"].flatMap { Int32($0) }
    }
}
