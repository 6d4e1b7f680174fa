/// Guesses the delimiter from the first lines: the candidate that splits them into the most equal field counts.
enum DialectSniffer {
    static let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|")]

    static func delimiter(_ bytes: UnsafeBufferPointer<UInt8>, base: UnsafePointer<UInt8>, offset: Int) -> UInt8 {
        let sampleEnd = Swift.min(bytes.count, offset + 65536)
        var best: (delimiter: UInt8, score: Int) = (UInt8(ascii: ","), 0)
        for candidate in candidates {
            var scanner = CSVScanner(bytes: bytes, base: base, delimiter: candidate, start: offset, end: sampleEnd)
            var counts: [Int] = []
            while counts.count < 30, let more = try? scanner.next(), more {
                counts.append(scanner.fieldCount)
            }
            // The last sampled record may be cut by the sample boundary.
            if sampleEnd < bytes.count && counts.count > 1 { counts.removeLast() }
            guard let first = counts.first, first > 1 else { continue }
            let consistent = counts.filter { $0 == first }.count
            let score = consistent * 1000 + first
            if score > best.score { best = (candidate, score) }
        }
        return best.delimiter
    }
}
