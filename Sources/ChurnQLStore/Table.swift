/// A table: equally long named columns. `entityIndex` carries, per row, the dense id of the customer the row
/// describes when the table derives from the customers table, so retention aggregates can reach order history.
public struct Table: Sendable {
    public var name: String
    public var columns: [Column]
    public var rowCount: Int
    public var entityIndex: [Int32]?

    public init(name: String, columns: [Column], rowCount: Int? = nil, entityIndex: [Int32]? = nil) {
        self.name = name
        self.columns = columns
        self.rowCount = rowCount ?? columns.first?.count ?? 0
        self.entityIndex = entityIndex
    }

    public var columnNames: [String] { columns.map(\.name) }

    /// The index of a column by exact name, else by case-insensitive name.
    public func columnIndex(_ name: String) -> Int? {
        if let exact = columns.firstIndex(where: { $0.name == name }) { return exact }
        let lower = name.lowercased()
        return columns.firstIndex(where: { $0.name.lowercased() == lower })
    }

    public func column(_ name: String) -> Column? { columnIndex(name).map { columns[$0] } }

    /// The rows at `indices`, keeping entity lineage.
    public func gather(_ indices: [Int]) -> Table {
        Table(
            name: name, columns: columns.map { $0.gather(indices) }, rowCount: indices.count,
            entityIndex: entityIndex.map { lineage in indices.map { lineage[$0] } })
    }

    /// Approximate bytes held by the columns.
    public var byteSize: Int { columns.reduce(0) { $0 + $1.storage.byteSize } }
}
