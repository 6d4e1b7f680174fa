import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// One CTE per plan step after the scan.
extension SQLPlanWriter {
    mutating func step(_ step: PlanStep, name: String, input: SQLRelation) throws(Diagnostic) -> SQLRelation {
        let spans = step.spans
        let rows = writer(scope(input))
        switch step.op {
        case .scan: throw notInSQL("a second source", spans)
        case .filter(let condition):
            let test = try rows.write(condition.syntax)
            let body = SQLFragment.join(
                .null,
                [
                    .sql("SELECT \(passThrough(input).joined(separator: ", ")) FROM \(input.name) WHERE "),
                    .fragment(test),
                ])
            return define(name, body, columns: input.columns, hidden: input.hidden)
        case .project(let items):
            var parts: [SQLPart] = [.sql("SELECT ")]
            var columns: [ColumnSchema] = []
            for (i, item) in items.enumerated() {
                if i > 0 { parts.append(.sql(", ")) }
                let value = try rows.write(item.expression.syntax)
                // A column kept under its own name needs no alias.
                let kept = value.pieces.count == 1 && value.inline(dialect) == q(item.name)
                parts += kept ? [.fragment(value)] : [.fragment(value), .sql(" AS \(q(item.name))")]
                columns.append(ColumnSchema(item.name, item.expression.type.storedType))
            }
            let hidden = step.schema.describesCustomers ? input.hidden : input.hidden.filter { $0 == SQLRelation.order }
            for column in hidden { parts.append(.sql(", \(q(column))")) }
            parts.append(.sql(" FROM \(input.name)"))
            return define(name, .join(.null, parts), columns: columns, hidden: hidden)
        case .extend(let items):
            // Each item sees those before it: their SQL is substituted where they are named.
            var scope = self.scope(input)
            var columns = input.columns
            var values: [String: SQLFragment] = [:]
            for item in items {
                let value = try writer(scope).write(item.expression.syntax)
                let parenthesized = SQLFragment.join(value.type, [.sql("("), .fragment(value), .sql(")")])
                let column = ColumnSchema(item.name, item.expression.type.storedType)
                let lower = item.name.lowercased()
                if let i = columns.firstIndex(where: { $0.name.lowercased() == lower }) {
                    values[columns[i].name.lowercased()] = nil
                    columns[i] = column
                } else {
                    columns.append(column)
                }
                values[lower] = parenthesized
                scope.entries.removeAll { $0.name.lowercased() == lower }
                scope.entries.append(SQLScope.Entry(name: item.name, sql: parenthesized))
            }
            var parts: [SQLPart] = [.sql("SELECT ")]
            for (i, column) in columns.enumerated() {
                if i > 0 { parts.append(.sql(", ")) }
                if let value = values[column.name.lowercased()] {
                    parts += [.fragment(value), .sql(" AS \(q(column.name))")]
                } else {
                    parts.append(.sql(q(column.name)))
                }
            }
            for column in input.hidden { parts.append(.sql(", \(q(column))")) }
            parts.append(.sql(" FROM \(input.name)"))
            return define(name, .join(.null, parts), columns: columns, hidden: input.hidden)
        case .aggregate(let keys, let items):
            return try aggregate(keys: keys, items: items, name: name, input: input, spans: spans)
        case .sort(let keys, let limit):
            return try sort(keys, limit: limit, name: name, input: input)
        case .limit(let n):
            var text = "SELECT \(passThrough(input).joined(separator: ", ")) FROM \(input.name)"
            if input.isOrdered { text += " ORDER BY \(q(SQLRelation.order))" }
            return define(name, SQLFragment(text + " LIMIT \(n)", .null), columns: input.columns, hidden: input.hidden)
        case .distinct(let names):
            let columns = names.isEmpty ? input.columns : step.schema.columns
            let list = columns.map { q($0.name) }.joined(separator: ", ")
            // Distinct rows keep the place of their first appearance in a sorted input, as in memory.
            let text =
                input.isOrdered
                ? "SELECT \(list), MIN(\(q(SQLRelation.order))) AS \(q(SQLRelation.order)) FROM \(input.name) GROUP BY \(list)"
                : "SELECT DISTINCT \(list) FROM \(input.name)"
            return define(
                name, SQLFragment(text, .null), columns: columns, hidden: input.isOrdered ? [SQLRelation.order] : [])
        case .join(let right, let on, let kind):
            return try join(right, on: on, kind: kind, schema: step.schema, name: name, input: input, spans: spans)
        case .rfm: return try rfm(schema: step.schema, name: name, input: input, spans: spans)
        case .histogram(let value, let bins):
            return try histogram(value, bins: bins, name: name, input: input, spans: spans)
        }
    }

    private mutating func aggregate(
        keys: [BoundItem], items: [BoundItem], name: String, input: SQLRelation, spans: [SourceSpan]
    ) throws(Diagnostic) -> SQLRelation {
        let rows = writer(scope(input))
        var source = input
        var keyScope = SQLScope(entries: [])
        var outputs: [SQLPart] = []
        var columns: [ColumnSchema] = []
        if !keys.isEmpty {
            // The keys computed first, under hidden names, so that the items can name them.
            var parts: [SQLPart] = [.sql("SELECT \(passThrough(input).joined(separator: ", "))")]
            for (i, key) in keys.enumerated() {
                let value = try rows.write(key.expression.syntax)
                let hiddenName = "__key_\(i + 1)"
                parts += [.sql(", "), .fragment(value), .sql(" AS \(q(hiddenName))")]
                keyScope.entries.append(SQLScope.Entry(name: key.name, sql: SQLFragment(q(hiddenName), value.type)))
                outputs.append(.sql("\(q(hiddenName)) AS \(q(key.name))"))
                columns.append(ColumnSchema(key.name, key.expression.type.storedType))
            }
            parts.append(.sql(" FROM \(input.name)"))
            source = define(name + "_keys", .join(.null, parts), columns: input.columns, hidden: input.hidden)
        }
        source = rankingCycles(items: items, keyCount: keys.count, name: name, source: source)
        let itemWriter = writer(keyScope, aggregateInput: scope(source).adding(hidden: source.hidden, dialect))
        for item in items {
            let value = try itemWriter.write(item.expression.syntax)
            outputs.append(.fragment(SQLFragment.join(value.type, [.fragment(value), .sql(" AS \(q(item.name))")])))
            columns.append(ColumnSchema(item.name, item.expression.type.storedType))
        }
        var parts: [SQLPart] = [.sql("SELECT ")]
        for (i, output) in outputs.enumerated() {
            if i > 0 { parts.append(.sql(", ")) }
            parts.append(output)
        }
        // Groups in order of their first row, as in memory.
        if input.isOrdered { parts.append(.sql(", MIN(\(q(SQLRelation.order))) AS \(q(SQLRelation.order))")) }
        parts.append(.sql(" FROM \(source.name)"))
        if !keys.isEmpty {
            parts.append(.sql(" GROUP BY " + (1...keys.count).map { q("__key_\($0)") }.joined(separator: ", ")))
        }
        return define(name, .join(.null, parts), columns: columns, hidden: input.isOrdered ? [SQLRelation.order] : [])
    }

    /// A stable sort: the row number over the keys (nulls last either way), ties broken by the previous order;
    /// with a limit, only the first rows.
    private mutating func sort(_ keys: [BoundSortKey], limit: Int?, name: String, input: SQLRelation)
        throws(Diagnostic) -> SQLRelation
    {
        let rows = writer(scope(input))
        var order: [SQLPart] = []
        for (i, key) in keys.enumerated() {
            var value = try rows.write(key.expression.syntax)
            if value.type == .text { value = SQLFragment(dialect.binaryCollation(""), .text).prefixed(value) }
            if i > 0 { order.append(.sql(", ")) }
            order += [.fragment(value), .sql(key.descending ? " DESC NULLS LAST" : " ASC NULLS LAST")]
        }
        if input.isOrdered { order.append(.sql(", \(q(SQLRelation.order))")) }
        let hidden = input.hidden.filter { $0 != SQLRelation.order } + [SQLRelation.order]
        let visible = input.columns.map { q($0.name) } + input.hidden.filter { $0 != SQLRelation.order }.map(q)
        let ranked = SQLFragment.join(
            .null,
            [.sql("SELECT \(visible.joined(separator: ", ")), ROW_NUMBER() OVER (ORDER BY ")] + order
                + [.sql(") AS \(q(SQLRelation.order)) FROM \(input.name)")])
        guard let limit else { return define(name, ranked, columns: input.columns, hidden: hidden) }
        let body = SQLFragment.join(
            .null,
            [
                .sql("SELECT \((visible + [q(SQLRelation.order)]).joined(separator: ", ")) FROM ("),
                .fragment(ranked), .sql(") AS \(q("ranked")) WHERE \(q(SQLRelation.order)) <= \(limit)"),
            ])
        return define(name, body, columns: input.columns, hidden: hidden)
    }

    private mutating func join(
        _ right: PlanSource, on keys: [String], kind: JoinKind, schema: Schema, name: String, input: SQLRelation,
        spans: [SourceSpan]
    ) throws(Diagnostic) -> SQLRelation {
        let (l, r) = (q("l"), q("r"))
        let rightName: String
        let rightSchema: Schema
        switch right {
        case .table(let table):
            guard let schema = context.tables[table] else { throw notInSQL("a join with '\(table)'", spans) }
            (rightName, rightSchema) = (context.reference(table, dialect), schema)
        case .customers:
            guard let schema = context.customersSchema else { throw notInSQL("a join with customers", spans) }
            let relation = try customers(schema: schema, columns: nil, spans: spans)
            (rightName, rightSchema) = (relation.name, Schema(tableName: "customers", columns: relation.columns))
        case .view(let view):
            let relation = try scan(
                .view(view), columns: nil, schema: Schema(tableName: view.name, columns: []), spans: spans)
            (rightName, rightSchema) = (relation.name, Schema(tableName: view.name, columns: relation.columns))
        }
        let keyNames = Set(keys.map { $0.lowercased() })
        var list = input.columns.map { "\(l).\(q($0.name))" }
        // The right side's columns, keys left out, under the names the join's schema gives them.
        let rightColumns = rightSchema.columns.filter { !keyNames.contains($0.name.lowercased()) }
        for (original, column) in zip(rightColumns, schema.columns.dropFirst(input.columns.count)) {
            list.append("\(r).\(q(original.name)) AS \(q(column.name))")
        }
        if input.isOrdered { list.append("\(l).\(q(SQLRelation.order))") }
        let conditions = keys.map { key -> String in
            let leftName = input.columns.first { $0.name.lowercased() == key.lowercased() }?.name ?? key
            let rightName = rightSchema.column(key)?.name ?? key
            return "\(l).\(q(leftName)) = \(r).\(q(rightName))"
        }
        let word = kind == .inner ? "INNER JOIN" : "LEFT JOIN"
        let text =
            "SELECT \(list.joined(separator: ", ")) FROM \(input.name) AS \(l) \(word) \(rightName) AS \(r) ON \(conditions.joined(separator: " AND "))"
        return define(
            name, SQLFragment(text, .null), columns: schema.columns, hidden: input.isOrdered ? [SQLRelation.order] : [])
    }
}

extension SQLScope {
    /// The scope with the hidden columns readable too (churn flags inside `agg`).
    func adding(hidden: [String], _ dialect: SQLDialect) -> SQLScope {
        SQLScope(
            entries: entries + hidden.map { Entry(name: $0, sql: SQLFragment(dialect.quote($0), .integer)) })
    }
}
