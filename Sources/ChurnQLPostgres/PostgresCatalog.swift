import ChurnQLStore

/// A table (or view) of an attached database: where it is on the server and its columns.
public struct PostgresTable: Sendable, Equatable {
    public var schema: String
    public var name: String
    /// The name churnql shows: the table's own name when its schema is on the search path, else `schema.name`.
    public var localName: String
    public var columns: [PostgresColumn]
    /// The planner's estimate (pg_class.reltuples); -1 when the table was never analysed.
    public var estimatedRows: Int64
}

/// Reads what an attached database holds, without reading any rows.
public enum PostgresCatalog {
    static let tablesQuery = """
        SELECT n.nspname, c.relname, a.attname, COALESCE(NULLIF(t.typbasetype, 0), a.atttypid)::int8,
               c.reltuples::int8, n.nspname = ANY (current_schemas(false))
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p') AND NOT c.relispartition
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
          AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
        ORDER BY n.nspname, c.relname, a.attnum
        """

    /// The tables the user may read, in schema and name order.
    public static func tables(_ connection: PostgresConnection) throws(PostgresError) -> [PostgresTable] {
        var tables: [PostgresTable] = []
        var onPath: [Bool] = []
        for row in try connection.rows(tablesQuery) {
            guard row.count == 6, let schema = row[0], let name = row[1], let column = row[2],
                let oid = row[3].flatMap({ UInt32($0) })
            else { continue }
            let rows = row[4].flatMap { Int64($0) } ?? -1
            if let last = tables.last, last.schema == schema, last.name == name {
                tables[tables.count - 1].columns.append(PostgresColumn(name: column, oid: oid))
            } else {
                tables.append(
                    PostgresTable(
                        schema: schema, name: name, localName: name,
                        columns: [PostgresColumn(name: column, oid: oid)], estimatedRows: rows))
                onPath.append(row[5] == "t")
            }
        }
        // A name shown bare must be unique and on the search path; others are schema-qualified.
        var counts: [String: Int] = [:]
        for (table, visible) in zip(tables, onPath) where visible { counts[table.name, default: 0] += 1 }
        for i in tables.indices where !(onPath[i] && counts[tables[i].name] == 1) {
            tables[i].localName = "\(tables[i].schema).\(tables[i].name)"
        }
        return tables
    }
}
