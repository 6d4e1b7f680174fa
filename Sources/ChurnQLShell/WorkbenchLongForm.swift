import ChurnQLStore

/// The workbench as one long table for automation: `section,customer_id,…` with every section's columns.
enum WorkbenchLongForm {
    static func table(_ sections: [(String, Table)]) -> Table {
        var names: [String] = []
        for (_, table) in sections {
            for name in table.columnNames where !names.contains(name) { names.append(name) }
        }
        var section = ColumnBuilder(type: .text)
        var builders: [String: ColumnBuilder] = [:]
        var types: [String: DataType] = [:]
        for (_, table) in sections {
            for column in table.columns where types[column.name] == nil { types[column.name] = column.type }
        }
        for name in names { builders[name] = ColumnBuilder(type: types[name] ?? .text) }
        for (name, table) in sections {
            for row in 0..<table.rowCount {
                section.append(.text(name))
                for column in names { builders[column]?.append(table.column(column)?.value(at: row) ?? .null) }
            }
        }
        let columns = [section.build(name: "section")] + names.compactMap { builders[$0]?.build(name: $0) }
        return Table(name: "workbench", columns: columns)
    }
}
