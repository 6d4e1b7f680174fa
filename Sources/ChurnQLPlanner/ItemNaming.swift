import ChurnQLDiagnostics
import ChurnQLSyntax

/// The names of output columns: an item's given name, else the column it reads, a call's function name, or the
/// expression as written; repeats in one step get `_2`, `_3`.
public enum ItemNaming {
    public static func name(of item: NamedExpression, in source: SourceText) -> String {
        if let name = item.name { return name }
        if case .column(let name, _) = item.expression { return name }
        if case .call(let fn, let args, _) = item.expression, args.isEmpty { return fn }
        let span = item.expression.span
        guard span.start >= 0, span.end <= source.bytes.count, span.start < span.end else { return "expr" }
        return source.text(of: span)
    }

    /// The names made unique without regard to case, in order.
    public static func unique(_ names: [String]) -> [String] {
        var seen: Set<String> = []
        return names.map { original in
            var name = original
            var n = 2
            while seen.contains(name.lowercased()) {
                name = "\(original)_\(n)"
                n += 1
            }
            seen.insert(name.lowercased())
            return name
        }
    }
}
