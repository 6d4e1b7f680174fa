import ChurnQLDiagnostics
import ChurnQLStore
import ChurnQLSyntax

/// `x in (…)` over integer, decimal, date or boolean constants as one hashed lookup per row, with the answers of
/// the `x == a or x == b or …` it stands for: a null `x` gives null, integers against decimals compare as
/// decimals, a text literal next to a date is read as a date. Text lists are `TextMembership`.
enum ConstantMembership {
    /// Nil when the subject's type has no set here or an item is not such a constant (a column, a null, text that
    /// is not a date): the caller compiles the comparisons instead.
    static func compile(
        _ subject: Expression, _ items: [Expression], negated: Bool, _ context: CompileContext
    ) throws(Diagnostic) -> Vector? {
        guard !items.isEmpty else { return nil }
        var values: [Value] = []
        values.reserveCapacity(items.count)
        for item in items {
            guard isConstant(item) else { return nil }
            values.append(try ExpressionCompiler.constant(item, context))
        }
        switch try ExpressionCompiler.compile(subject, context) {
        case .integer(let value):
            if let members = integers(values) { return lookup(value, members, negated) }
            guard let members = decimals(values) else { return nil }
            return lookup({ value($0).map(Double.init) }, members, negated)
        case .decimal(let value):
            guard let members = decimals(values) else { return nil }
            return lookup(value, members, negated)
        case .date(let value):
            // As `date == "2024-01-31"`: text is read as a date only when written as a literal.
            let readAsDate = zip(items, values).allSatisfy { item, value in
                if case .text = value, case .literal(.string, _) = item { return true }
                if case .text = value { return false }
                return true
            }
            guard readAsDate, let members = dates(values) else { return nil }
            return lookup(value, members, negated)
        case .boolean(let value):
            let members = values.compactMap { if case .boolean(let b) = $0 { b } else { nil } }
            guard members.count == values.count else { return nil }
            return lookup(value, Set(members), negated)
        default: return nil
        }
    }

    private static func lookup<T: Hashable>(_ value: @escaping (Int) -> T?, _ members: Set<T>, _ negated: Bool)
        -> Vector
    {
        .boolean { row in value(row).map { members.contains($0) != negated } }
    }

    /// Literals and parameters, negated or not: values known before any row is read.
    private static func isConstant(_ item: Expression) -> Bool {
        switch item {
        case .literal, .parameter: return true
        case .unary(.negate, .literal, _), .unary(.negate, .parameter, _): return true
        default: return false
        }
    }

    private static func integers(_ values: [Value]) -> Set<Int64>? {
        let members = values.compactMap { if case .integer(let v) = $0 { v } else { nil } }
        return members.count == values.count ? Set(members) : nil
    }

    private static func decimals(_ values: [Value]) -> Set<Double>? {
        let members = values.compactMap { value -> Double? in
            switch value {
            case .integer(let v): return Double(v)
            case .decimal(let v): return v
            default: return nil
            }
        }
        return members.count == values.count ? Set(members) : nil
    }

    private static func dates(_ values: [Value]) -> Set<Int32>? {
        let members = values.compactMap { value -> Int32? in
            switch value {
            case .date(let day): return day
            case .text(let text): return Dates.parseISO(text)
            default: return nil
            }
        }
        return members.count == values.count ? Set(members) : nil
    }
}
