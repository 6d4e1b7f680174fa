/// The named tables of a session, in load order.
public struct Catalog: Sendable {
    private var tables: [String: Table] = [:]
    public private(set) var names: [String] = []

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
    }

    public mutating func remove(_ name: String) {
        tables[name] = nil
        names.removeAll { $0 == name }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }
}
