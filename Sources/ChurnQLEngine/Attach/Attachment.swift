import ChurnQLPlanner
import ChurnQLPostgres
import ChurnQLStore

/// An attached PostgreSQL database: its connection and its tables under the names churnql shows. Its rows stay
/// on the server; only the schemas are known here.
final class Attachment {
    let name: String
    let connection: PostgresConnection
    let tables: [PostgresTable]
    /// The table `with (orders: …)` named, preferred as the session's orders table.
    let ordersTable: String?

    init(name: String, connection: PostgresConnection, tables: [PostgresTable], ordersTable: String?) {
        self.name = name
        self.connection = connection
        self.tables = tables
        self.ordersTable = ordersTable
    }

    func table(_ localName: String) -> PostgresTable? {
        tables.first { $0.localName == localName }
            ?? tables.first { $0.localName.lowercased() == localName.lowercased() }
    }

    /// A table's schema as the binder sees it.
    static func schema(_ table: PostgresTable) -> Schema {
        Schema(tableName: table.localName, columns: table.columns.map { ColumnSchema($0.name, $0.type) })
    }
}

extension Engine {
    /// The attached table of that name, with its database.
    func remoteTable(_ name: String) -> (attachment: Attachment, table: PostgresTable)? {
        for attachment in attachments {
            if let table = attachment.table(name) { return (attachment, table) }
        }
        return nil
    }

    /// Every attached table's name, in attach order.
    var remoteTableNames: [String] { attachments.flatMap { $0.tables.map(\.localName) } }

    /// The attachment holding the orders table, when the session's orders are on a server.
    var ordersAttachment: Attachment? { ordersTableName.flatMap { remoteTable($0)?.attachment } }

    /// An attached table called `customers` while the orders are on a server: the derived table takes the name,
    /// and `customers_raw` reads the server's.
    var remoteCustomersTable: String? {
        guard ordersAttachment != nil else { return nil }
        return remoteTableNames.first { $0.lowercased() == "customers" }
    }

    /// The schema of a loaded or attached table, reading no rows.
    func tableSchema(_ name: String) -> Schema? {
        if let table = catalog[name] { return Schema(of: table) }
        return remoteTable(name).map { Attachment.schema($0.table) }
    }
}
