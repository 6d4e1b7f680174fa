import Foundation
import Testing

@testable import ChurnQLShell

/// Script text from `-f`, stdin and `.read`: streams work, bad sources are refused early with exit status 2.
struct ScriptSourceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Run by bash in a folder holding the files below; `$CHURNQL`, `$CDNOW` are set.
        var command: String
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    static let files: [String: [UInt8]] = [
        "bad-utf8.cql": Array("from orders | count\n-- caf".utf8) + [0xC3, 0x28] + Array("\n".utf8),
        "surrogate.cql": Array("-- x\n-- y\n".utf8) + [0xED, 0xA0, 0x80],
        "binary.cql": Array("from orders".utf8) + [0, 1, 2],
        "ok.cql": Array("from orders | count\n".utf8),
        "bom.cql": [0xEF, 0xBB, 0xBF] + Array("from orders | count\n".utf8),
    ]

    static let run = "\"$CHURNQL\" \"$CDNOW\" --quiet --format csv"

    static let cases: [Case] = [
        Case(name: "directory", command: "\(run) -f /tmp", status: 2, message: "/tmp is a directory, not a script"),
        Case(name: "missing", command: "\(run) -f nope.cql", status: 2, message: "cannot read script nope.cql: no such file"),
        Case(
            name: "invalid UTF-8", command: "\(run) -f bad-utf8.cql", status: 2,
            message: "bad-utf8.cql:2:7: error: bad-utf8.cql is not valid UTF-8: byte 0xC3 at line 2, byte 7"),
        Case(
            name: "encoded surrogate", command: "\(run) -f surrogate.cql", status: 2,
            message: "is not valid UTF-8: byte 0xED at line 3, byte 1"),
        Case(
            name: "NUL bytes", command: "\(run) -f binary.cql", status: 2,
            message: "binary.cql holds binary data, not a script (a NUL byte at offset 11)"),
        Case(name: "symlink loop", command: "ln -s loop loop; \(run) -f loop", status: 2, message: "symbolic links"),
        Case(
            name: "stdin of zeros", command: "\(run) < /dev/zero", status: 2,
            message: "<stdin> holds binary data, not a script"),
        Case(
            name: "stdin over the size limit", command: "yes 'a line' | \(run)", status: 2,
            message: "<stdin> is larger than 64 MiB, the limit for a script"),
        Case(name: "process substitution", command: "\(run) -f <(echo 'from orders | count')", status: 0, message: ""),
        Case(
            name: "named pipe", command: "mkfifo p; echo 'from orders | count' > p & \(run) -f p; s=$?; wait; exit $s",
            status: 0, message: ""),
        Case(name: "byte-order mark", command: "\(run) -f bom.cql", status: 0, message: ""),
        Case(name: ".read of a directory", command: "\(run) -c '.read /tmp'", status: 1, message: "/tmp is a directory"),
    ]

    @Test(arguments: cases)
    func source(_ c: Case) throws {
        let folder = try ShellCommand.temporaryFolder("scripts")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, bytes) in Self.files { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
        let r = try ShellCommand.run(c.command, shell: "/bin/bash", in: folder)
        #expect(r.exited)
        #expect(r.status == c.status, "stderr: \(r.stderr)")
        #expect(c.message.isEmpty || r.stderr.contains(c.message), "stderr: \(r.stderr)")
        if c.status == 0 { #expect(r.stdout == "n\n6919\n") }
    }

    /// The validator that locates a bad byte agrees with the standard library on random byte strings.
    @Test func utf8ValidatorAgreesWithTheStandardLibrary() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let interesting: [UInt8] = [0x41, 0x80, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xA0, 0xED, 0x9F, 0xF0, 0x90, 0xF4, 0x8F, 0xF5, 0xFF]
        for _ in 0..<20_000 {
            let count = Int(next() % 8)
            let bytes = (0..<count).map { _ in interesting[Int(next() % UInt64(interesting.count))] }
            let valid = String(validating: bytes, as: UTF8.self) != nil
            let offset = UTF8Validation.firstInvalidOffset(bytes[...])
            #expect(valid == (offset == nil), "bytes \(bytes)")
            if let offset {
                // Everything before the reported byte is valid on its own.
                #expect(String(validating: bytes[..<offset], as: UTF8.self) != nil, "bytes \(bytes)")
            }
        }
    }
}
