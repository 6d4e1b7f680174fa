import ChurnQLDiagnostics
import ChurnQLMetrics
import ChurnQLPlanner
import ChurnQLStore

/// The `rfm` step: quintile scores r, f, m (5 = best) over the rows in scope, and a named segment.
enum RFM {
    static func apply(_ table: Table, span: SourceSpan, context: CompileContext) throws(Diagnostic) -> Table {
        let stop = StopCheck()
        func numbers(_ name: String) throws(Diagnostic) -> [Double?] {
            guard let column = table.column(name) else {
                throw StepRules.rfmNeeds(name, span, in: context.source)
            }
            var values: [Double?] = []
            values.reserveCapacity(table.rowCount)
            try stop.chunks(table.rowCount) { chunk in
                for row in chunk { values.append(column.value(at: row).asDouble) }
            }
            return values
        }
        let recency = try numbers("days_since_last")
        let frequency = try numbers("frequency")
        let monetary = try numbers("revenue")
        // Recent customers score high, so recency is ranked by its negative.
        let r = try scores(recency.map { $0.map { -$0 } }, stop: stop)
        let f = try scores(frequency, stop: stop)
        let m = try scores(monetary, stop: stop)
        var result = table
        for (name, values) in [("r_score", r), ("f_score", f), ("m_score", m)] {
            result.columns.removeAll { $0.name == name }
            result.columns.append(
                Column(name: name, storage: .integer(values.map { Int64($0 ?? 0) }), nulls: values.map { $0 == nil }))
        }
        var codes = ColumnBuilder(type: .text, capacity: table.rowCount)
        var segments = ColumnBuilder(type: .text, capacity: table.rowCount)
        try stop.chunks(table.rowCount) { chunk in
            for row in chunk {
                if let rs = r[row], let fs = f[row], let ms = m[row] {
                    codes.append(.text("\(rs)\(fs)\(ms)"))
                    segments.append(.text(segment(r: rs, f: fs, m: ms)))
                } else {
                    codes.append(.null)
                    segments.append(.null)
                }
            }
        }
        result.columns.removeAll { $0.name == "rfm" || $0.name == "segment" }
        result.columns.append(codes.build(name: "rfm"))
        result.columns.append(segments.build(name: "segment"))
        return result
    }

    /// Quintile score 1…5 by rank; ties share the score of their lowest rank.
    static func scores(_ values: [Double?], stop: StopCheck = StopCheck(interrupt: nil)) throws(Diagnostic) -> [Int?] {
        let rows = values.indices.filter { values[$0] != nil }
        let present = try Sorting.order(
            [Column(name: "", storage: .decimal(rows.map { values[$0] ?? 0 }))], descending: [false], stop: stop
        ).map { rows[$0] }
        var result = [Int?](repeating: nil, count: values.count)
        let n = present.count
        var i = 0
        var sinceCheck = 0
        while i < n {
            var j = i
            while j + 1 < n && values[present[j + 1]] == values[present[i]] { j += 1 }
            let score = 1 + (5 * i) / Swift.max(n, 1)
            for k in i...j { result[present[k]] = score }
            sinceCheck += j - i + 1
            if sinceCheck >= Interrupt.stride {
                sinceCheck = 0
                try stop()
            }
            i = j + 1
        }
        return result
    }

    /// The segment rules, checked in order (documented in docs/metrics.md).
    static func segment(r: Int, f: Int, m: Int) -> String {
        switch (r, f, m) {
        case (4...5, 4...5, 4...5): return "Champions"
        case (1, 4...5, 4...5): return "Can't lose them"
        case (3...5, 4...5, _): return "Loyal"
        case (1...2, 3...5, _): return "At risk"
        case (4...5, 2...3, _): return "Potential loyalist"
        case (4...5, 1, _): return "New customers"
        case (3, 1, _): return "Promising"
        case (3, 2...3, _): return "Need attention"
        case (2, 1...2, 3...5): return "About to sleep"
        case (2, 1...2, _): return "Hibernating"
        default: return "Lost"
        }
    }
}
