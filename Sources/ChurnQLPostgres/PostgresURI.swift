import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// Connection strings: which names are server URIs, and how one is shown without its password.
public enum PostgresURI {
    /// `postgresql://…` or `postgres://…`: a server, not a file.
    public static func isURI(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://")
    }

    /// `postgresql://user@host:port/db`: the parts libpq reads from the URI, without the password or any other
    /// option. Text libpq cannot parse is shown as `a server URI` (it may hold a password).
    public static func redacted(_ conninfo: String) -> String {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return "the server"
        }
        defer { PQconninfoFree(options) }
        var fields: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { fields[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        var text = "postgresql://"
        if let user = fields["user"], !user.isEmpty { text += user + "@" }
        text += fields["host"] ?? fields["hostaddr"] ?? ""
        if let port = fields["port"], !port.isEmpty { text += ":" + port }
        if let database = fields["dbname"], !database.isEmpty { text += "/" + database }
        return text
    }

    /// The value of one libpq parameter the connection string sets, nil when it sets none (or does not parse).
    public static func option(_ name: String, in conninfo: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            if let error { PQfreemem(error) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == name, let value = option.pointee.val {
                let text = String(cString: value)
                return text.isEmpty ? nil : text
            }
            option += 1
        }
        return nil
    }

    /// The error libpq gives for text that is not a connection string, nil when it parses.
    public static func parseError(_ conninfo: String) -> String? {
        var error: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &error) else {
            defer { if let error { PQfreemem(error) } }
            let message = error.map { String(cString: $0) } ?? "not a connection string"
            // libpq's message may quote the text it could not read, password included: keep only its first clause.
            return String(message.prefix { $0 != ":" && $0 != "\n" })
        }
        PQconninfoFree(options)
        return nil
    }
}
