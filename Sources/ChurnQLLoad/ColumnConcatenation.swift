import ChurnQLStore

/// Joins the per-chunk columns of a parallel load into one column; text codes are remapped into one dictionary.
enum ColumnConcatenation {
    static func concatenate(_ parts: [Column]) -> Column {
        guard let first = parts.first else { return Column(name: "", storage: .integer([])) }
        if parts.count == 1 { return first }
        let anyNulls = parts.contains { $0.nulls != nil }
        let nulls: [Bool]? = anyNulls ? parts.flatMap { $0.nulls ?? [Bool](repeating: false, count: $0.count) } : nil
        let storage: ColumnStorage
        switch first.storage {
        case .integer:
            storage = .integer(parts.flatMap { if case .integer(let v) = $0.storage { return v } else { return [] } })
        case .decimal:
            storage = .decimal(parts.flatMap { if case .decimal(let v) = $0.storage { return v } else { return [] } })
        case .boolean:
            storage = .boolean(parts.flatMap { if case .boolean(let v) = $0.storage { return v } else { return [] } })
        case .date: storage = .date(parts.flatMap { if case .date(let v) = $0.storage { return v } else { return [] } })
        case .timestamp:
            storage = .timestamp(
                parts.flatMap { if case .timestamp(let v) = $0.storage { return v } else { return [] } })
        case .text(_, let firstDictionary):
            var dictionary = firstDictionary
            var lookup: [String: Int32] = [:]
            for (i, s) in dictionary.enumerated() where lookup[s] == nil { lookup[s] = Int32(i) }
            var codes: [Int32] = []
            codes.reserveCapacity(parts.reduce(0) { $0 + $1.count })
            for (index, part) in parts.enumerated() {
                guard case .text(let partCodes, let partDictionary) = part.storage else { continue }
                if index == 0 {
                    codes += partCodes
                    continue
                }
                let remap = partDictionary.map { s -> Int32 in
                    if let code = lookup[s] { return code }
                    let code = Int32(dictionary.count)
                    dictionary.append(s)
                    lookup[s] = code
                    return code
                }
                codes += partCodes.map { remap[Int($0)] }
            }
            storage = .text(codes: codes, dictionary: dictionary)
        }
        return Column(name: first.name, storage: storage, nulls: nulls)
    }
}
