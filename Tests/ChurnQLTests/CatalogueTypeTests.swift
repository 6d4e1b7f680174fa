import ChurnQLDiagnostics
import ChurnQLPlanner
import ChurnQLStore
import ChurnQLSyntax
import Foundation
import Testing

@testable import ChurnQLEngine

/// The function catalogue's result types against what the binder finds when it binds each function's own
/// example (the types come from the engine's compilers), so the catalogue, the docs generated from it and the
/// engine cannot drift apart.
struct CatalogueTypeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func engine() throws -> Engine {
        let engine = Engine()
        for file in ["orders.csv", "customers.csv"] {
            _ = try engine.loadFile(path: Self.root.appendingPathComponent("examples/shop/\(file)").path)
        }
        _ = try MetricsTests.run(engine, "fit bgnbd")
        _ = try MetricsTests.run(engine, "fit gammagamma")
        return engine
    }

    @Test func examplesBindToTheCataloguedTypes() throws {
        let engine = try Self.engine()
        for signature in FunctionCatalog.all {
            let step: String
            switch signature.kind {
            case .aggregate, .retentionAggregate: step = "agg"
            case .scalar, .customer, .model: step = "select"
            }
            let text = "from customers | \(step) x = \(signature.example)"
            let source = SourceText(name: nil, text: text)
            guard case .query(let query)? = Parser.parse(source).statements.first?.statement else {
                Issue.record("\(signature.name): example does not parse: \(signature.example)")
                continue
            }
            let bound = try engine.plan(query, source: source)
            let type = try #require(bound.plan.schema.column("x")).type
            let expected: [DataType]
            switch signature.result {
            case .integer: expected = [.integer]
            case .decimal: expected = [.decimal]
            case .number: expected = [.integer, .decimal]
            case .text: expected = [.text]
            case .date: expected = [.date]
            case .boolean, .condition: expected = [.boolean]
            case .duration: expected = [.text]
            case .any, .sameAsArguments: expected = DataType.allCases
            }
            #expect(
                expected.contains(type), "\(signature.name): catalogue says \(signature.result.rawValue), bound \(type)"
            )
        }
    }
}
