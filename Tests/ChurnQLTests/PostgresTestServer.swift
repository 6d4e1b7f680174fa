import ChurnQLPostgres
import ChurnQLStore
import Foundation
import Testing

/// The PostgreSQL test servers scripts/test starts (scripts/pg-server, scripts/cluster), named by environment
/// variables. Without them a test prints why and checks nothing, unless CI=true: there a missing server fails.
enum PostgresTestServer {
    static let single = "CHURNQL_TEST_PG"
    static let cluster = "CHURNQL_TEST_PG_CLUSTER"

    static func variable(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The variable's value, or nil after recording why the test cannot run.
    static func required(_ name: String, test: String) -> String? {
        if let value = variable(name) { return value }
        let message = "\(test): \(name) is not set (scripts/test starts the PostgreSQL test servers)"
        if variable("CI") == "true" {
            Issue.record("\(message); CI=true, so a missing server fails")
        } else {
            print("\(message): skipped")
        }
        return nil
    }

    /// `uri` with another user (and password): `postgresql://USER[:PASSWORD]@host…`.
    static func uri(_ uri: String, user: String, password: String? = nil) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let afterUser = rest.firstIndex(of: "@").map { rest[rest.index(after: $0)...] } ?? rest
        let credentials = user + (password.map { ":" + $0 } ?? "")
        return String(uri[..<scheme.upperBound]) + credentials + "@" + afterUser
    }

    /// A string literal (standard_conforming_strings is on: only quotes are doubled).
    static func literal(_ text: String) -> String {
        "'" + text.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// A column's type on the server for an in-memory column.
    static func sqlType(_ type: DataType, decimal: String) -> String {
        switch type {
        case .integer: return "bigint"
        case .decimal: return decimal
        case .boolean: return "boolean"
        case .date: return "date"
        case .timestamp: return "timestamp"
        default: return "text"
        }
    }
}

/// A test's own place on a server: a role and a schema of the same unique name. The schema is the first on the
/// role's default search path (`"$user"`), so attached as the role its tables show under their bare names, and
/// the role owns them (a statement that got through would be able to drop them). On the cluster a table can be
/// hash-partitioned: one postgres_fdw partition per shard, each shard holding a plain table in the same schema.
/// `drop()` removes everything, on every node.
final class PostgresScratch {
    let admin: PostgresConnection
    let adminURI: String
    let name: String
    /// Connects as the scratch role.
    let userURI: String
    private var shards: [(server: String, connection: PostgresConnection)] = []

    init(uri: String) throws {
        adminURI = uri
        admin = try PostgresConnection(uri)
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        name = "churnql_t_" + String((0..<12).map { _ in letters.randomElement() ?? "x" })
        userURI = PostgresTestServer.uri(uri, user: name)
        let id = PostgresQuote.identifier(name)
        _ = try admin.rows("CREATE ROLE \(id) LOGIN")
        _ = try admin.rows("CREATE SCHEMA \(id) AUTHORIZATION \(id)")
        // On a cluster coordinator: the shards postgres_fdw reaches, as their trusted postgres.
        let servers = try admin.rows(
            """
            SELECT s.srvname, o.option_value FROM pg_foreign_server s, pg_options_to_table(s.srvoptions) o
            WHERE s.srvname LIKE 'shard%' AND o.option_name = 'port' ORDER BY s.srvname
            """)
        for row in servers {
            guard let server = row[0], let port = row[1] else { continue }
            let shard = try PostgresConnection("postgresql://postgres@127.0.0.1:\(port)/postgres")
            _ = try shard.rows("CREATE SCHEMA \(id)")
            shards.append((server, shard))
        }
    }

    var isCluster: Bool { !shards.isEmpty }

    func qualified(_ table: String) -> String {
        PostgresQuote.identifier(name) + "." + PostgresQuote.identifier(table)
    }

    /// CREATE TABLE and multi-row INSERTs with bind parameters; hash-partitioned on `hashKey` over the shards
    /// when this is a cluster and a key is given.
    func create(_ table: String, columns: [(name: String, type: String)], rows: [[Value]], hashKey: String? = nil)
        throws
    {
        let definitions = columns.map { "\(PostgresQuote.identifier($0.name)) \($0.type)" }.joined(separator: ", ")
        let target = qualified(table)
        if let hashKey, isCluster {
            let n = shards.count
            _ = try admin.rows(
                "CREATE TABLE \(target) (\(definitions)) PARTITION BY HASH (\(PostgresQuote.identifier(hashKey)))")
            for (i, shard) in shards.enumerated() {
                _ = try shard.connection.rows("CREATE TABLE \(target) (\(definitions))")
                let partition = qualified("\(table) part \(i)")
                _ = try admin.rows(
                    """
                    CREATE FOREIGN TABLE \(partition) PARTITION OF \(target) FOR VALUES WITH (MODULUS \(n), \
                    REMAINDER \(i)) SERVER \(PostgresQuote.identifier(shard.server)) OPTIONS (schema_name \
                    \(PostgresTestServer.literal(name)), table_name \(PostgresTestServer.literal(table)), batch_size '1000')
                    """)
            }
        } else {
            _ = try admin.rows("CREATE TABLE \(target) (\(definitions))")
        }
        _ = try admin.rows("ALTER TABLE \(target) OWNER TO \(PostgresQuote.identifier(name))")
        let width = max(columns.count, 1)
        let perStatement = max(1, 30_000 / width)
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            var parameters: [Value] = []
            var tuples: [String] = []
            for row in chunk {
                var marks: [String] = []
                for (value, column) in zip(row, columns) {
                    parameters.append(value)
                    marks.append("CAST($\(parameters.count) AS \(column.type))")
                }
                tuples.append("(" + marks.joined(separator: ", ") + ")")
            }
            _ = try admin.rows(
                "INSERT INTO \(target) VALUES \(tuples.joined(separator: ", "))", parameters: parameters)
            start += perStatement
        }
        _ = try admin.rows("ANALYZE \(target)")
    }

    /// An in-memory table copied value for value; decimals as `decimal` (numeric or double precision).
    func copy(_ table: Table, as tableName: String, decimal: String, hashKey: String? = nil) throws {
        let columns = table.columns.map { ($0.name, PostgresTestServer.sqlType($0.type, decimal: decimal)) }
        let rows = (0..<table.rowCount).map { row in
            table.columns.map { column -> Value in
                if case .duration = column.value(at: row) { return .null }
                return column.value(at: row)
            }
        }
        try create(tableName, columns: columns, rows: rows, hashKey: hashKey)
    }

    /// Every table of the schema (and of `public`) with a checksum of its rows: equal before and after a test
    /// case means no data changed and no table was created or dropped.
    func fingerprint() throws -> [String] {
        let tables = try admin.rows(
            """
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname IN ($1, 'public') AND c.relkind IN ('r', 'p', 'v', 'f', 'm')
            ORDER BY 1, 2
            """, parameters: [.text(name)])
        var out: [String] = []
        for row in tables {
            guard let schema = row[0], let table = row[1] else { continue }
            var line = "\(schema).\(table)"
            if schema == name {
                let sum = try admin.rows(
                    "SELECT md5(string_agg(t::text, ',' ORDER BY t::text)), count(*) FROM \(qualified(table)) t")
                line += " " + (sum.first?.compactMap { $0 }.joined(separator: " ") ?? "?")
            }
            out.append(line)
        }
        return out
    }

    /// Drops the schema and the role everywhere. Connections as the role must be closed first.
    func drop() {
        let id = PostgresQuote.identifier(name)
        for shard in shards { _ = try? shard.connection.rows("DROP SCHEMA IF EXISTS \(id) CASCADE") }
        _ = try? admin.rows("DROP SCHEMA IF EXISTS \(id) CASCADE")
        // A session of the role still closing would make DROP ROLE fail: end it first.
        _ = try? admin.rows(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", parameters: [.text(name)])
        _ = try? admin.rows("DROP OWNED BY \(id)")
        _ = try? admin.rows("DROP ROLE IF EXISTS \(id)")
    }
}
