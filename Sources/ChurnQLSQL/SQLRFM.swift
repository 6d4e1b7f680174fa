import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore

/// The `rfm` step as in memory (RFM.swift): each score is 1 + ⌊5 · i / n⌋ with i the number of rows with a
/// smaller value (so ties share the score of their lowest rank, `RANK() − 1`) and n the rows with a value; nulls
/// get no score. Recency is ranked from the most days since the last order down; values compare as doubles.
extension SQLPlanWriter {
    mutating func rfm(schema: Schema, name: String, input: SQLRelation, spans: [SourceSpan]) throws(Diagnostic)
        -> SQLRelation
    {
        let rows = scope(input)
        let double = dialect.doubleType
        var scores: [String] = []
        for (column, descending, alias) in [
            ("days_since_last", true, "__r"), ("frequency", false, "__f"), ("revenue", false, "__m"),
        ] {
            guard let entry = rows.lookup(column), entry.type == .integer || entry.type == .decimal else {
                throw notInSQL("rfm over a '\(column)' that is not a number column", spans)
            }
            let value = "CAST(\(entry.sql.inline(dialect)) AS \(double))"
            let rank =
                "RANK() OVER (PARTITION BY CASE WHEN \(value) IS NULL THEN 1 ELSE 0 END ORDER BY \(value)\(descending ? " DESC" : ""))"
            let score = "1 + \(integerDivision("5 * (\(rank) - 1)", "COUNT(\(value)) OVER ()"))"
            scores.append("CASE WHEN \(value) IS NULL THEN NULL ELSE \(score) END AS \(q(alias))")
        }
        let scored = define(
            name + "_scores",
            SQLFragment(
                "SELECT \((passThrough(input) + scores).joined(separator: ", ")) FROM \(input.name)", .null),
            columns: input.columns, hidden: input.hidden)
        let (r, f, m) = (q("__r"), q("__f"), q("__m"))
        let text = dialect.textType
        var list: [String] = []
        for column in schema.columns {
            switch column.name {
            case "r_score": list.append("\(r) AS \(q("r_score"))")
            case "f_score": list.append("\(f) AS \(q("f_score"))")
            case "m_score": list.append("\(m) AS \(q("m_score"))")
            case "rfm":
                list.append(
                    "CASE WHEN \(r) IS NOT NULL AND \(f) IS NOT NULL AND \(m) IS NOT NULL THEN CAST(\(r) AS \(text)) || CAST(\(f) AS \(text)) || CAST(\(m) AS \(text)) END AS \(q("rfm"))"
                )
            case "segment": list.append("\(segment(r, f, m)) AS \(q("segment"))")
            default: list.append(q(column.name))
            }
        }
        list += input.hidden.map(q)
        let body = "SELECT \(list.joined(separator: ", ")) FROM \(scored.name)"
        return define(name, SQLFragment(body, .null), columns: schema.columns, hidden: input.hidden)
    }

    /// The segment rules of RFM.segment, in the same order.
    private func segment(_ r: String, _ f: String, _ m: String) -> String {
        let rules: [(String, String)] = [
            ("\(r) >= 4 AND \(f) >= 4 AND \(m) >= 4", "Champions"),
            ("\(r) = 1 AND \(f) >= 4 AND \(m) >= 4", "Can't lose them"),
            ("\(r) >= 3 AND \(f) >= 4", "Loyal"),
            ("\(r) <= 2 AND \(f) >= 3", "At risk"),
            ("\(r) >= 4 AND \(f) BETWEEN 2 AND 3", "Potential loyalist"),
            ("\(r) >= 4 AND \(f) = 1", "New customers"),
            ("\(r) = 3 AND \(f) = 1", "Promising"),
            ("\(r) = 3 AND \(f) BETWEEN 2 AND 3", "Need attention"),
            ("\(r) = 2 AND \(f) <= 2 AND \(m) >= 3", "About to sleep"),
            ("\(r) = 2 AND \(f) <= 2", "Hibernating"),
        ]
        let cases = rules.map { "WHEN \($0.0) THEN \(dialect.text($0.1))" }.joined(separator: " ")
        return
            "CASE WHEN \(r) IS NULL OR \(f) IS NULL OR \(m) IS NULL THEN NULL \(cases) ELSE \(dialect.text("Lost")) END"
    }

    /// a ÷ b rounded down, for non-negative integers.
    func integerDivision(_ a: String, _ b: String) -> String {
        switch dialect {
        case .postgres, .sqlite: return "((\(a)) / (\(b)))"
        case .duckdb: return "((\(a)) // (\(b)))"
        case .spark: return "((\(a)) div (\(b)))"
        }
    }
}
