import ArgumentParser
import ChurnQLRender
import ChurnQLShell
import Foundation

/// The command line: parsing only; everything else lives in ChurnQLShell.
struct ChurnQLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churnql",
        abstract: "An interactive query shell for customer-retention analytics.",
        discussion: """
            Loads CSV files, SQLite databases and sqlite3 .dump files, derives the customers table, and answers
            pipeline queries: from customers | group status | agg n = count()
            Exit status: 0 success, 1 a query or script error, 2 a usage or load error.
            """)

    @Argument(help: "CSV, SQLite (.sqlite/.db) or SQL dump (.sql) files to load first.")
    var files: [String] = []

    @Option(help: "The analysis date (yyyy-MM-dd); default: the latest order date.")
    var asof: String?

    @Option(help: "Output format: table, csv, json, markdown.")
    var format: String?

    @Option(name: .customShort("c"), help: "Run a query and exit (repeatable).")
    var command: [String] = []

    @Option(name: .customShort("f"), help: "Run a script file and exit.")
    var file: String?

    @Option(name: .customLong("set"), help: "Set a script parameter, NAME=VALUE (repeatable).")
    var parameters: [String] = []

    @Flag(help: "Run every statement even after errors; report them all and exit 1.")
    var keepGoing = false

    @Flag(help: "Print each statement of a script (-f, -c, stdin) on stdout before running it, as psql -a does.")
    var echo = false

    @Flag(help: "Do not print load messages.")
    var quiet = false

    @Flag(name: .customLong("no-rc"), help: "Do not run ~/.churnqlrc (or $CHURNQL_RC) before the prompt.")
    var noRC = false

    @Option(help: "Error format on stderr: text or json (one object per line).")
    var errors: String = "text"

    func request() throws -> CommandLineRequest {
        var request = CommandLineRequest()
        request.files = files
        request.asof = asof
        if let format {
            guard let parsed = OutputFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format must be table, csv, json or markdown (got '\(format)')")
            }
            request.format = parsed
        }
        guard errors == "text" || errors == "json" else { throw ValidationError("--errors must be text or json") }
        request.commands = command
        request.script = file
        request.parameters = parameters
        request.keepGoing = keepGoing
        request.quiet = quiet
        request.skipRCFile = noRC
        request.echo = echo
        request.errorsAsJSON = errors == "json"
        return request
    }
}

#if canImport(Glibc)
    HugePageStart.traceRestart()
    HugePageStart.restartIfUseful()
#endif

#if canImport(Glibc)
    // All memory from one heap that keeps what is freed: each stage of a job (load, order history, customers table,
    // calibration) then reuses the memory of the one before instead of mapping fresh pages, which the kernel must
    // zero (and a virtual machine's host often must back) at about half a millisecond per megabyte: about a sixth of
    // the whole job's time on the 10-million-order benchmark. The load writes straight into its final columns, so
    // little is freed while the peak is reached and the peak stays where it was.
    // (mallopt is not in Swift's Glibc module; M_MMAP_MAX is -4 and M_ARENA_MAX -8 in malloc.h.)
    if let mallopt = dlsym(nil, "mallopt") {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let set = unsafeBitCast(mallopt, to: Mallopt.self)
        _ = set(-4, 0)
        _ = set(-8, 1)
    }
#endif

// Before any file is opened: closed standard descriptors get a placeholder, a broken pipe becomes an error.
StandardStreams.prepare()

do {
    let options = RepeatedOptions(Array(CommandLine.arguments.dropFirst()))
    var request = try ChurnQLCommand.parse(options.remaining).request()
    request.commands = options.commands + request.commands
    request.parameters = options.parameters + request.parameters
    exit(CommandLineRun.run(request))
} catch {
    let code = ChurnQLCommand.exitCode(for: error)
    let message = ChurnQLCommand.fullMessage(for: error)
    if code == .success {
        StandardStreams.output(message + "\n")
        exit(0)
    }
    StandardStreams.error("churnql: " + message + "\n")
    exit(ExitStatus.usageError)
}
