import ChurnQLStore

/// The columns an expression may name, each as SQL and with its type: an input's columns, or inside `agg` the
/// group keys. Names resolve as the engine resolves them: the exact name first, then any spelling of it.
struct SQLScope: Sendable {
    struct Entry: Sendable {
        var name: String
        var sql: SQLFragment
        var type: DataType { sql.type }
    }

    var entries: [Entry]

    func lookup(_ name: String) -> Entry? {
        if let exact = entries.first(where: { $0.name == name }) { return exact }
        let lower = name.lowercased()
        return entries.first { $0.name.lowercased() == lower }
    }

    /// The columns of a relation, read by their quoted names.
    static func columns(_ columns: [(name: String, type: DataType)], _ dialect: SQLDialect) -> SQLScope {
        SQLScope(entries: columns.map { Entry(name: $0.name, sql: SQLFragment(dialect.quote($0.name), $0.type)) })
    }
}

/// The per-customer churn flags a `churn_rate()` over customer rows reads, for one period: hidden columns the
/// customers table computes and every step over customer rows carries along.
struct ChurnFlags: Hashable, Sendable {
    var periodDays: Int

    var baseColumn: String { "__churn_base_\(periodDays)" }
    var churnedColumn: String { "__churned_\(periodDays)" }
}
