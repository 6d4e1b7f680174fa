import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

extension Engine {
    /// Runs a query churnql built itself (workbench sections, team, handover, profile): the one entry point for
    /// them. It reads the base tables and the derived customers table, never the session's views, so a user's
    /// `let customers = …` cannot change a workbench list. The query runs as printed (`QueryPrinter`), so an error
    /// shows that text with a caret; with `source`, the error points at `span` there instead (the user's statement).
    func runQuery(_ query: Query, span: SourceSpan = .none, source: SourceText? = nil) throws(Diagnostic) -> Table {
        let printed = QueryPrinter.printed(query)
        let generated = SourceText(name: nil, text: printed.text)
        do {
            return try run(printed.query, source: generated, scope: ViewScope([:]))
        } catch {
            guard let source else { throw error }
            throw Diagnostic(code: error.code, message: error.message, span: span, in: source, hint: error.hint)
        }
    }

    /// `workbench [SECTION]`: the lists a retention team works through, as of asof.
    func workbench(_ only: String?, span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        let customers = try customersTable()
        let all = Workbench.sections(churnWindow: churnWindow, lostWindow: lostWindow)
        var sections = all
        if let only {
            guard let section = all.first(where: { $0.name == only }) else {
                let names = all.map(\.name)
                throw Diagnostic(
                    code: "unknown-section", message: "no workbench section '\(only)'", span: span, in: source,
                    hint: Suggestions.closest(to: only, in: names).map { "did you mean '\($0)'?" }
                        ?? "sections: \(names.joined(separator: ", "))")
            }
            sections = [section]
        }
        var parts: [(title: String, table: Table)] = []
        var notes: [String] = []
        var long: [(String, Table)] = []
        for section in sections {
            if let needed = section.needs, customers.column(needed) == nil {
                let what = needed.hasPrefix("contract") ? "a contracts table" : "a contacts table"
                notes.append("\(section.title): load \(what) to see this section")
                continue
            }
            let found = try runQuery(section.query)
            var names = ["customer_id"]
            if customers.column("rep") != nil { names.append("rep") }
            names += ["revenue", "status", "last_order"]
            if !names.contains(section.detail) { names.append(section.detail) }
            let shown = Table(
                name: section.name, columns: names.compactMap { found.column($0) }, rowCount: found.rowCount)
            long.append((section.name, shown))
            let limited = only == nil ? shown.gather(Array(0..<Swift.min(5, shown.rowCount))) : shown
            let count = found.rowCount
            let more = only == nil && count > 5 ? "; workbench \(section.name) shows all" : ""
            let text = QueryPrinter.text(of: section.query)
            parts.append(("\(section.title): \(count) customer\(count == 1 ? "" : "s")\(more)\n  \(text)", limited))
        }
        if only == nil {
            let lostByYear = try runQuery(Workbench.lostByYearQuery(lostWindow: lostWindow))
            parts.append(("lost customers by the year they became lost", lostByYear))
        }
        return .workbench(parts, long: long, notes: notes)
    }

    /// `handover "rep"`: the rep's customers, from the customers table's rep column (the latest contact's rep).
    func handover(_ rep: String, span: SourceSpan, source: SourceText) throws(Diagnostic) -> Table {
        guard crmColumnSchema.contains(where: { $0.name == "rep" }) else {
            throw Diagnostic(
                code: "no-contacts", message: "handover needs a contacts table with a rep column", span: span,
                in: source, hint: "load \"contacts.csv\" (customer, contact date, rep, outcome, next contact)")
        }
        return try runQuery(Workbench.handoverQuery(rep), span: span, source: source)
    }

    /// `team`: per sales rep, contacts made and how their customers are doing.
    func team(span: SourceSpan, source: SourceText) throws(Diagnostic) -> StatementResult {
        guard let name = contactsTableName, let roles = contactRoles, let repName = roles.rep,
            let contacts = catalog[name],
            let repColumn = contacts.column(repName), let dateColumn = contacts.column(roles.date)
        else {
            throw Diagnostic(
                code: "no-contacts", message: "team needs a contacts table with a rep column", span: span, in: source,
                hint: "load \"contacts.csv\" (customer, contact date, rep, outcome, next contact)")
        }
        let customers = try runQuery(Workbench.teamQuery)
        let asof = currentAsof ?? Int32.max
        let outcomeColumn = roles.outcome.flatMap(contacts.column)
        var stats: [String: (contacts: Int, effective: Int, won: Int, first: Int32, last: Int32)] = [:]
        for row in 0..<contacts.rowCount {
            guard let day = Self.day(dateColumn.value(at: row)), day <= asof else { continue }
            let rep = repColumn.value(at: row)
            if rep.isNull { continue }
            let outcome = outcomeColumn?.value(at: row).plainText.lowercased() ?? ""
            var s = stats[rep.plainText] ?? (0, 0, 0, day, day)
            s.contacts += 1
            if outcome == "reached" || outcome == "won" { s.effective += 1 }
            if outcome == "won" { s.won += 1 }
            s.first = Swift.min(s.first, day)
            s.last = Swift.max(s.last, day)
            stats[rep.plainText] = s
        }
        let reps = stats.keys.sorted()
        var repBuilder = ColumnBuilder(type: .text, capacity: reps.count)
        for rep in reps { repBuilder.append(.text(rep)) }
        let perRep = reps.map { stats[$0] ?? (0, 0, 0, 0, 0) }
        let contactTable = Table(
            name: "team",
            columns: [
                repBuilder.build(name: "rep"),
                Column(name: "contacts", storage: .integer(perRep.map { Int64($0.contacts) })),
                Column(
                    name: "per_week",
                    storage: .decimal(
                        perRep.map { Double($0.contacts) / Swift.max(1, Double($0.last - $0.first + 1) / 7) })),
                Column(name: "effective", storage: .integer(perRep.map { Int64($0.effective) })),
                Column(
                    name: "success_rate",
                    storage: .decimal(perRep.map { $0.contacts == 0 ? 0 : Double($0.won) / Double($0.contacts) })),
            ])
        let joined = try Join.run(
            left: contactTable, right: customers, on: ["rep"], kind: .left, span: span,
            context: CompileContext(table: contactTable, source: source, asof: currentAsof, parameters: parameters),
            limit: rowLimit)
        return .report(
            [
                (
                    "sales team: contacts (effective = reached or won; success = won / contacts) and each rep's customers",
                    joined
                )
            ],
            notes: ["a customer belongs to the rep of their latest contact; handover \"REP\" lists one rep's customers"]
        )
    }
}
