import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLSnapshot
import ChurnQLStore
import ChurnQLSyntax
import Foundation

extension Engine {
    static let loadOptionNames = [
        "delimiter", "header", "date_format", "null", "skip_bad_rows", "customer", "date", "amount", "key_match",
        "timeout", "memory_mb",
    ]

    /// `load "path" [as name] [with (…)]` from a statement.
    /// `typed`: options fixed by the caller (a server table's text and number columns).
    func load(
        path: String, alias: String?, options: [Option], span: SourceSpan, source: SourceText,
        typed: LoadOptions = LoadOptions()
    ) throws(Diagnostic) -> [String] {
        let path = UserPath.expandTilde(path)
        var loadOptions = typed
        var overrides: [String: String] = [:]
        for option in options {
            let value = try ExpressionCompiler.constant(option.value, constantContext(source))
            func fail(_ expected: String) -> Diagnostic {
                Diagnostic(
                    code: "bad-option", message: "option \(option.key) expects \(expected)", span: option.span,
                    in: source)
            }
            switch option.key {
            case "delimiter":
                guard case .text(let s) = value, s.utf8.count == 1, let byte = s.utf8.first else {
                    throw fail("one character, e.g. \";\" or \"\\t\"")
                }
                loadOptions.delimiter = byte
            case "header":
                guard case .boolean(let b) = value else { throw fail("true or false") }
                loadOptions.header = b
            case "date_format":
                guard case .text(let s) = value else { throw fail("a pattern such as \"%d/%m/%Y\"") }
                guard s.contains("%Y"), s.contains("%m"), s.contains("%d") else {
                    throw fail("a pattern with %Y, %m and %d, such as \"%d/%m/%Y\"")
                }
                loadOptions.dateFormat = s
            case "null":
                guard case .text(let s) = value else { throw fail("the text that means null, e.g. \"-\"") }
                loadOptions.nullTokens.append(s)
            case "skip_bad_rows":
                guard case .boolean(let b) = value else { throw fail("true or false") }
                loadOptions.skipBadRows = b
            case "timeout":
                // Seconds a .sql dump may run.
                switch value {
                case .integer(let n) where n > 0 && n <= 1_000_000: loadOptions.dumpLimits.timeoutSeconds = Double(n)
                case .decimal(let x) where x > 0 && x <= 1_000_000: loadOptions.dumpLimits.timeoutSeconds = x
                default: throw fail("a number of seconds between 0 and 1000000, e.g. 60")
                }
            case "memory_mb":
                guard case .integer(let n) = value, n > 0, n <= 1 << 30 else {
                    throw fail("a number of megabytes, e.g. 512")
                }
                loadOptions.dumpLimits.memoryMB = Int(n)
            case "customer", "date", "amount":
                guard case .text(let s) = value else { throw fail("a column name in double quotes") }
                overrides[option.key] = s
                if option.key == "customer" { loadOptions.keyColumns.append(s) }
                if option.key == "amount" { loadOptions.numericColumns.append(s) }
            case "key_match":
                let modes = KeyMatch.allCases.map(\.rawValue)
                guard case .text(let s) = value, modes.contains(s) else {
                    throw fail(modes.map { "\"\($0)\"" }.joined(separator: ", ") + " (how customer keys match orders')")
                }
                overrides[option.key] = s
            default:
                let suggestion = Suggestions.closest(to: option.key, in: Self.loadOptionNames)
                throw Diagnostic(
                    code: "bad-option", message: "unknown load option '\(option.key)'", span: option.span, in: source,
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "options: \(Self.loadOptionNames.joined(separator: ", "))")
            }
        }
        do {
            return try loadFile(path: path, alias: alias, options: loadOptions, overrides: overrides)
        } catch {
            // Errors inside the file keep their file:line; others point at the statement.
            if error.line > 0 || error.file != nil && error.file != path { throw error }
            var located = Diagnostic(code: error.code, message: error.message, span: span, in: source, hint: error.hint)
            located.severity = error.severity
            throw located
        }
    }

    /// Loads a CSV, SQLite database or SQL dump and re-detects the orders and customers tables.
    public func loadFile(
        path: String, alias: String? = nil, options: LoadOptions = LoadOptions(), overrides: [String: String] = [:],
        describe: Bool = true
    )
        throws(Diagnostic) -> [String]
    {
        let path = UserPath.expandTilde(path)
        let lower = path.lowercased()
        // A snapshot by its magic bytes; a .cqs name without them is an error, not a CSV file.
        if lower.hasSuffix(".cqs") || SnapshotReader.isSnapshot(path: path) {
            if alias != nil || !overrides.isEmpty {
                throw Diagnostic(
                    code: "bad-option", message: "a snapshot opens as it was saved: 'as' and role options do not apply",
                    hint: "load \"\(path)\" alone; rename or set options in the session, then save again")
            }
            let messages = try openSnapshot(path: path)
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            if !loadedPaths.contains(absolute) { loadedPaths.append(absolute) }
            return describe ? messages : []
        }
        let modelsWereCurrent = !models.isEmpty && modelsFitOrders
        var loaded: [LoadedTable]
        var isCSV = false
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        let isDump = lower.hasSuffix(".sql")
        // A dump is read twice over: its statements run, then the tables they made are read.
        let progress = LoadProgress(total: isDump ? 2 * size : size, cancelled: loadCancelled)
        let stopDisplay = progressDisplay?(progress, URL(fileURLWithPath: path).lastPathComponent)
        defer { stopDisplay?() }
        if isDump {
            loaded = try SQLiteLoader.loadDump(path: path, limits: options.dumpLimits, progress: progress)
        } else if lower.hasSuffix(".sqlite") || lower.hasSuffix(".db") || lower.hasSuffix(".sqlite3")
            || SQLiteLoader.isDatabase(path: path)
        {
            loaded = try SQLiteLoader.loadDatabase(path: path, progress: progress)
        } else {
            isCSV = true
            let name = alias ?? FileInput.tableName(for: path)
            loaded = [
                try Trace.measure("csv load") { () throws(Diagnostic) in
                    try CSVLoader.load(path: path, name: name, options: options, progress: progress)
                }
            ]
        }
        if let alias, loaded.count == 1 { loaded[0].table.name = alias }
        if !isCSV {
            // SQLite hands over text: its number columns get the same checks as a CSV file's.
            for k in loaded.indices {
                let (table, warnings) = try NumericColumns.enforce(
                    loaded[k].table, options: options, path: path, locate: { _, _ in nil })
                loaded[k].table = table
                loaded[k].notes += warnings
            }
        }
        var messages: [String] = []
        for item in loaded {
            if !overrides.isEmpty {
                roleOverrides[item.table.name] = overrides
                _ = try RoleDetector.detect(item.table, overrides: overrides)
            }
            catalog.put(item.table)
        }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        if !loadedPaths.contains(absolute) { loadedPaths.append(absolute) }
        do {
            try detectRoles()
        } catch {
            // A date column read as text: the loader's note names the value and line; make it the error.
            let explained = loaded.flatMap(\.notes).first { $0.code == "not-a-date" || $0.code == "mixed-date-formats" }
            for item in loaded { catalog.remove(item.table.name) }
            try? detectRoles()
            guard var located = explained else { throw error }
            located.severity = .error
            located.hint = (located.hint ?? "") + "; or " + (error.hint ?? "")
            throw located
        }
        // Shown once the load stands: a warning that became the load's error is not shown twice.
        for note in loaded.flatMap(\.notes) { show(note, in: &messages) }
        if let roles, let orders = loaded.first(where: { $0.table.name == ordersTableName }),
            let dropped = DroppedAmount.warning(orders.table, roles: roles, path: path)
        {
            show(dropped, in: &messages)
        }
        if modelsWereCurrent && !modelsFitOrders {
            messages.append("note: the fitted models are stale (the orders changed since the fit): fit again")
        }
        let names = loaded.map(\.table.name)
        if names.contains(where: { $0 == ordersTableName || $0 == attributesTableName }) {
            importReport(into: &messages)
        }
        if describe {
            for item in loaded { messages.append(describeLoad(item.table.name)) }
            if let importNote, names.contains(where: { $0 == ordersTableName || $0 == attributesTableName }) {
                messages.append(importNote)
            }
        }
        lastLoadedNames = loaded.map(\.table.name)
        return messages
    }

    /// Chooses the orders table (customer and date roles) and the customers attribute table.
    func detectRoles() throws(Diagnostic) {
        var found = DetectedRoles()
        var candidates: [(name: String, roles: OrderRoles)] = []
        for name in catalog.names {
            guard let table = catalog[name] else { continue }
            if let roles = RoleDetector.contacts(table) {
                found.contacts = (name, roles)
                continue
            }
            if let roles = RoleDetector.contracts(table) {
                found.contracts = (name, roles)
                continue
            }
            if let roles = try RoleDetector.detect(table, overrides: roleOverrides[name] ?? [:]) {
                candidates.append((name, roles))
            }
        }
        // Attached tables are judged by their column names and types; their rows stay on the server.
        for attachment in attachments {
            for table in attachment.tables {
                let schema = Attachment.schema(table).emptyTable()
                if let roles = try RoleDetector.detect(
                    schema, overrides: roleOverrides[table.localName] ?? [:], describesRows: true)
                {
                    candidates.append((table.localName, roles))
                }
            }
        }
        let named = Set(attachments.compactMap(\.ordersTable))
        let preferred =
            candidates.first { named.contains($0.name) }
            ?? candidates.first { $0.name.lowercased() == "orders" }
            ?? candidates.first {
                ["order", "transaction", "invoice", "sale", "purchase"].contains(where: $0.name.lowercased().contains)
            }
            ?? candidates.first { $0.name.lowercased() != "customers" }
            ?? candidates.first
        found.orders = preferred.map { ($0.name, $0.roles) }
        // Attributes come from where the orders are: memory, or the orders' own database (joined there).
        var attributeTables: [(name: String, table: Table)] = catalog.names.compactMap { name in
            catalog[name].map { (name, $0) }
        }
        if let preferred, let (server, orders) = remoteTable(preferred.name) {
            // Of the orders' own schema, `customers` first, then a name holding "customer".
            let sameSchema = server.tables.filter { $0.schema == orders.schema }
            let ranked =
                sameSchema.filter { $0.name.lowercased() == "customers" }
                + sameSchema.filter { $0.name.lowercased() != "customers" && $0.name.lowercased().contains("customer") }
            attributeTables = ranked.prefix(1).map { ($0.localName, Attachment.schema($0).emptyTable()) }
        }
        for (name, table) in attributeTables
        where name != preferred?.name && name != found.contacts?.table && name != found.contracts?.table {
            guard let key = RoleDetector.customerKey(table) else { continue }
            if name.lowercased().contains("customer") || found.attributes == nil {
                if candidates.contains(where: { $0.name == name }) && !name.lowercased().contains("customer") {
                    continue
                }
                found.attributes = (name, key)
            }
        }
        detected = found
    }

    /// `loaded orders: 6,919 rows × 4 columns   (customer: …, date: …, amount: …)`.
    public func describeLoad(_ name: String) -> String {
        guard let table = catalog[name] else { return "loaded \(name)" }
        let size =
            "\(NumberFormat.grouped(String(table.rowCount))) row\(table.rowCount == 1 ? "" : "s") × \(table.columns.count) column\(table.columns.count == 1 ? "" : "s")"
        var roleText = ""
        if name == ordersTableName, let roles {
            roleText = "   (\(roles.summary))"
        } else if name == attributesTableName, let key = attributesKey {
            roleText = "   (customer key: \(key))"
        } else if name == contactsTableName, let roles = contactRoles {
            roleText = "   (contacts: \(roles.summary))"
        } else if name == contractsTableName, let roles = contractRoles {
            roleText = "   (contracts: \(roles.summary))"
        }
        return "loaded \(name): \(size)\(roleText)"
    }

    /// `as of 1998-06-30 (latest order date); churn window 90 days`.
    public var asofSummary: String? {
        guard let asof = currentAsof else { return nil }
        let origin = asofOverride == nil ? "latest order date" : "set"
        var text = "as of \(Dates.format(asof)) (\(origin)); churn window \(churnWindow) days"
        if let h = ordersLeftOut(asof: asof) {
            var left: [String] = []
            if h.afterAsof > 0 { left.append("\(h.afterAsof) after asof") }
            if h.missingKey > 0 { left.append("\(h.missingKey) without a customer") }
            if h.missingDate > 0 { left.append("\(h.missingDate) without a date") }
            if !left.isEmpty { text += "; orders left out: " + left.joined(separator: ", ") }
        }
        // After the command line's files, the import report follows the load lines it is about.
        if let importNote, attributesTableName != nil { text += "\n" + importNote }
        return text
    }

    /// The orders the history leaves out, from the history (derived if need be) or as a reopened snapshot stored them.
    private func ordersLeftOut(asof: Int32) -> OrdersLeftOut? {
        if let stored = derived.leftOut.value(ifComputedFor: HistoryKey(data: dataVersion, asof: asof)) {
            return stored
        }
        return (try? orderHistory()).map {
            OrdersLeftOut(missingKey: $0.missingKey, missingDate: $0.missingDate, afterAsof: $0.afterAsof)
        }
    }

    /// How the customers table's keys match the orders' (its `key_match` option, else the orders table's).
    var keyMatch: KeyMatch {
        let option = [attributesTableName, ordersTableName].lazy.compactMap { $0 }
            .compactMap { self.roleOverrides[$0]?["key_match"] }.first
        return option.flatMap(KeyMatch.init(rawValue:)) ?? .exact
    }

    /// The orders' customer keys matched to the customers table's key column under `keyMatch`, once per version of
    /// the data; nil without both tables.
    func keyDictionaryMatch() -> KeyDictionaryMatch? {
        guard let ordersName = ordersTableName, let roles, let customersName = attributesTableName,
            let key = attributesKey, let orders = catalog[ordersName]?.column(roles.customer),
            let customers = catalog[customersName]?.column(key)
        else { return nil }
        let mode = keyMatch
        return derived.keyMatch.value(for: KeyMatchKey(data: dataVersion, mode: mode)) {
            Trace.measure("key match") { KeyDictionaryMatch(orders: orders, customers: customers, mode: mode) }
        }
    }

    /// The import report after a load that touched the orders or the customers table: customers without orders and
    /// orders without a known customer (`importNote`), and keys matched only loosely or not at all (warnings).
    private func importReport(into messages: inout [String]) {
        importNote = nil
        guard let customersName = attributesTableName, let match = keyDictionaryMatch() else { return }
        let report = Trace.measure("import report") { KeyMatchReport(match) }
        importNote = "import: " + report.summary
        for warning in report.warnings {
            show(
                Diagnostic(
                    code: warning.code, message: warning.message, severity: .warning, file: customersName,
                    hint: warning.hint), in: &messages)
        }
    }

    /// A load's note goes with its messages; a warning (data dropped, made null or matched loosely) to the warning
    /// display, which --quiet does not silence.
    private func show(_ diagnostic: Diagnostic, in messages: inout [String]) {
        if diagnostic.severity == .warning, let warningDisplay {
            warningDisplay(diagnostic)
        } else {
            messages.append(DiagnosticRenderer.text(diagnostic))
        }
    }
}
