/// The named tables of a session, in load order.
public struct Catalog: Sendable {
    private var tables: [String: Table] = [:]
    public private(set) var names: [String] = []
    /// Each table's stamp: the catalog's change count when it was last put (derived state compares them).
    private var stamps: [String: Int] = [:]
    private var changes = 0

    public init() {}

    public subscript(name: String) -> Table? {
        if let table = tables[name] { return table }
        let lower = name.lowercased()
        return names.first { $0.lowercased() == lower }.flatMap { tables[$0] }
    }

    /// Adds or replaces a table under its name.
    public mutating func put(_ table: Table) {
        if tables[table.name] == nil { names.append(table.name) }
        tables[table.name] = table
        changes &+= 1
        stamps[table.name] = changes
    }

    public mutating func remove(_ name: String) {
        tables[name] = nil
        names.removeAll { $0 == name }
        stamps[name] = nil
    }

    /// Changes when the table named exactly `name` is put again; nil while there is none.
    public func stamp(of name: String) -> Int? { stamps[name] }

    public func contains(_ name: String) -> Bool { self[name] != nil }
}
