import CLibPQ
import ChurnQLDiagnostics
import ChurnQLStore

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection, used from one thread. Queries are sent asynchronously and their rows read as they
/// arrive (single-row mode), so that a long query can be cancelled from `isCancelled` and a large result is
/// never held twice. Every value travels as a bind parameter; nothing here builds SQL from values.
public final class PostgresConnection {
    private let handle: OpaquePointer
    /// How the server is named in messages: the URI without its password.
    public let displayName: String

    /// Connects with a URI or key=value string. The password may come from the URI, PGPASSWORD or ~/.pgpass,
    /// as libpq reads them; it is never part of a message.
    public init(_ conninfo: String) throws(PostgresError) {
        let display = PostgresURI.redacted(conninfo)
        displayName = display
        // Options of the session churnql relies on: dates as ISO text, UTC timestamps, UTF-8.
        let keys = ["dbname", "options", "client_encoding", "application_name", "connect_timeout"]
        // The URI's own `options` (e.g. `-c work_mem=256MB`) come first; churnql's settings follow, and win.
        let own = PostgresURI.option("options", in: conninfo).map { $0 + " " } ?? ""
        let values = [
            conninfo, own + "-c DateStyle=ISO -c TimeZone=UTC -c extra_float_digits=3", "UTF8", "churnql", "10",
        ]
        let connection: OpaquePointer? = withCStrings(keys) { keyPointers in
            withCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let connection else {
            throw PostgresError(.connection, "out of memory connecting to \(display)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.firstLine(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(.connection, "cannot connect to \(display): \(message)")
        }
        handle = connection
        // A client that is killed (not interrupted) cannot cancel its query: this makes the server stop it at the
        // next check once the connection is gone, instead of running it to its end (PostgreSQL 14 and later).
        if PQserverVersion(connection) >= 140000,
            let result = PQexec(connection, "SET client_connection_check_interval = 1000")
        {
            PQclear(result)
        }
    }

    deinit { PQfinish(handle) }

    /// The server's version number (150018 for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs one statement with bind parameters and calls `row` for each row as it arrives; `columns` is called
    /// once, before the first row, with the result's column names and types. `isCancelled` is polled while
    /// waiting: when it turns true the server is asked to cancel and the call throws `.cancelled`.
    public func query(
        _ sql: String, parameters: [Value] = [], isCancelled: () -> Bool = { false },
        columns: ([PostgresColumn]) throws(PostgresError) -> Void,
        row: (PostgresRow) throws(PostgresError) -> Void
    ) throws(PostgresError) {
        try send(sql, parameters)
        guard PQsetSingleRowMode(handle) == 1 else {
            try drain()
            throw PostgresError(.protocolError, "the server did not accept row-by-row results")
        }
        var described = false
        var failure: PostgresError?
        while let result = try next(isCancelled) {
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            switch status {
            case PGRES_SINGLE_TUPLE, PGRES_TUPLES_OK:
                guard failure == nil else { continue }
                if !described {
                    described = true
                    do throws(PostgresError) { try columns(Self.columns(result)) } catch { failure = error }
                }
                guard failure == nil, status == PGRES_SINGLE_TUPLE else { continue }
                do throws(PostgresError) { try row(PostgresRow(result: result)) } catch { failure = error }
            case PGRES_COMMAND_OK:
                continue
            default:
                failure = failure ?? PostgresError(server: result, status)
            }
        }
        if let failure { throw failure }
    }

    /// Runs a statement and returns its rows as text (nil for NULL); for small catalogue queries.
    public func rows(_ sql: String, parameters: [Value] = []) throws(PostgresError) -> [[String?]] {
        var out: [[String?]] = []
        try query(sql, parameters: parameters, columns: { _ in }) { row in
            out.append((0..<row.count).map { row.text($0) })
        }
        return out
    }

    /// `COPY (query) TO STDOUT`: calls `chunk` with each piece of the output as it arrives.
    public func copyOut(
        _ sql: String, isCancelled: () -> Bool = { false },
        chunk: (UnsafeRawBufferPointer) throws(PostgresError) -> Void
    ) throws(PostgresError) {
        try send(sql, [])
        guard let first = try next(isCancelled) else {
            throw PostgresError(.protocolError, "the server sent no answer to COPY")
        }
        let status = PQresultStatus(first)
        guard status == PGRES_COPY_OUT else {
            let error = PostgresError(server: first, status)
            PQclear(first)
            try drain()
            throw error
        }
        PQclear(first)
        var failure: PostgresError?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let n = PQgetCopyData(handle, &buffer, 1)
            if n > 0, let buffer {
                defer { PQfreemem(buffer) }
                if failure == nil {
                    do throws(PostgresError) {
                        try chunk(UnsafeRawBufferPointer(start: buffer, count: Int(n)))
                    } catch {
                        failure = error
                        cancel()
                    }
                }
            } else if n == 0 {
                if isCancelled(), failure == nil {
                    failure = PostgresError(.cancelled, "interrupted")
                    cancel()
                }
                try wait()
                guard PQconsumeInput(handle) == 1 else { throw connectionLost() }
            } else if n == -1 {
                break
            } else {
                throw connectionLost()
            }
        }
        while let result = PQgetResult(handle) {
            let status = PQresultStatus(result)
            if status != PGRES_COMMAND_OK && failure == nil { failure = PostgresError(server: result, status) }
            PQclear(result)
        }
        if let failure { throw failure }
    }

    /// Asks the server to stop the running statement (what Ctrl-C does).
    public func cancel() {
        guard let cancel = PQgetCancel(handle) else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &buffer, Int32(buffer.count))
        PQfreeCancel(cancel)
    }

    // MARK: - Sending and receiving

    private func send(_ sql: String, _ parameters: [Value]) throws(PostgresError) {
        if PQstatus(handle) != CONNECTION_OK {
            // The server went away since the last statement (a restart, a dropped link): connect again once, so
            // the session goes on when it is back.
            PQreset(handle)
            guard PQstatus(handle) == CONNECTION_OK else { throw connectionLost() }
        }
        let bound = parameters.map(PostgresParameter.init)
        let sent: Int32 = withOptionalCStrings(bound.map(\.text)) { values in
            let types = bound.map(\.type)
            return types.withUnsafeBufferPointer { typePointer in
                PQsendQueryParams(handle, sql, Int32(bound.count), typePointer.baseAddress, values, nil, nil, 0)
            }
        }
        guard sent == 1 else {
            if PQstatus(handle) != CONNECTION_OK { throw connectionLost() }
            throw PostgresError(.protocolError, Self.firstLine(PQerrorMessage(handle)))
        }
    }

    /// The next result of the statement in flight, nil when it is complete; waits on the socket so that
    /// `isCancelled` is asked about ten times a second.
    private func next(_ isCancelled: () -> Bool) throws(PostgresError) -> OpaquePointer? {
        var cancelled = false
        while PQisBusy(handle) == 1 {
            if !cancelled, isCancelled() {
                cancelled = true
                cancel()
            }
            try wait()
            guard PQconsumeInput(handle) == 1 else { throw connectionLost() }
        }
        let result = PQgetResult(handle)
        if cancelled, let result {
            PQclear(result)
            try drain()
            throw PostgresError(.cancelled, "interrupted: the server stopped the query")
        }
        return result
    }

    private func wait() throws(PostgresError) {
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw connectionLost() }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, 100)
        if ready < 0 && errno != EINTR { throw connectionLost() }
    }

    private func drain() throws(PostgresError) {
        while PQisBusy(handle) == 1 {
            try wait()
            guard PQconsumeInput(handle) == 1 else { throw connectionLost() }
        }
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    private func connectionLost() -> PostgresError {
        PostgresError(
            .connection, "the connection to \(displayName) was lost: \(Self.firstLine(PQerrorMessage(handle)))")
    }

    private static func columns(_ result: OpaquePointer) -> [PostgresColumn] {
        (0..<PQnfields(result)).map { i in
            PostgresColumn(
                name: PQfname(result, i).map { String(cString: $0) } ?? "column\(i + 1)", oid: PQftype(result, i))
        }
    }

    static func firstLine(_ message: UnsafePointer<CChar>?) -> String {
        guard let message else { return "unknown error" }
        let text = String(cString: message).trimmingTrailingWhitespace
        return text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? text
    }
}

/// A column of a result: its name and the server's type.
public struct PostgresColumn: Sendable, Equatable {
    public var name: String
    public var oid: UInt32
    public var type: DataType { PostgresTypes.dataType(oid) }
}

/// One row of a result, valid only inside the callback that receives it.
public struct PostgresRow {
    let result: OpaquePointer
    public var count: Int { Int(PQnfields(result)) }
    public func isNull(_ column: Int) -> Bool { PQgetisnull(result, 0, Int32(column)) == 1 }
    public func text(_ column: Int) -> String? {
        guard !isNull(column), let value = PQgetvalue(result, 0, Int32(column)) else { return nil }
        return String(cString: value)
    }
}

extension String {
    var trimmingTrailingWhitespace: String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStrings(strings.map { Optional($0) }) { pointers in
        body(pointers)
    }
}

/// Calls `body` with an array of C strings (nil entries stay NULL) followed by a NULL.
func withOptionalCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: strings.count + 1)
    var owned: [UnsafeMutablePointer<CChar>?] = []
    for (i, string) in strings.enumerated() {
        let copy = string.flatMap { strdup($0) }
        owned.append(copy)
        array[i] = UnsafePointer(copy)
    }
    array[strings.count] = nil
    defer {
        for pointer in owned { free(pointer) }
        array.deallocate()
    }
    return body(UnsafePointer(array))
}
