import Foundation
import Testing

@testable import ChurnQLDiagnostics

/// Messages, hints and file names that quote huge user text (an unknown 12 MB column name) are cut with a count of
/// what was left out, in text and in JSON; ordinary ones are printed whole.
struct DiagnosticLengthTests {
    static let huge = String(repeating: "x", count: 200_000)

    @Test(arguments: [0, 1, 999, 1_000, 1_001, 200_000])
    func messagesAreCutAtTheLimit(length: Int) {
        let name = String(repeating: "é", count: length)
        let diagnostic = Diagnostic(code: "unknown-column", message: "unknown column '\(name)'", hint: name)
        let text = DiagnosticRenderer.text(diagnostic)
        let json = DiagnosticRenderer.json(diagnostic)
        let full = "unknown column '\(name)'".count
        if full <= DiagnosticRenderer.textLimit {
            #expect(text.contains("unknown column '\(name)'"))
            #expect(!text.contains("more characters"))
        } else {
            #expect(text.contains("… (\(full - DiagnosticRenderer.textLimit) more characters)"))
            #expect(text.count < 2 * DiagnosticRenderer.textLimit + 200)
            #expect(json.count < 2 * DiagnosticRenderer.textLimit + 300)
            #expect(json.contains("more characters)"))
        }
    }

    @Test func hugeUnknownColumnThroughTheBinary() throws {
        let folder = try ShellCommand.temporaryFolder("long-message")
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = "from orders | where \(Self.huge) > 1\n"
        try Data(script.utf8).write(to: folder.appendingPathComponent("long.cql"))
        for errors in ["text", "json"] {
            let result = try ShellCommand.run(
                "\"$CHURNQL\" \"$CDNOW\" --quiet --errors \(errors) -f long.cql", in: folder)
            #expect(result.exited && result.status == 1)
            #expect(result.stderr.contains("more characters)"))
            #expect(result.stderr.utf8.count < 10_000)
        }
    }
}
