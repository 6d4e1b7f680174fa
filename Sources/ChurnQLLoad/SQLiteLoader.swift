import CSQLite
import ChurnQLDiagnostics
import ChurnQLStore
import Foundation

/// Loads every table of a SQLite database file (opened read-only) or of a `sqlite3 .dump` text.
public enum SQLiteLoader {
    /// True when the file starts with SQLite's header string.
    public static func isDatabase(path: String) -> Bool {
        // Only a regular file is sniffed: reading a pipe's first bytes would take them from the CSV reader.
        guard case .regular = try? FileInput.kind(of: path) else { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard case .success(let head) = POSIXIO.readChunk(fd, upTo: 16) else { return false }
        return head.starts(with: Array("SQLite format 3".utf8))
    }

    /// Every table of a database file.
    /// `progress` counts the bytes of the rows read (against the file's size) and is checked for Ctrl-C.
    public static func loadDatabase(path: String, progress: LoadProgress? = nil) throws(Diagnostic) -> [LoadedTable] {
        guard case .regular = try FileInput.kind(of: path) else {
            throw Diagnostic(
                code: "sqlite-pipe", message: "a SQLite database cannot be read from a pipe: \(path)", file: path,
                hint: "save it to a file first, or pipe a dump (sqlite3 DB .dump) into a .sql file")
        }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI
        guard sqlite3_open_v2(immutableURI(path), &db, flags, nil) == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(db)
            throw Diagnostic(code: "sqlite-open", message: "cannot open SQLite database: \(message)", file: path)
        }
        defer { sqlite3_close(db) }
        return try loadTables(db, path: path, progress: progress)
    }

    /// A read-only, immutable URI for a database file: SQLite then takes no locks and never creates `-wal`, `-shm`
    /// or journal files beside the input, even for a WAL-mode database. The absolute path is percent-escaped, so `?`,
    /// `#` and `%` in a file name stay part of the name.
    static func immutableURI(_ path: String) -> String {
        let absolute =
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%;=&")
        let escaped = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        // `file://` + an absolute path: an empty authority, so a path starting with `//` is not read as a host.
        return "file://" + escaped + "?mode=ro&immutable=1"
    }

    /// Executes a dump into an in-memory database, statement by statement, then loads every table.
    /// `progress` counts the statement text run, then the bytes of the rows read (against twice the file's size).
    public static func loadDump(path: String, limits: DumpLimits = DumpLimits(), progress: LoadProgress? = nil)
        throws(Diagnostic) -> [LoadedTable]
    {
        let data = try FileInput.read(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw Diagnostic(
                code: "bad-encoding", message: "the dump is not UTF-8 text", file: path,
                hint: "create it with sqlite3 DB .dump > file.sql")
        }
        var db: OpaquePointer?
        guard sqlite3_open(":memory:", &db) == SQLITE_OK, let db else {
            throw Diagnostic(code: "sqlite-open", message: "cannot open an in-memory database", file: path)
        }
        defer { sqlite3_close(db) }
        // A dump must not reach other files: ATTACH (and VACUUM INTO, which attaches) are refused.
        sqlite3_set_authorizer(db, { _, action, _, _, _, _ in action == SQLITE_ATTACH ? SQLITE_DENY : SQLITE_OK }, nil)
        let watch = DumpWatch(limits: limits, cancelled: { progress?.isCancelled ?? false })
        return try watch.watching(db) { () throws(Diagnostic) in
            try execute(text, in: db, path: path, progress: progress, watch: watch)
            return try loadTables(db, path: path, progress: progress, watch: watch)
        }
    }

    /// Runs each statement, naming the line of the first that SQLite rejects.
    private static func execute(
        _ text: String, in db: OpaquePointer, path: String, progress: LoadProgress?, watch: DumpWatch
    ) throws(Diagnostic) {
        let source = SourceText(name: path, text: text)
        var failure: Diagnostic?
        text.utf8CString.withUnsafeBufferPointer { buffer in
            guard let start = buffer.baseAddress else { return }
            var cursor: UnsafePointer<CChar>? = start
            while let current = cursor, current.pointee != 0 {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(db, current, -1, &statement, &tail)
                if rc != SQLITE_OK {
                    failure = located(db, path: path, source: source, start: start, at: current, watch: watch)
                    break
                }
                if let statement {
                    watch.restartClock()
                    var step = sqlite3_step(statement)
                    while step == SQLITE_ROW { step = sqlite3_step(statement) }
                    sqlite3_finalize(statement)
                    if step != SQLITE_DONE {
                        failure = located(db, path: path, source: source, start: start, at: current, watch: watch)
                        break
                    }
                }
                if let tail, let progress {
                    progress.add(tail - current)
                    do throws(Diagnostic) {
                        try progress.check()
                    } catch {
                        failure = error
                        break
                    }
                }
                cursor = tail
            }
        }
        if let failure {
            sqlite3_exec(db, "ROLLBACK", nil, nil, nil)
            throw failure
        }
    }

    private static func located(
        _ db: OpaquePointer, path: String, source: SourceText, start: UnsafePointer<CChar>, at: UnsafePointer<CChar>,
        watch: DumpWatch
    ) -> Diagnostic {
        var offset = at - start
        // Skip the whitespace before the statement so the line points at its first word.
        while offset < source.bytes.count, [10, 13, 32, 9].contains(source.bytes[offset]) { offset += 1 }
        let line = source.line(ofOffset: offset)
        func error(_ code: String, _ message: String, _ hint: String) -> Diagnostic {
            Diagnostic(
                code: code, message: message, file: path, line: line, column: 1, sourceLine: source.lineText(line),
                hint: hint)
        }
        switch watch.stopped {
        case .interrupted:
            return error("interrupted", "interrupted", "the load was cancelled; nothing was loaded")
        case .timeout:
            return error(
                "dump-timeout",
                "this statement of the dump ran longer than its time budget (\(Self.seconds(watch.limits.timeoutSeconds)) s)",
                "a statement that never ends (e.g. a recursive query without a limit)? to allow more time: "
                    + "load \"\(path)\" with (timeout: 300)")
        case nil:
            break
        }
        if sqlite3_errcode(db) == SQLITE_NOMEM {
            return error(
                "dump-memory",
                "this statement of the dump needs more memory than its budget (\(watch.limits.memoryBytes / 1_048_576) MB)",
                "to allow more: load \"\(path)\" with (memory_mb: 4096)")
        }
        let message = String(cString: sqlite3_errmsg(db))
        return error(
            "sqlite-dump", "SQLite rejected a statement: \(message)", "the dump should come from sqlite3 DB .dump")
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    private static func loadTables(
        _ db: OpaquePointer, path: String, progress: LoadProgress?, watch: DumpWatch? = nil
    ) throws(Diagnostic) -> [LoadedTable] {
        var names: [String] = []
        try query(
            db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
            path: path
        ) { statement in
            if let text = sqlite3_column_text(statement, 0) { names.append(String(cString: text)) }
        }
        if names.isEmpty {
            throw Diagnostic(
                code: "sqlite-empty", message: "the database has no tables", file: path,
                hint: "check that this is the right database file")
        }
        var tables: [LoadedTable] = []
        for name in names {
            watch?.restartClock()
            tables.append(try loadTable(db, name: name, path: path, progress: progress))
        }
        return tables
    }

    private static func loadTable(_ db: OpaquePointer, name: String, path: String, progress: LoadProgress?)
        throws(Diagnostic) -> LoadedTable
    {
        let quoted = "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        var columnNames: [String] = []
        var values: [[String?]] = []
        var first = true
        try query(db, "SELECT * FROM \(quoted)", path: path, progress: progress) { statement in
            let count = Int(sqlite3_column_count(statement))
            if first {
                first = false
                columnNames = (0..<count).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
                values = Array(repeating: [], count: count)
            }
            for i in 0..<count {
                if sqlite3_column_type(statement, Int32(i)) == SQLITE_NULL {
                    values[i].append(nil)
                } else if let text = sqlite3_column_text(statement, Int32(i)) {
                    values[i].append(String(cString: text))
                } else {
                    values[i].append(nil)
                }
            }
        }
        if first {
            // No rows: still report the columns.
            var statement: OpaquePointer?
            if sqlite3_prepare_v2(db, "SELECT * FROM \(quoted)", -1, &statement, nil) == SQLITE_OK, let statement {
                let count = Int(sqlite3_column_count(statement))
                columnNames = (0..<count).map { String(cString: sqlite3_column_name(statement, Int32($0))) }
                values = Array(repeating: [], count: count)
                sqlite3_finalize(statement)
            }
        }
        let columns = zip(columnNames, values).map { ValueColumnBuilder.column(name: $0, texts: $1) }
        let table = Table(name: name, columns: columns, rowCount: values.first?.count ?? 0)
        return LoadedTable(table: KeyColumns.markingIdentifiers(table))
    }

    private static func query(
        _ db: OpaquePointer, _ sql: String, path: String, progress: LoadProgress? = nil, row: (OpaquePointer) -> Void
    ) throws(Diagnostic) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            let message = String(cString: sqlite3_errmsg(db))
            throw Diagnostic(
                code: "sqlite-read", message: "cannot read the database: \(message)", file: path,
                hint: "the file may be corrupt, encrypted, or not a SQLite database")
        }
        defer { sqlite3_finalize(statement) }
        var rc = sqlite3_step(statement)
        var rows = 0
        while rc == SQLITE_ROW {
            row(statement)
            if let progress {
                var bytes = 0
                for i in 0..<sqlite3_column_count(statement) { bytes += Int(sqlite3_column_bytes(statement, i)) + 1 }
                progress.add(bytes)
                rows += 1
                if rows & 0xFFF == 0 { try progress.check() }
            }
            rc = sqlite3_step(statement)
        }
        if rc != SQLITE_DONE {
            let message = String(cString: sqlite3_errmsg(db))
            throw Diagnostic(
                code: "sqlite-read", message: "cannot read the database: \(message)", file: path,
                hint: "the file may be corrupt or encrypted")
        }
    }
}
