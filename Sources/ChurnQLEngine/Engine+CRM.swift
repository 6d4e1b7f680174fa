import ChurnQLDiagnostics
import ChurnQLLoad
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLStore

extension Engine {
    /// The contact and contract columns of the customers table, when those tables are loaded:
    /// last_contact, contacts, next_contact, days_since_contact, contact_overdue, rep; contract_start,
    /// contract_end, in_contract. Only contacts and contracts on or before asof count.
    func crmColumns(_ profile: CustomerProfile) -> [Column] {
        guard contactsTableName != nil || contractsTableName != nil else { return [] }
        return derived.crm.value(for: ProfileKey(data: dataVersion, retention: profile.settings)) {
            makeCRMColumns(profile)
        }
    }

    /// The CRM columns' names and types, without computing them: the contacts' when a contacts table is
    /// detected, the contracts' when a contracts table is (the same conditions as `makeCRMColumns`).
    var crmColumnSchema: [ColumnSchema] {
        var columns: [ColumnSchema] = []
        if let name = contactsTableName, let roles = contactRoles, let table = catalog[name],
            table.column(roles.customer) != nil, table.column(roles.date) != nil
        {
            columns += [
                ColumnSchema("last_contact", .date), ColumnSchema("contacts", .integer),
                ColumnSchema("next_contact", .date), ColumnSchema("days_since_contact", .integer),
                ColumnSchema("contact_overdue", .boolean), ColumnSchema("rep", .text),
            ]
        }
        if let name = contractsTableName, let roles = contractRoles, let table = catalog[name],
            table.column(roles.customer) != nil, table.column(roles.start) != nil, table.column(roles.end) != nil
        {
            columns += [
                ColumnSchema("contract_start", .date), ColumnSchema("contract_end", .date),
                ColumnSchema("in_contract", .boolean),
            ]
        }
        return columns
    }

    private func makeCRMColumns(_ profile: CustomerProfile) -> [Column] {
        let n = profile.history.customerCount
        let asof = profile.settings.asof
        var index: [String: Int] = [:]
        for c in 0..<n { index[profile.history.keys.value(at: c).plainText] = c }
        var columns: [Column] = []
        if let name = contactsTableName, let roles = contactRoles, let table = catalog[name],
            let customer = table.column(roles.customer), let date = table.column(roles.date)
        {
            var last = [Int32?](repeating: nil, count: n)
            var count = [Int64](repeating: 0, count: n)
            var next = [Int32?](repeating: nil, count: n)
            var rep = [String?](repeating: nil, count: n)
            let repColumn = roles.rep.flatMap(table.column)
            let nextColumn = roles.nextContact.flatMap(table.column)
            for row in 0..<table.rowCount {
                guard let c = index[customer.value(at: row).plainText], let day = Self.day(date.value(at: row)),
                    day <= asof
                else { continue }
                count[c] += 1
                // The latest contact wins; on the same day, the later row.
                if last[c].map({ day >= $0 }) ?? true {
                    last[c] = day
                    next[c] = nextColumn.flatMap { Self.day($0.value(at: row)) }
                    rep[c] = repColumn.flatMap { column -> String? in
                        let v = column.value(at: row)
                        return v.isNull ? nil : v.plainText
                    }
                }
            }
            columns.append(dateColumn("last_contact", last))
            columns.append(Column(name: "contacts", storage: .integer(count)))
            columns.append(dateColumn("next_contact", next))
            let since = last.map { $0.map { Int64(asof - $0) } }
            columns.append(
                Column(
                    name: "days_since_contact", storage: .integer(since.map { $0 ?? 0 }), nulls: since.map { $0 == nil }
                ))
            columns.append(Column(name: "contact_overdue", storage: .boolean(next.map { ($0 ?? Int32.max) < asof })))
            var builder = ColumnBuilder(type: .text, capacity: n)
            for value in rep { builder.append(value.map(Value.text) ?? .null) }
            columns.append(builder.build(name: "rep"))
        }
        if let name = contractsTableName, let roles = contractRoles, let table = catalog[name],
            let customer = table.column(roles.customer), let startColumn = table.column(roles.start),
            let endColumn = table.column(roles.end)
        {
            var start = [Int32?](repeating: nil, count: n)
            var end = [Int32?](repeating: nil, count: n)
            for row in 0..<table.rowCount {
                guard let c = index[customer.value(at: row).plainText], let s = Self.day(startColumn.value(at: row)),
                    s <= asof,
                    let e = Self.day(endColumn.value(at: row))
                else { continue }
                // The contract signed last (on or before asof) describes the customer.
                if start[c].map({ s >= $0 }) ?? true {
                    start[c] = s
                    end[c] = e
                }
            }
            columns.append(dateColumn("contract_start", start))
            columns.append(dateColumn("contract_end", end))
            columns.append(Column(name: "in_contract", storage: .boolean(end.map { ($0 ?? Int32.min) >= asof })))
        }
        return columns
    }

    static func day(_ value: Value) -> Int32? {
        switch value {
        case .date(let d): return d
        case .timestamp(let t): return Dates.day(ofTimestamp: t)
        default: return nil
        }
    }

    func dateColumn(_ name: String, _ values: [Int32?]) -> Column {
        Column(name: name, storage: .date(values.map { $0 ?? 0 }), nulls: values.map { $0 == nil })
    }
}
