import ChurnQLSyntax

/// Which columns of its source a query can read (projection pushdown): the derived customers table then computes
/// only those. A query whose rows reach the output with all their columns (no `select`, `agg` or `count` before
/// the end) needs every column, as does one with `rfm` or `join` before that point.
enum ColumnNeeds {
    /// The lowercased names the query takes from its source up to its first narrowing step (a name that an
    /// earlier step defined is not taken from the source); nil when it may need every column.
    static func of(_ query: Query) -> Set<String>? {
        var needed: Set<String> = []
        var defined: Set<String> = []
        func use(_ expression: Expression) {
            var names: Set<String> = []
            collect(expression, into: &names)
            needed.formUnion(names.subtracting(defined))
        }
        func define(_ items: [NamedExpression]) {
            for item in items { use(item.expression) }
            for item in items { if let name = item.name { defined.insert(name.lowercased()) } }
        }
        for node in query.operations {
            switch node.operation {
            case .where(let condition): use(condition)
            case .derive(let items), .group(let items): define(items)
            case .sort(let keys): for key in keys { use(key.expression) }
            case .take, .takeParameter: break
            case .distinct(let names):
                // Distinct over every column needs them all.
                if names.isEmpty { return nil }
                needed.formUnion(Set(names.map { $0.lowercased() }).subtracting(defined))
            case .top(_, let by): use(by)
            case .select(let items), .agg(let items):
                define(items)
                return needed
            case .histogram(let value, _):
                use(value)
                return needed
            case .count: return needed
            case .join, .rfm: return nil
            }
        }
        return nil
    }

    private static func collect(_ expression: Expression, into names: inout Set<String>) {
        switch expression {
        case .column(let name, _): names.insert(name.lowercased())
        case .literal, .parameter: break
        case .unary(_, let operand, _): collect(operand, into: &names)
        case .binary(_, let left, let right, _):
            collect(left, into: &names)
            collect(right, into: &names)
        case .call(_, let arguments, _): for argument in arguments { collect(argument.value, into: &names) }
        case .inList(let value, let list, _, _):
            collect(value, into: &names)
            for item in list { collect(item, into: &names) }
        case .between(let value, let low, let high, _, _):
            collect(value, into: &names)
            collect(low, into: &names)
            collect(high, into: &names)
        case .isNull(let value, _, _): collect(value, into: &names)
        case .chain(let first, let links, _):
            collect(first, into: &names)
            for link in links { collect(link.operand, into: &names) }
        }
    }
}
