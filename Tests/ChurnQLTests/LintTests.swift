import Foundation
import Testing

/// scripts/lint finds every trapping Foundation I/O call planted in a file, by file and line, and passes Sources.
struct LintTests {
    static let planted = [
        "FileHandle.standardOutput.write(x)",
        "FileHandle.standardError",
        "let d = FileHandle.standardInput",
        "let d = handle.readDataToEndOfFile()",
        "let d = handle.readData(ofLength: 4)",
        "handle.write(Data(text.utf8))",
        "let h = FileHandle(forWritingAtPath: p)",
        "print(\"hello\")",
        "_ = FileManager.default.createFile(atPath: p, contents: nil)",
        "let s = try String(contentsOfFile: p)",
    ]

    @Test func lintFindsEveryPlantedCall() throws {
        let folder = try ShellCommand.temporaryFolder("lint")
        defer { try? FileManager.default.removeItem(at: folder) }
        // Line 1 is clean, each planted call sits on its own line after it; comments and enum cases may say "print(".
        let lines = ["let clean = 1", "// print(\"in a comment\")", "case print(String)", "x.print(y)"] + Self.planted
        let file = folder.appendingPathComponent("Planted.swift")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        let r = try ShellCommand.run("'\(GoldenTests.root.path)/scripts/lint' '\(folder.path)'", in: folder)
        #expect(r.status == 1)
        let reported = Set(
            r.stdout.split(separator: "\n").compactMap { line -> Int? in
                let parts = line.split(separator: ":")
                return parts.count > 2 && parts[0].hasSuffix("Planted.swift") ? Int(parts[1]) : nil
            })
        #expect(reported == Set(5...(4 + Self.planted.count)), "output: \(r.stdout)")
    }

    @Test func sourcesPassTheLint() throws {
        let r = try ShellCommand.run("scripts/lint", in: GoldenTests.root)
        #expect(r.status == 0, "output: \(r.stdout)")
    }
}
