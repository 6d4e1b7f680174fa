import ChurnQLLoad

/// The tables that play a part, and their columns' roles, as detected after the latest change to the catalog.
public struct DetectedRoles {
    /// The orders table: customer, date, amount, ….
    public internal(set) var orders: (table: String, roles: OrderRoles)?
    /// The customers attribute table and its key column.
    public internal(set) var attributes: (table: String, key: String)?
    /// The contacts and contracts tables (the CRM workbench).
    public internal(set) var contacts: (table: String, roles: ContactRoles)?
    public internal(set) var contracts: (table: String, roles: ContractRoles)?
}
