import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLLoad
import ChurnQLSyntax
import Foundation

/// One fuzz input: the first byte picks the CSV loader or the query parser and evaluator, the rest is the input.
/// Errors are expected results; only a crash, a hang or a leak is a finding.
func fuzzOne(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let selector = bytes.first else { return }
    let body = String(decoding: bytes.dropFirst(), as: UTF8.self)
    if selector & 1 == 0 {
        _ = try? CSVLoader.parse(text: body, path: "fuzz.csv", name: "fuzz")
    } else {
        let source = SourceText(name: "fuzz.cql", text: body)
        let parsed = Parser.parse(source)
        guard parsed.diagnostics.isEmpty, let engine = FuzzState.engine else { return }
        for node in parsed.statements.prefix(4) {
            switch node.statement {
            case .load, .loadServerTable, .attach: continue
            default: break
            }
            if case .export = node.statement { continue }
            _ = try? engine.execute(node, source: source)
        }
    }
}

/// A small loaded data set for the evaluator, made once.
enum FuzzState {
    nonisolated(unsafe) static let engine: Engine? = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("churnql-fuzz-orders.csv").path
        let text = "customer_id,order_date,amount\nA,2024-01-01,10\nA,2024-02-01,20\nB,2024-01-15,5\nC,2023-06-01,7\n"
        guard (try? Data(text.utf8).write(to: URL(fileURLWithPath: path))) != nil else { return nil }
        let engine = Engine()
        return (try? engine.loadFile(path: path)) == nil ? nil : engine
    }()
}

#if FUZZING
    /// libFuzzer's entry point (built with -sanitize=fuzzer -DFUZZING).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        guard let data else { return 0 }
        fuzzOne(UnsafeBufferPointer(start: data, count: size))
        return 0
    }

    @_silgen_name("LLVMFuzzerRunDriver")
    func runDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// SwiftPM links an executable's entry point under this name; hand control to libFuzzer's driver.
    @_cdecl("churnql_fuzz_main")
    public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        var count = argc
        var arguments = argv
        return runDriver(&count, &arguments) { data, size in fuzzerTestOneInput(data, size) }
    }
#else
    /// Without libFuzzer: replays the inputs named on the command line (a crasher, or a corpus folder).
    @main
    enum Replay {
        static func main() {
            var paths: [String] = []
            for argument in CommandLine.arguments.dropFirst() {
                if let names = try? FileManager.default.contentsOfDirectory(atPath: argument) {
                    paths += names.map { argument + "/" + $0 }
                } else {
                    paths.append(argument)
                }
            }
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                data.withUnsafeBytes { fuzzOne($0.bindMemory(to: UInt8.self)) }
            }
            _ = POSIXIO.writeAll(1, "replayed \(paths.count) inputs\n")
        }
    }
#endif
