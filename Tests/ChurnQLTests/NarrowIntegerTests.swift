import ChurnQLStore
import Foundation
import Testing

@testable import ChurnQLLoad

/// Integer columns loaded in place are kept at 32 bits while every value fits, and widened on first read; a chunk
/// with a value that does not fit makes the column full width from the start. Either way the values are those
/// written, and equal to the plain (not in place) load's.
struct NarrowIntegerTests {
    enum Shape: String, CaseIterable {
        case fits, edges, tooLargeInOneChunk, tooSmallAtTheEnd, withNulls
    }

    /// The file and the values of its two integer columns (nil: an empty field), from a fixed-seed generator.
    static func file(_ shape: Shape, rows: Int) -> (text: String, ids: [Int64?], quantities: [Int64?]) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15 &+ UInt64(shape.rawValue.utf8.count)
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 17
        }
        var text = "order_id,customer_id,quantity\n"
        var ids: [Int64?] = []
        var quantities: [Int64?] = []
        for i in 0..<rows {
            var id: Int64? = Int64(i + 1)
            var quantity: Int64? = Int64(next() % 2_000) - 1_000
            switch shape {
            case .fits: break
            case .edges:
                if i % 97 == 3 { quantity = Int64(Int32.max) }
                if i % 89 == 5 { quantity = Int64(Int32.min) }
            case .tooLargeInOneChunk:
                if i == rows / 3 { id = Int64(Int32.max) + 1 }
                if i == rows / 2 { quantity = 9_007_199_254_740_993 }
            case .tooSmallAtTheEnd:
                if i == rows - 1 { quantity = Int64(Int32.min) - 1 }
            case .withNulls:
                if i % 101 == 7 { quantity = nil }
            }
            ids.append(id)
            quantities.append(quantity)
            text += "\(id.map(String.init) ?? ""),C\(next() % 5_000),\(quantity.map(String.init) ?? "")\n"
        }
        return (text, ids, quantities)
    }

    static func values(_ column: Column) -> [Int64?] {
        guard case .integer(let values) = column.storage else { return [] }
        return values.indices.map { column.isNull($0) ? nil : values[$0] }
    }

    @Test(arguments: Shape.allCases)
    func valuesAreThoseWritten(shape: Shape) throws {
        let file = Self.file(shape, rows: 40_000)
        let inPlace = try CSVLoader.parse(
            text: file.text, path: "narrow.csv", name: "orders", options: LoadOptions(), inPlace: true,
            chunking: ChunkPlan(parts: 7, minimumBytes: 0))
        let plain = try CSVLoader.parse(
            text: file.text, path: "narrow.csv", name: "orders", options: LoadOptions(), inPlace: false,
            chunking: ChunkPlan(parts: 7, minimumBytes: 0))
        let quantity = try #require(inPlace.table.columns.first { $0.name == "quantity" })
        let id = try #require(inPlace.table.columns.first { $0.name == "order_id" })
        let fits = { (values: [Int64?]) in values.allSatisfy { $0.map { Int32(exactly: $0) != nil } ?? true } }
        // Held narrow exactly when every value fits, and nothing widened yet.
        #expect((quantity.source as? NarrowIntegerSource)?.isWidened == (fits(file.quantities) ? false : nil))
        #expect((id.source as? NarrowIntegerSource)?.isWidened == (fits(file.ids) ? false : nil))
        #expect(quantity.type == .integer && quantity.count == file.quantities.count)
        #expect(Self.values(quantity) == file.quantities)
        #expect(Self.values(id) == file.ids)
        #expect(((quantity.source as? NarrowIntegerSource)?.isWidened ?? true) == true)
        for name in ["order_id", "quantity"] {
            let other = try #require(plain.table.columns.first { $0.name == name })
            let this = try #require(inPlace.table.columns.first { $0.name == name })
            #expect(Self.values(this) == Self.values(other))
            #expect(this.isIdentifier == other.isIdentifier)
        }
    }
}
