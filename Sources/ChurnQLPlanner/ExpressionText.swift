import ChurnQLSyntax

/// An expression as churnql text for plans (`QueryPrinter`), with a long list or chain at the top cut after a
/// few terms, so that the plan of a pasted 100,000-id list stays readable.
enum ExpressionText {
    static let shownTerms = 8

    static func of(_ expression: Expression) -> String {
        switch expression {
        case .inList(let subject, let items, let negated, let span) where items.count > shownTerms:
            let shown = QueryPrinter.text(of: .inList(subject, Array(items.prefix(shownTerms)), negated: negated, span))
            return shown.dropLast() + ", … \(items.count) values)"
        case .chain(let first, let links, let span) where links.count > shownTerms:
            return QueryPrinter.text(of: .chain(first, Array(links.prefix(shownTerms)), span))
                + " … (\(links.count + 1) terms)"
        default:
            return QueryPrinter.text(of: expression)
        }
    }
}
