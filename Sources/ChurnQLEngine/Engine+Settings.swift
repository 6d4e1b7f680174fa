import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

extension Engine {
    static var settingNames: [String] { SettingsCatalog.names }

    /// `set NAME = VALUE`; returns the confirmation message.
    func set(_ name: String, _ expression: Expression, source: SourceText) throws(Diagnostic) -> String {
        let context = constantContext(source)
        let span = expression.span
        switch name {
        case "asof":
            if case .column(let word, _) = expression, word.lowercased() == "latest" {
                settings.asofOverride = nil
            } else {
                switch try ExpressionCompiler.constant(expression, context) {
                case .date(let d): settings.asofOverride = d
                case .text(let s):
                    guard let d = Dates.parseISO(s) else {
                        throw Diagnostic(
                            code: "bad-setting", message: "asof must be a date", span: span, in: source,
                            hint: "set asof = 1998-06-30")
                    }
                    settings.asofOverride = d
                default:
                    throw Diagnostic(
                        code: "bad-setting", message: "asof must be a date", span: span, in: source,
                        hint: "set asof = 1998-06-30")
                }
            }
        case "churn_window", "lost_window", "new_window":
            let days: Int
            switch try ExpressionCompiler.constant(expression, context) {
            case .duration(let d) where d.approximateDays > 0 && d.approximateDays < 100_000: days = d.approximateDays
            case .integer(let n) where n > 0 && n < 100_000: days = Int(n)
            default:
                throw Diagnostic(
                    code: "bad-setting", message: "\(name) must be a positive duration shorter than 100000 days",
                    span: span, in: source,
                    hint: "set \(name) = 90d")
            }
            if name == "churn_window" { settings.churnWindow = days }
            if name == "lost_window" { settings.lostWindow = days }
            if name == "new_window" { settings.newWindow = days }
            if lostWindow < churnWindow {
                return
                    "\(name) = \(days)d (note: lost_window \(lostWindow)d is shorter than churn_window \(churnWindow)d, so nobody is lapsed)"
            }
        case "lost_when":
            // `set lost_when = p_alive < 0.05` (or `set lost_when = none`): a model-based definition of lost.
            if case .column(let word, _) = expression, word.lowercased() == "none" {
                settings.lostWhen = nil
            } else {
                // Checked against the customers table's schema: names and types, no row read.
                guard let schema = customersSchema() else { throw Self.noOrders }
                let type = try EngineTyping(engine: self).type(of: expression, over: schema, source: source)
                guard type == .boolean || type == .null else { throw Self.lostWhenNotCondition(span, source) }
                settings.lostWhen = LostWhenRule(expression: expression, source: source, text: source.text(of: span))
            }
        default:
            let suggestion = Suggestions.closest(to: name, in: Self.settingNames)
            throw Diagnostic(
                code: "unknown-setting", message: "unknown setting '\(name)'", span: span, in: source,
                hint: suggestion.map { "did you mean '\($0)'?" }
                    ?? "settings: \(Self.settingNames.joined(separator: ", "))")
        }
        return "\(name) = \(settingValue(name))"
    }

    static func lostWhenNotCondition(_ span: SourceSpan, _ source: SourceText) -> Diagnostic {
        Diagnostic(
            code: "bad-setting", message: "lost_when must be a true/false condition", span: span, in: source,
            hint: "set lost_when = p_alive < 0.05")
    }

    /// Sets the analysis date from a value (the command line's `--asof`), never through statement text.
    public func setAsof(_ day: Int32) {
        settings.asofOverride = day
    }

    func settingValue(_ name: String) -> String {
        switch name {
        case "asof": return currentAsof.map(Dates.format) ?? "(latest order date; nothing loaded)"
        case "churn_window": return "\(churnWindow)d"
        case "lost_window": return "\(lostWindow)d"
        case "lost_when": return lostWhen?.text ?? "none (status by lost_window)"
        default: return "\(newWindow)d"
        }
    }

    /// Settings as a table: name, value, meaning.
    public func settingsTable() -> Table {
        textTable(
            "settings", ["name", "value", "meaning"],
            SettingsCatalog.all.map { setting in
                let meaning = setting.name == "asof" && asofOverride != nil ? "analysis date (set)" : setting.summary
                return [setting.name, settingValue(setting.name), meaning]
            })
    }

    /// The loaded tables with their sizes and roles.
    public func tablesTable() -> Table {
        var rows: [[String]] = []
        for name in catalog.names {
            guard let table = catalog[name] else { continue }
            var role = ""
            if name == ordersTableName { role = "orders" }
            if name == attributesTableName { role = "customer attributes" }
            // The derived table takes the name `customers`; a loaded customers file stays reachable as customers_raw.
            let shown = name == attributesTableName && name.lowercased() == "customers" ? "customers_raw" : name
            rows.append([shown, String(table.rowCount), String(table.columns.count), role])
        }
        for attachment in attachments {
            for table in attachment.tables {
                let shown = table.localName == remoteCustomersTable ? "customers_raw" : table.localName
                let role = table.localName == ordersTableName ? "orders on \(attachment.name)" : "on \(attachment.name)"
                // The server's estimate (pg_class.reltuples): counting would read the table.
                let estimate = table.estimatedRows >= 0 ? "~\(table.estimatedRows)" : ""
                rows.append([shown, estimate, String(table.columns.count), role])
            }
        }
        if let attachment = ordersAttachment, let columns = customersSchema()?.columns.count {
            rows.append(["customers", "", String(columns), "derived on \(attachment.name)"])
        } else if let profile = try? profile() {
            rows.append([
                "customers", String(profile.history.customerCount), String(profile.columnNames.count), "derived",
            ])
        }
        for name in views.keys.sorted() { rows.append([name, "", "", "view"]) }
        var table = textTable("tables", ["name", "rows", "columns", "role"], rows)
        table.columns[1] = intColumn(
            "rows", rows.map { Int64($0[1].hasPrefix("~") ? String($0[1].dropFirst()) : $0[1]) })
        table.columns[2] = intColumn("columns", rows.map { Int64($0[2]) })
        return table
    }

    /// One row per column: name, type, nulls, distinct values, an example.
    func describe(_ table: Table) -> Table {
        var rows: [[String]] = []
        var nulls: [Int64?] = []
        for column in table.columns {
            let nullCount = column.nulls?.filter { $0 }.count ?? 0
            let example = (0..<column.count).first { !column.isNull($0) }.map { column.value(at: $0).plainText } ?? ""
            rows.append([column.name, column.type.rawValue, "", example])
            nulls.append(Int64(nullCount))
        }
        var result = textTable(table.name, ["column", "type", "nulls", "example"], rows)
        result.columns[2] = intColumn("nulls", nulls)
        return result
    }

    func textTable(_ name: String, _ headers: [String], _ rows: [[String]]) -> Table {
        let columns = headers.enumerated().map { i, header in
            var builder = ColumnBuilder(type: .text, capacity: rows.count)
            for row in rows { builder.append(row[i].isEmpty ? .null : .text(row[i])) }
            return builder.build(name: header)
        }
        return Table(name: name, columns: columns, rowCount: rows.count)
    }

    func intColumn(_ name: String, _ values: [Int64?]) -> Column {
        Column(name: name, storage: .integer(values.map { $0 ?? 0 }), nulls: values.map { $0 == nil })
    }
}
