import Foundation
import Testing

@testable import ChurnQLShell

/// `.output`, `export` and `.save` onto every kind of target: devices and pipes written through, symlinks kept,
/// inputs and running scripts refused by identity, and no temporary file left after any failure.
struct OutputTargetTests {
    static let export = "export from orders | take 2 to"
    static let twoRows = "customer_id,order_date,cds,amount\n00004,1997-01-01,2,29.33\n00004,1997-01-18,2,29.73\n"

    /// One folder with a copy of the CDNOW orders as `orders.csv`.
    static func folder() throws -> URL {
        let folder = try ShellCommand.temporaryFolder("targets")
        try FileManager.default.copyItem(
            at: GoldenTests.root.appendingPathComponent("examples/cdnow/orders.csv"),
            to: folder.appendingPathComponent("orders.csv"))
        return folder
    }

    static func churnql(_ commands: [String], in folder: URL) throws -> ShellCommand.Result {
        let quoted = commands.map { "-c '\($0.replacingOccurrences(of: "'", with: "'\\''"))'" }.joined(separator: " ")
        return try ShellCommand.run("\"$CHURNQL\" orders.csv --quiet \(quoted)", in: folder)
    }

    @Test(arguments: [".output /dev/null\nfrom orders", "\(export) \"/dev/null\"", ".save /dev/null"])
    func devNullStaysADevice(_ command: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Self.churnql(command.split(separator: "\n").map(String.init), in: folder)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(ShellCommand.fileType("/dev/null") == S_IFCHR)
    }

    @Test func exportToStdoutWritesThrough() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try Self.churnql(["\(Self.export) \"/dev/stdout\""], in: folder)
        #expect(r.status == 0)
        #expect(r.stdout == Self.twoRows)
    }

    /// A link of the user's own to /dev/stdout, with stdout redirected to a file: the rows are appended to that
    /// file, which is not replaced (its inode stays, so the shell's redirection keeps working).
    @Test func linkToStdoutAppends() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createSymbolicLink(
            atPath: folder.appendingPathComponent("out.csv").path, withDestinationPath: "/dev/stdout")
        let r = try ShellCommand.run(
            "ls -i captured.txt 2>/dev/null; echo before > captured.txt; ls -i captured.txt > inode1; "
                + "\"$CHURNQL\" orders.csv --quiet -c '\(Self.export) \"out.csv\"' >> captured.txt; "
                + "ls -i captured.txt > inode2; cat captured.txt",
            in: folder)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stdout == "before\n" + Self.twoRows)
        let inodes = try ["inode1", "inode2"].map {
            try String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(inodes[0] == inodes[1])
        #expect(ShellCommand.fileType(folder.appendingPathComponent("out.csv").path) == S_IFLNK)
    }

    /// A name of 60 four-byte characters (240 bytes, a legal name): the temporary name beside it stays legal too.
    @Test func longMultibyteNameCanBeWritten() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = String(repeating: "😀", count: 59) + ".c"
        let r = try Self.churnql(["\(Self.export) \"\(name)\""], in: folder)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let written = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        #expect(written == Self.twoRows)
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    @Test func pipeWithoutReaderIsAnErrorAtOnce() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("fifo").path
        #expect(mkfifo(fifo, 0o644) == 0)
        for command in [".output fifo", "\(Self.export) \"fifo\""] {
            let r = try Self.churnql([command], in: folder)
            #expect(r.status == 1)
            #expect(r.stderr.contains("cannot write fifo: it is a pipe with no reader"), "stderr: \(r.stderr)")
            #expect(ShellCommand.fileType(fifo) == S_IFIFO)
        }
    }

    @Test func pipeWithReaderGetsTheRows() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(mkfifo(folder.appendingPathComponent("fifo").path, 0o644) == 0)
        let r = try ShellCommand.run(
            "cat fifo > got.csv & sleep 0.3; \"$CHURNQL\" orders.csv --quiet -c '\(Self.export) \"fifo\"'; wait",
            in: folder)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("got.csv"), encoding: .utf8) == Self.twoRows)
        #expect(ShellCommand.fileType(folder.appendingPathComponent("fifo").path) == S_IFIFO)
    }

    @Test func symlinkStaysALinkAndItsTargetIsReplaced() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("real"), withIntermediateDirectories: true)
        try Data("old\n".utf8).write(to: folder.appendingPathComponent("real/out.csv"))
        #expect(symlink("real/out.csv", folder.appendingPathComponent("link.csv").path) == 0)
        // A dangling link into an existing folder creates its target.
        #expect(symlink("real/new.csv", folder.appendingPathComponent("dangling.csv").path) == 0)
        let r = try Self.churnql(["\(Self.export) \"link.csv\"", "\(Self.export) \"dangling.csv\""], in: folder)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for (link, target) in [("link.csv", "real/out.csv"), ("dangling.csv", "real/new.csv")] {
            #expect(ShellCommand.fileType(folder.appendingPathComponent(link).path) == S_IFLNK)
            #expect(try String(contentsOf: folder.appendingPathComponent(target), encoding: .utf8) == Self.twoRows)
        }
        #expect(ShellCommand.leftovers(in: folder.appendingPathComponent("real")).isEmpty)
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        var name: String
        var command: String
        var message: String
        var testDescription: String { name }
    }

    static let refusals: [Refusal] = [
        Refusal(name: "symlink loop", command: "\(export) \"loop\"", message: "too many levels of symbolic links"),
        Refusal(
            name: "link into a missing folder", command: "\(export) \"into-nowhere\"",
            message: "folder ./nowhere does not exist"),
        Refusal(name: "missing folder", command: "\(export) \"nowhere/x.csv\"", message: "folder nowhere does not exist"),
        Refusal(name: "empty path", command: "\(export) \"\"", message: "no file name given"),
        Refusal(name: "home folder", command: "\(export) \"~\"", message: "~ is a directory"),
        Refusal(name: "directory", command: ".output .", message: ". is a directory"),
        Refusal(
            name: "input through ./", command: "\(export) \"./orders.csv\"",
            message: "refusing to overwrite ./orders.csv: it is a loaded input file"),
        Refusal(
            name: "input through a hard link", command: "\(export) \"hard.csv\"",
            message: "refusing to overwrite hard.csv: it is a loaded input file"),
        Refusal(
            name: "input through a symlink", command: ".output soft.csv",
            message: "refusing to overwrite soft.csv: it is a loaded input file"),
        Refusal(
            name: "input by .save", command: ".save orders.csv",
            message: "refusing to overwrite orders.csv: it is a loaded input file"),
        Refusal(name: "socket", command: "\(export) \"socket\"", message: "it is a socket"),
        Refusal(
            name: "full device by .output", command: ".output /dev/full\nfrom orders",
            message: "cannot write /dev/full: No space left on device"),
        Refusal(
            name: "full device by export", command: "\(export) \"/dev/full\"",
            message: "cannot write /dev/full: No space left on device"),
    ]

    @Test(arguments: refusals)
    func refused(_ c: Refusal) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        #expect(symlink("loop", path("loop")) == 0)
        #expect(symlink("nowhere/x.csv", path("into-nowhere")) == 0)
        #expect(link(path("orders.csv"), path("hard.csv")) == 0)
        #expect(symlink("orders.csv", path("soft.csv")) == 0)
        let socketFile = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFile) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = Array(path("socket").utf8CString)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.prefix(raw.count - 1).enumerated() { raw[i] = UInt8(bitPattern: byte) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socketFile, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: path("orders.csv")))
        let r = try ShellCommand.run(
            "\"$CHURNQL\" orders.csv --quiet -c '\(c.command.replacingOccurrences(of: "'", with: "'\\''"))'", in: folder,
            environment: ["HOME": folder.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains(c.message), "stderr: \(r.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("orders.csv"))) == before)
        #expect(ShellCommand.fileType(path("loop")) == S_IFLNK)
        #expect(ShellCommand.fileType(path("socket")) == S_IFSOCK)
        #expect(ShellCommand.fileType("/dev/full") == S_IFCHR)
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    @Test func tildeNamesTheHomeFolder() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let r = try ShellCommand.run(
            "\"$CHURNQL\" orders.csv --quiet -c '\(Self.export) \"~/home.csv\"'", in: folder,
            environment: ["HOME": folder.path])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(try String(contentsOf: folder.appendingPathComponent("home.csv"), encoding: .utf8) == Self.twoRows)
    }

    /// A script never overwrites itself, nor a script that `.read` is running, whichever writer tries.
    @Test(arguments: [".output self.cql\nfrom orders | count\n", "\(export) \"self.cql\"\n", ".save self.cql\n"])
    func runningScriptIsProtected(_ body: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("self.cql")
        try Data(body.utf8).write(to: script)
        try Data(".read ./self.cql\n".utf8).write(to: folder.appendingPathComponent("outer.cql"))
        for entry in ["self.cql", "outer.cql"] {
            let r = try ShellCommand.run("\"$CHURNQL\" orders.csv --quiet -f \(entry)", in: folder)
            #expect(r.status == 1)
            #expect(r.stderr.contains("refusing to overwrite self.cql: it is a script being run"), "stderr: \(r.stderr)")
            #expect(try Data(contentsOf: script) == Data(body.utf8))
        }
        let fromStdin = try ShellCommand.run("\"$CHURNQL\" orders.csv --quiet < self.cql", in: folder)
        #expect(fromStdin.status == 1)
        #expect(try Data(contentsOf: script) == Data(body.utf8))
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    /// Each system call of a replaced file fails in turn: the error names the file, the target keeps its text,
    /// and the temporary file is gone.
    /// An `.output` stays open across statements: a file loaded after it was opened is protected when it closes,
    /// by `.output` alone or at the end of the run.
    @Test(arguments: ["\n.output", ""])
    func fileLoadedWhileOutputIsOpenIsKept(_ closing: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let later = folder.appendingPathComponent("later.csv")
        try FileManager.default.copyItem(at: folder.appendingPathComponent("orders.csv"), to: later)
        let before = try Data(contentsOf: later)
        let r = try Self.churnql(
            [".output later.csv\nfrom orders | take 1\nload \"later.csv\" as later" + closing], in: folder)
        #expect(r.status == 1)
        #expect(r.stderr.contains("refusing to overwrite later.csv: it is a loaded input file"), "stderr: \(r.stderr)")
        #expect(try Data(contentsOf: later) == before)
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    @Test(arguments: ["write", "close", "rename"])
    func injectedFailureRemovesTheTemporaryFile(_ failing: String) throws {
        let folder = try ShellCommand.temporaryFolder("inject")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.csv")
        try Data("old\n".utf8).write(to: target)
        var calls = FileSystemCalls.system
        switch failing {
        case "write": calls.write = { _, _ in ENOSPC }
        case "close": calls.close = { fd in _ = close(fd); return EIO }
        default: calls.rename = { _, _ in EXDEV }
        }
        var thrown: String?
        do {
            let file = try OutputFile.open(target.path, protected: ProtectedFiles(), calls: calls)
            try file.write("new\n")
            try file.commit()
        } catch {
            thrown = error.message
        }
        #expect(thrown?.hasPrefix("cannot write \(target.path): ") == true)
        #expect(try String(contentsOf: target, encoding: .utf8) == "old\n")
        #expect(ShellCommand.leftovers(in: folder).isEmpty)
    }

    @Test func replacedFileKeepsItsPermissions() throws {
        let folder = try ShellCommand.temporaryFolder("mode")
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent("out.csv").path
        try Data("old\n".utf8).write(to: URL(fileURLWithPath: target))
        #expect(chmod(target, 0o640) == 0)
        try AtomicFile.write("new\n", to: target, protected: ProtectedFiles())
        var info = stat()
        #expect(stat(target, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "new\n")
    }
}
