import Testing

@testable import ChurnQLLoad

/// The record bound of each chunk (InPlaceColumns.bounds) counted from copies of the bytes in a small buffer (how a
/// mapped file is counted) against counting the bytes in place: the same bounds, NUL and quote flags, for files of
/// LF, CR LF and lone CR line ends, lines longer than the buffer, NUL bytes and quotes, cut anywhere.
struct RecordBoundTests {
    typealias Random = FuzzTests.Random

    static func randomBytes(_ r: inout Random, size: Int) -> [UInt8] {
        let pieces: [[UInt8]] = [
            Array("abc,12,".utf8), [10], [13, 10], [13], [34], [0], Array("2024-01-02".utf8), [44],
        ]
        var bytes: [UInt8] = []
        while bytes.count < size {
            // Now and then a line longer than the 256 KB buffer.
            if r.below(4_000) == 0 {
                bytes += [UInt8](repeating: 120, count: 300_000 + r.below(10_000))
            } else {
                bytes += pieces[r.below(pieces.count)]
            }
        }
        return bytes
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6])
    func readingAgreesWithCountingInPlace(seed: UInt64) {
        var r = Random(state: seed)
        let bytes = Self.randomBytes(&r, size: 200_000 + r.below(1_500_000))
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            nonisolated(unsafe) let source = base
            let count = buffer.count
            let read: InPlaceColumns.FileRead = { into, n, position in
                guard position + n <= count else { return false }
                into.copyMemory(from: source + position, byteCount: n)
                return true
            }
            for _ in 0..<4 {
                // Cuts after a line end, as the chunk splitter makes them, or anywhere.
                var cuts = (0..<(1 + r.below(6))).map { _ in r.below(count) }.sorted()
                if r.below(2) == 0 {
                    cuts = cuts.map { cut in (cut..<count).first { buffer[$0] == 10 }.map { $0 + 1 } ?? count }
                }
                let edges = [0] + cuts + [count]
                let chunks = zip(edges, edges.dropFirst()).map { $0..<$1 }.filter { !$0.isEmpty }
                let inPlace = InPlaceColumns.bounds(buffer, chunks: chunks, release: nil)
                let copied = InPlaceColumns.bounds(buffer, chunks: chunks, release: nil, read: read)
                #expect(copied.bounds == inPlace.bounds, "seed \(seed) chunks \(chunks)")
                #expect(copied.nul == inPlace.nul)
                #expect(copied.quoted == inPlace.quoted)
            }
            // A read that falls short (the file was cut) leaves the counting to the bytes in place.
            let short: InPlaceColumns.FileRead = { _, _, _ in false }
            let whole = [0..<count]
            #expect(
                InPlaceColumns.bounds(buffer, chunks: whole, release: nil, read: short).bounds
                    == InPlaceColumns.bounds(buffer, chunks: whole, release: nil).bounds)
        }
    }
}
