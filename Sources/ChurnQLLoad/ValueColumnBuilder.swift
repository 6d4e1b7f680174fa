import ChurnQLStore

/// Builds a typed column from text values (as SQLite hands them over), with the same inference as CSV.
enum ValueColumnBuilder {
    static func column(name: String, texts: [String?]) -> Column {
        var sniffer = TypeSniffer(pattern: nil)
        for text in texts {
            guard var text else { continue }
            text.withUTF8 { buffer in
                guard let base = buffer.baseAddress else { return }
                sniffer.observe(Field(base: base, count: buffer.count))
            }
        }
        // Keys stay as SQLite prints them (INTEGER as decimal text, REAL as %!.15g), never numbers or dates.
        let kind =
            KeyColumns.isKeyName(name)
            ? KeyColumns.kind(name: name, explicit: false, sniffer: sniffer) : sniffer.decide().kind
        var accumulator = ColumnAccumulator(kind: kind, pattern: nil, capacity: texts.count)
        for text in texts {
            guard var text else {
                accumulator.appendNull()
                continue
            }
            text.withUTF8 { buffer in
                if let base = buffer.baseAddress {
                    accumulator.append(Field(base: base, count: buffer.count))
                } else {
                    accumulator.appendNull()
                }
            }
        }
        return ColumnAccumulator.merged([accumulator], name: name).0
    }
}
