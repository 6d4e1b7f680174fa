/// "Did you mean" support: the closest candidate by edit distance, if it is close enough.
public enum Suggestions {
    /// The candidate closest to `word`, or nil when none is plausibly a typo of it.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        // A word more than three characters longer than a candidate is no typo of it (the limit is at most 3, and
        // the prefix rule needs the candidate longer): skipped, so a 12 MB name costs no 12 MB × name edit distance.
        let length = word.unicodeScalars.count
        let lower = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates where length <= candidate.unicodeScalars.count + 3 {
            let distance = editDistance(lower, candidate.lowercased())
            if best == nil || distance < best?.1 ?? Int.max { best = (candidate, distance) }
        }
        guard let (name, distance) = best else { return nil }
        let limit = Swift.max(1, Swift.min(3, (word.count + 2) / 3))
        if distance <= limit { return name }
        if name.lowercased().hasPrefix(lower) && lower.count >= 2 { return name }
        return nil
    }

    /// Levenshtein distance with transpositions counted as one edit.
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous2 = [Int](repeating: 0, count: y.count + 1)
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                var value = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] {
                    value = Swift.min(value, previous2[j - 2] + 1)
                }
                current[j] = value
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[y.count]
    }
}
