import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLPostgres
import ChurnQLStore
import ChurnQLSyntax

#if canImport(Glibc)
    import Glibc
#endif

/// `load "postgresql://…" table NAME [as ALIAS] [with (…)]`: a server table copied into memory with
/// `COPY … TO STDOUT`, for what runs only in memory. The copy goes through a temporary file, removed at once,
/// and is read by the CSV loader; the server's text and number columns keep those types.
extension Engine {
    func loadServerTable(
        uri: String, table wanted: String, alias: String?, options: [Option], span: SourceSpan, source: SourceText
    ) throws(Diagnostic) -> [String] {
        func located(_ error: Diagnostic) -> Diagnostic {
            Diagnostic(code: error.code, message: error.message, span: span, in: source, hint: error.hint)
        }
        guard PostgresURI.isURI(uri) else {
            throw located(
                Diagnostic(
                    code: "bad-uri", message: "load … table takes a PostgreSQL connection URI",
                    hint: "load \"postgresql://user@host/db\" table orders"))
        }
        if let problem = PostgresURI.parseError(uri) {
            throw located(Diagnostic(code: "bad-uri", message: "the connection URI cannot be read: \(problem)"))
        }
        let display = PostgresURI.redacted(uri)
        let temporary = try temporaryCopy(uri: uri, display: display, wanted: wanted, span: span, source: source)
        defer { unlink(temporary.path) }
        return try load(
            path: temporary.path, alias: alias ?? temporary.table.name, options: options, span: span, source: source,
            typed: temporary.options
        ).map { $0 + ($0.hasPrefix("loaded ") ? "   (from \(display))" : "") }
    }

    private func temporaryCopy(uri: String, display: String, wanted: String, span: SourceSpan, source: SourceText)
        throws(Diagnostic) -> (path: String, table: PostgresTable, options: LoadOptions)
    {
        let connection: PostgresConnection
        let tables: [PostgresTable]
        do throws(PostgresError) {
            connection = try PostgresConnection(uri)
            tables = try PostgresCatalog.tables(connection)
        } catch {
            throw error.diagnostic(span: span, in: source, server: display)
        }
        guard
            let table = tables.first(where: { [$0.localName, "\($0.schema).\($0.name)"].contains(wanted) })
                ?? tables.first(where: { $0.name == wanted })
        else {
            throw Diagnostic(
                code: "unknown-table", message: "\(display) has no table '\(wanted)' that this user may read",
                span: span, in: source,
                hint: Suggestions.closest(to: wanted, in: tables.map(\.localName)).map { "did you mean '\($0)'?" })
        }
        var options = LoadOptions()
        options.keyColumns = table.columns.filter { $0.type == .text }.map(\.name)
        options.numericColumns = table.columns.filter { $0.type.isNumeric }.map(\.name)
        let directory = (getenv("TMPDIR").map { String(cString: $0) }).flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(directory)/churnql-copy-XXXXXX.csv".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkstemps($0, 4) } ?? -1
        }
        guard fd >= 0 else {
            throw Diagnostic(
                code: "io-error", message: "cannot make a temporary file in \(directory): \(POSIXIO.describe(errno))",
                span: span, in: source, hint: "set TMPDIR to a writable folder")
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd) }
        let columns = table.columns.map { PostgresQuote.identifier($0.name) }.joined(separator: ", ")
        let from = PostgresQuote.identifier(table.schema) + "." + PostgresQuote.identifier(table.name)
        let sql = "COPY (SELECT \(columns) FROM \(from)) TO STDOUT WITH (FORMAT csv, HEADER true)"
        do throws(PostgresError) {
            try connection.copyOut(sql, isCancelled: isCancelled) { chunk throws(PostgresError) in
                let status = POSIXIO.writeAll(fd, chunk)
                if status != 0 {
                    throw PostgresError(.value, "cannot write the copy to \(directory): \(POSIXIO.describe(status))")
                }
            }
        } catch {
            unlink(path)
            throw error.diagnostic(span: span, in: source, server: display)
        }
        return (path, table, options)
    }
}
