import CLibPQ
import ChurnQLDiagnostics

/// What went wrong talking to a server: the connection, the server's own error (with its SQLSTATE and detail),
/// a cancelled query, or a value churnql cannot read.
public struct PostgresError: Error, Sendable {
    public enum Kind: Sendable {
        case connection, server, cancelled, protocolError, value
    }

    public var kind: Kind
    public var message: String
    /// The server's SQLSTATE (e.g. 42P01 for an unknown table), when it sent one.
    public var sqlState: String?
    public var detail: String?
    public var hint: String?
    /// Where in the query text the server found the problem (1-based characters), when it says.
    public var position: Int?

    public init(_ kind: Kind, _ message: String, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.hint = hint
    }

    init(server result: OpaquePointer, _ status: ExecStatusType) {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        let primary = field(Int32(UInt8(ascii: "M"))) ?? PostgresConnection.firstLine(PQresultErrorMessage(result))
        self.init(.server, primary.isEmpty ? "the server answered \(String(cString: PQresStatus(status)))" : primary)
        sqlState = field(Int32(UInt8(ascii: "C")))
        detail = field(Int32(UInt8(ascii: "D")))
        hint = field(Int32(UInt8(ascii: "H")))
        position = field(Int32(UInt8(ascii: "P"))).flatMap { Int($0) }
        if sqlState == "57014" { kind = .cancelled }
    }

    /// The error as a churnql diagnostic, located at `span` (the statement, or the step the server refused).
    public func diagnostic(span: SourceSpan = .none, in source: SourceText? = nil, server: String) -> Diagnostic {
        switch kind {
        case .cancelled:
            return Diagnostic(
                code: "interrupted", message: "interrupted: the server stopped the query", span: span, in: source)
        case .connection:
            return Diagnostic(
                code: "server-connection", message: message, span: span, in: source,
                hint: hint ?? "check that the server runs and the URI, user and password are right; `attach` again")
        case .server:
            let state = sqlState.map { " [\($0)]" } ?? ""
            let extra = detail.map { " (\($0))" } ?? ""
            return Diagnostic(
                code: "server-error", message: "\(server) refused the query\(state): \(message)\(extra)", span: span,
                in: source, hint: hint ?? "`compile postgres …` prints the SQL that was sent")
        case .protocolError, .value:
            return Diagnostic(
                code: "server-error", message: "\(server): \(message)", span: span, in: source, hint: hint)
        }
    }
}
