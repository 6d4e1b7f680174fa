import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLPostgres
import ChurnQLStore
import ChurnQLSyntax

/// `attach "postgresql://…" [as NAME] [with (orders: "schema.table", customer: …, date: …, amount: …)]` and
/// `detach NAME`: a database's tables join the session's names, with their roles detected from column names and
/// types as for files; queries over them run on the server.
extension Engine {
    static let attachOptionNames = ["orders", "customer", "date", "amount"]

    func attach(uri: String, alias: String?, options: [Option], span: SourceSpan, source: SourceText)
        throws(Diagnostic) -> [String]
    {
        var overrides: [String: String] = [:]
        for option in options {
            guard Self.attachOptionNames.contains(option.key) else {
                let suggestion = Suggestions.closest(to: option.key, in: Self.attachOptionNames)
                throw Diagnostic(
                    code: "bad-option", message: "unknown attach option '\(option.key)'", span: option.span,
                    in: source,
                    hint: suggestion.map { "did you mean '\($0)'?" }
                        ?? "options: \(Self.attachOptionNames.joined(separator: ", "))")
            }
            guard case .text(let text) = try ExpressionCompiler.constant(option.value, constantContext(source)) else {
                throw Diagnostic(
                    code: "bad-option", message: "option \(option.key) expects a name in double quotes",
                    span: option.span, in: source)
            }
            overrides[option.key] = text
        }
        do {
            return try attach(uri: uri, alias: alias, overrides: overrides)
        } catch {
            throw Diagnostic(code: error.code, message: error.message, span: span, in: source, hint: error.hint)
        }
    }

    /// Connects, reads the database's tables and detects the roles. Throws, changing nothing, when the server
    /// cannot be reached or a named table or column is not there.
    public func attach(uri: String, alias: String? = nil, overrides: [String: String] = [:]) throws(Diagnostic)
        -> [String]
    {
        guard PostgresURI.isURI(uri) else {
            throw Diagnostic(
                code: "bad-uri", message: "attach takes a PostgreSQL connection URI",
                hint: "attach \"postgresql://user@host:5432/database\"; files are loaded with load \"file\"")
        }
        if let problem = PostgresURI.parseError(uri) {
            throw Diagnostic(code: "bad-uri", message: "the connection URI cannot be read: \(problem)")
        }
        let display = PostgresURI.redacted(uri)
        let name = alias ?? Self.databaseName(display)
        if attachments.contains(where: { $0.name.lowercased() == name.lowercased() }) {
            throw Diagnostic(
                code: "already-attached", message: "a database is already attached as '\(name)'",
                hint: "detach \(name) first, or attach … as ANOTHER_NAME")
        }
        let connection: PostgresConnection
        var tables: [PostgresTable]
        do throws(PostgresError) {
            connection = try PostgresConnection(uri)
            tables = try PostgresCatalog.tables(connection)
        } catch {
            throw error.diagnostic(server: display)
        }
        // A name already taken by a loaded or attached table is shown as `NAME.table`.
        let taken = Set((catalog.names + remoteTableNames).map { $0.lowercased() })
        for i in tables.indices where taken.contains(tables[i].localName.lowercased()) {
            tables[i].localName = "\(name).\(tables[i].localName)"
        }
        var ordersTable: String?
        if let wanted = overrides["orders"] {
            guard
                let table = tables.first(where: {
                    [$0.localName, "\($0.schema).\($0.name)", $0.name].contains(wanted)
                })
            else {
                let names = tables.map(\.localName)
                throw Diagnostic(
                    code: "unknown-table", message: "\(display) has no table '\(wanted)' that this user may read",
                    hint: Suggestions.closest(to: wanted, in: names).map { "did you mean '\($0)'?" }
                        ?? (names.isEmpty ? "the database has no tables" : "tables: \(names.joined(separator: ", "))"))
            }
            ordersTable = table.localName
        }
        let attachment = Attachment(name: name, connection: connection, tables: tables, ordersTable: ordersTable)
        let previous = (attachments, roleOverrides, detected)
        attachments.append(attachment)
        let roleOptions = overrides.filter { $0.key != "orders" }
        do throws(Diagnostic) {
            if let ordersTable, !roleOptions.isEmpty { roleOverrides[ordersTable] = roleOptions }
            try detectRoles()
            if ordersTable == nil, !roleOptions.isEmpty {
                guard let found = ordersTableName, remoteTable(found)?.attachment === attachment else {
                    throw Diagnostic(
                        code: "no-roles",
                        message: "no table of \(display) has customer and date columns churnql recognises",
                        hint:
                            "name the table: attach \"…\" with (orders: \"schema.table\", customer: \"…\", date: \"…\")"
                    )
                }
                roleOverrides[found] = roleOptions
                try detectRoles()
            }
        } catch {
            (attachments, roleOverrides, detected) = previous
            throw error
        }
        if let wanted = ordersTable, ordersTableName != wanted {
            (attachments, roleOverrides, detected) = previous
            throw Diagnostic(
                code: "no-roles", message: "table '\(wanted)' has no customer and date columns churnql recognises",
                hint: "name them: attach \"…\" with (orders: \"\(wanted)\", customer: \"…\", date: \"…\")")
        }
        var notes = [
            "attached \(name): \(display), \(tables.count) table\(tables.count == 1 ? "" : "s") (rows stay on the server)"
        ]
        if let orders = ordersTableName, remoteTable(orders)?.attachment === attachment, let roles {
            notes.append("orders: \(orders)   (\(roles.summary)); queries over them run on the server")
        }
        return notes
    }

    /// `detach NAME`.
    func detach(_ name: String, span: SourceSpan, source: SourceText) throws(Diagnostic) -> [String] {
        guard let index = attachments.firstIndex(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw Diagnostic(
                code: "not-attached", message: "no database is attached as '\(name)'", span: span, in: source,
                hint: attachments.isEmpty
                    ? "attach \"postgresql://…\"" : "attached: \(attachments.map(\.name).joined(separator: ", "))")
        }
        let removed = attachments.remove(at: index)
        for table in removed.tables { roleOverrides[table.localName] = nil }
        try detectRoles()
        return ["detached \(removed.name)"]
    }

    /// A `postgresql://` URI, which attaches where a file name would load.
    public static func isServerURI(_ text: String) -> Bool { PostgresURI.isURI(text) }

    /// The URI without its password, for messages and the session journal.
    public static func redactedURI(_ text: String) -> String { PostgresURI.redacted(text) }

    /// The database's name from a redacted URI (`…/shop` → `shop`), else `server`.
    static func databaseName(_ display: String) -> String {
        let afterHost = display.dropFirst("postgresql://".count)
        guard let slash = afterHost.lastIndex(of: "/") else { return "server" }
        let name = String(afterHost[afterHost.index(after: slash)...])
        let valid = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        return valid ? name : "server"
    }

    /// The error for work that runs only in memory, asked of orders that stay on a server.
    func onlyInMemory(_ what: String) -> Diagnostic {
        let table = ordersTableName.flatMap { remoteTable($0)?.table }
        let name = table.map { "\($0.schema).\($0.name)" } ?? "orders"
        return Diagnostic(
            code: "not-on-server", message: "\(what) runs only in memory, and the orders are on a server",
            hint: "copy them in first: load \"postgresql://…\" table \(name) as orders")
    }
}
