import ChurnQLDiagnostics
import ChurnQLSyntax

/// Compiles a `.chain` (`a or b or …`, `a + b - c …`) without a closure nested per operand, so that a chain of
/// 100,000 terms neither overflows the stack when it runs nor costs a call per level per row. Names and types are
/// checked in the order a tree of `.binary` nodes checked them, with the same spans.
enum ChainCompiler {
    /// Operators folded pair by pair (dates, durations, text) nest one closure each; every this many the chain is
    /// cut into a stage (`StagedChain`), so evaluating a row never nests deeper than one stage.
    static let stageLength = 256

    static func compile(
        _ first: Expression, _ links: [ChainLink], _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        guard let op = links.first?.op else { return try ExpressionCompiler.compile(first, context) }
        if op == .and || op == .or { return try logic(op, first, links, context) }
        return try arithmetic(first, links, context)
    }

    /// `and`/`or`: one closure looping over the operands, stopping at the first that decides (Kleene logic is
    /// associative, so this is the left fold's answer, with its order of evaluation).
    private static func logic(
        _ op: BinaryOperator, _ first: Expression, _ links: [ChainLink], _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        var operands: [(Int) -> Bool?] = []
        operands.reserveCapacity(links.count + 1)
        let firstVector = try ExpressionCompiler.compile(first, context)
        for (index, link) in links.enumerated() {
            let vector = try ExpressionCompiler.compile(link.operand, context)
            let span = Expression.span(of: first, through: link)
            if index == 0 { operands.append(try BinaryCompiler.asBool(op, firstVector, span, context)) }
            operands.append(try BinaryCompiler.asBool(op, vector, span, context))
        }
        let decisive = op == .or
        return .boolean { row in
            var sawNull = false
            for operand in operands {
                guard let value = operand(row) else {
                    sawNull = true
                    continue
                }
                if value == decisive { return decisive }
            }
            return sawNull ? nil : !decisive
        }
    }

    /// Arithmetic: runs of integer and decimal operands fold in one loop (`NumericFold`); any other operand is
    /// combined pair by pair as a `.binary` would be, and a numeric run may start again after it.
    private static func arithmetic(
        _ first: Expression, _ links: [ChainLink], _ context: CompileContext
    ) throws(Diagnostic) -> Vector {
        var folded = try ExpressionCompiler.compile(first, context)
        var numeric = NumericFold(folded)
        var nestedPairs = 0
        var staged = StagedChain()
        for (index, link) in links.enumerated() {
            let operand = try ExpressionCompiler.compile(link.operand, context)
            let linkSpan = Expression.span(of: first, through: link)
            if numeric?.append(link.op, operand, linkSpan, context) == true { continue }
            if let run = numeric { folded = run.vector }
            // Only the chain's first operand can be a text literal read as a date next to a date.
            let leftExpr = index == 0 ? first : Expression.literal(.null, linkSpan)
            folded = try BinaryCompiler.combine(link.op, folded, operand, leftExpr, link.operand, linkSpan, context)
            switch folded {
            case .null, .duration: break
            default: nestedPairs += 1
            }
            if nestedPairs > 0, nestedPairs % stageLength == 0 { folded = staged.cut(folded) }
            numeric = NumericFold(folded)
        }
        folded = numeric?.vector ?? folded
        return staged.finish(folded)
    }
}
