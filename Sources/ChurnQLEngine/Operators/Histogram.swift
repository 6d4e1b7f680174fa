import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax

/// The `histogram EXPR [bins N]` step: equal-width bins from the minimum to the maximum, nulls left out.
enum Histogram {
    static func build(_ table: Table, _ expression: Expression, bins: Int, context: CompileContext) throws(Diagnostic)
        -> Table
    {
        let vector = try ExpressionCompiler.compile(expression, context)
        guard let f = vector.asDouble else {
            throw StepRules.histogramNeedsNumbers(vector.type, expression.span, in: context.source)
        }
        let stop = StopCheck()
        var values: [Double] = []
        try stop.chunks(table.rowCount) { chunk in
            for row in chunk { if let v = f(row), v.isFinite { values.append(v) } }
        }
        guard let low = values.min(), let high = values.max() else {
            // No numbers: the same columns, no bins.
            return Table(
                name: "histogram",
                columns: StepRules.histogramColumns.map { Column.empty(name: $0.name, type: $0.type) },
                rowCount: 0)
        }
        // A range too wide for a Double (±1e308) gets one bin rather than infinite widths.
        let count = high > low && (high - low).isFinite ? bins : 1
        let width = count > 1 ? (high - low) / Double(count) : 0
        var counts = [Int64](repeating: 0, count: count)
        try stop.chunks(values.count) { chunk in
            for v in values[chunk] {
                let position = count > 1 ? (v - low) / width : 0
                counts[Swift.max(0, Swift.min(count - 1, position.isFinite ? Int(position) : 0))] += 1
            }
        }
        let largest = counts.max() ?? 1
        var bars = ColumnBuilder(type: .text, capacity: count)
        for c in counts {
            bars.append(
                .text(String(repeating: "█", count: Int((Double(c) / Double(Swift.max(largest, 1)) * 40).rounded()))))
        }
        let total = Double(values.count)
        return Table(
            name: "histogram",
            columns: [
                // The last bin ends at the maximum itself (one bin covers low...high, not low...low + 1).
                Column(name: "from", storage: .decimal((0..<count).map { low + Double($0) * width })),
                Column(
                    name: "to",
                    storage: .decimal((0..<count).map { $0 == count - 1 ? high : low + Double($0 + 1) * width })),
                Column(name: "n", storage: .integer(counts)),
                Column(name: "share", storage: .decimal(counts.map { Double($0) / total })),
                bars.build(name: "bar"),
            ])
    }
}
