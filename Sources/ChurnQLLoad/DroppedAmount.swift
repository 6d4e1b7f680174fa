import ChurnQLDiagnostics
import ChurnQLStore

/// An amount-named column whose values are mostly not numbers stays text (NumericColumns), so the orders table has
/// no amount and every revenue is 0. That changes every revenue figure, so it is a warning, not a note.
public enum DroppedAmount {
    /// The warning for an orders table whose roles have no amount while a column is named like one; nil otherwise.
    public static func warning(_ table: Table, roles: OrderRoles, path: String) -> Diagnostic? {
        guard roles.amount == nil, roles.quantity == nil || roles.unitPrice == nil,
            let name = RoleDetector.find(table, RoleDetector.amountNames, accept: { $0.type == .text }),
            let column = table.column(name), case .text(let codes, let dictionary) = column.storage
        else { return nil }
        let kind = NumericColumns.numberKind(dictionary)
        let isNumber = dictionary.map { NumericColumns.number($0, kind) != nil }
        var numbers = 0
        var others = 0
        var examples: [String] = []
        for row in 0..<column.count where !column.isNull(row) {
            let code = Int(codes[row])
            if isNumber[code] {
                numbers += 1
            } else {
                others += 1
                let text = dictionary[code]
                if examples.count < 3 && !examples.contains(text) { examples.append(text) }
            }
        }
        let quoted = examples.map { "'\($0)'" }.joined(separator: ", ")
        return Diagnostic(
            code: "amount-not-numbers",
            message:
                "column '\(name)' is named like the amount, but \(NumberFormat.grouped(String(others))) of "
                + "\(NumberFormat.grouped(String(numbers + others))) values are not numbers (\(quoted)); it stays "
                + "text and revenue is 0",
            severity: .warning, file: path,
            hint:
                "load with (amount: \"\(name)\") to read it as numbers (each value that is not one is a located error), "
                + "adding (null: \"\(examples.first ?? "-")\") or (skip_bad_rows: true) to pass over them")
    }
}
