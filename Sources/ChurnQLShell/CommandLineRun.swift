import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLRender
import ChurnQLStore
import ChurnQLSyntax
import Foundation

/// What the command line asked for, already parsed.
public struct CommandLineRequest {
    public var files: [String] = []
    public var asof: String?
    public var format: OutputFormat?
    public var commands: [String] = []
    public var script: String?
    public var parameters: [String] = []
    public var keepGoing = false
    public var quiet = false
    public var errorsAsJSON = false
    public var skipRCFile = false
    /// `--echo`: print each script statement before running it (scripts and `-c` only, not the prompt).
    public var echo = false
    public init() {}
}

/// Exit statuses: 0 success, 1 a query or script error, 2 a usage or load error.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let queryError: Int32 = 1
    public static let usageError: Int32 = 2
}

/// Runs churnql as the command line describes: load files, then `-f`, `-c`, piped stdin, or the shell.
public enum CommandLineRun {
    public static func run(_ request: CommandLineRequest) -> Int32 {
        let interactive = request.commands.isEmpty && request.script == nil && isatty(0) != 0
        let session = Session(
            format: request.format ?? (interactive ? .table : .table), quiet: request.quiet,
            errorsAsJSON: request.errorsAsJSON)
        let asofDay: Int32?
        do throws(Diagnostic) {
            asofDay = try request.asof.map(parseAsof)
            try applyParameters(request, to: session, interactive: interactive)
        } catch {
            session.report(error)
            return ExitStatus.usageError
        }
        session.engine.progressDisplay = { progress, label in ProgressBar.start(progress, label: label) }
        session.engine.fitDisplay = { progress, label in ProgressBar.start(progress, label: label) }
        session.engine.loadCancelled = { interruptFlag.isRaised }
        // Ctrl-C belongs to the shell (it stops a query); elsewhere it ends churnql like SIGTERM, files cleaned up.
        SignalCleanup.install(includingInterrupt: !interactive)
        if interactive { LineEditor.installInterruptHandler() }
        // Stdin would be the script but was closed: say so before loading anything.
        if !interactive && request.commands.isEmpty && request.script == nil && StandardStreams.inputWasClosed {
            do {
                _ = try ScriptSource.readStandardInput()
            } catch {
                session.report(error)
                return ExitStatus.usageError
            }
        }
        let started = Date()
        var loadedNames: [String] = []
        for file in request.files {
            do {
                if Engine.isServerURI(file) {
                    for line in try session.engine.attach(uri: file) { session.note(line) }
                    session.journal.append("attach \(Lexer.quoted(Engine.redactedURI(file)))")
                    continue
                }
                // Roles are decided once every file is in, so describe the tables afterwards.
                for line in try session.engine.loadFile(path: file, describe: false) { session.note(line) }
                loadedNames += session.engine.lastLoadedNames
                session.journal.append("load \(Lexer.quoted(file))")
            } catch {
                session.report(error)
                return ExitStatus.usageError
            }
        }
        if let asofDay {
            // A value, applied through the settings API: the option's text never becomes a statement.
            session.engine.setAsof(asofDay)
            session.journal.append("set asof = \(Dates.format(asofDay))")
        }
        var report = loadedNames.map { session.engine.describeLoad($0) }
        if !request.files.isEmpty, let summary = session.engine.asofSummary { report.append(summary) }
        if interactive {
            // Derived before the prompt, so that the first query answers at once (scripts and -c derive the
            // customers table only when a statement needs it, and only the columns it reads: a model fit needs none).
            if !request.files.isEmpty { session.engine.prepareCustomersTable() }
            // The banner first, as the sqlite3 and DuckDB shells do, then what was loaded.
            let elapsed = String(format: "%.2f", Date().timeIntervalSince(started))
            let count = session.engine.catalog.names.count
            let loaded =
                count == 0 ? "no tables loaded" : "\(count) table\(count == 1 ? "" : "s") loaded in \(elapsed) s"
            StandardStreams.output("churnql 0.1 — \(loaded). Type .help for help.\n")
            for line in report { session.note(line) }
            let rcFile = request.skipRCFile ? nil : rcFilePath()
            if let refusal = LineEditor.checkHistoryPath(protecting: session.protectedFiles, rcFile: rcFile) {
                session.report(refusal)
                return ExitStatus.usageError
            }
            if let rcFile { runRCFile(rcFile, session) }
            let status = Repl(session: session).run()
            return finish(session, status != ExitStatus.success)
        }
        for line in report { session.note(line) }
        session.echo = request.echo
        var failed = false
        if let script = request.script {
            let source: ScriptSource.Script
            do {
                source = try ScriptSource.read(path: script)
            } catch {
                session.report(error)
                return ExitStatus.usageError
            }
            if let identity = source.identity { session.runningScripts.append(identity) }
            let outcome = session.runScript(source.text, name: script, keepGoing: request.keepGoing)
            failed = !outcome.succeeded
            if outcome.usageError { return finish(session, usageError: true) }
            if outcome.quit || (failed && !request.keepGoing) { return finish(session, failed) }
        }
        for (i, command) in request.commands.enumerated() {
            let outcome = session.runScript(
                command, name: request.commands.count > 1 ? "<command \(i + 1)>" : "<command>",
                keepGoing: request.keepGoing)
            if !outcome.succeeded {
                failed = true
                if !request.keepGoing { break }
            }
            if outcome.quit { break }
        }
        if request.script == nil && request.commands.isEmpty {
            let source: ScriptSource.Script
            do {
                source = try ScriptSource.readStandardInput()
            } catch {
                session.report(error)
                return finish(session, usageError: true)
            }
            if let identity = source.identity { session.runningScripts.append(identity) }
            let outcome = session.runScript(source.text, name: "<stdin>", keepGoing: request.keepGoing)
            if outcome.usageError { return finish(session, usageError: true) }
            failed = !outcome.succeeded
        }
        return finish(session, failed)
    }

    /// `--asof DATE`: a date written as a date literal (`2024-06-30`), nothing else.
    static func parseAsof(_ text: String) throws(Diagnostic) -> Int32 {
        let lexed = Lexer.lex(SourceText(name: "--asof", text: text))
        let significant = lexed.tokens.filter { $0.kind != .end && $0.kind != .newline }
        guard lexed.diagnostics.isEmpty, significant.count == 1,
            case .date(let year, let month, let day) = significant[0].kind
        else {
            throw Diagnostic(
                code: "usage", message: "--asof expects a date yyyy-MM-dd, got \(Lexer.quoted(text)): invalid date",
                hint: "--asof 2024-06-30")
        }
        return Dates.dayNumber(year: year, month: month, day: day)
    }

    /// `--set NAME=VALUE`: typed values bound as parameters and journaled as `param` lines, so `.save` replays them.
    /// `--set asof=…` names a script parameter, not the analysis date: refused unless the script declares it.
    private static func applyParameters(_ request: CommandLineRequest, to session: Session, interactive: Bool)
        throws(Diagnostic)
    {
        for assignment in request.parameters {
            guard let (name, value) = try parseParameter(assignment) else {
                throw Diagnostic(
                    code: "usage", message: "--set expects NAME=VALUE, got \(Lexer.quoted(assignment))",
                    hint: "--set min_revenue=500")
            }
            if name.lowercased() == "asof" {
                if interactive { throw Session.asofParameterProblem(name) }
                if request.script == nil && !request.commands.isEmpty {
                    let declared = request.commands.contains {
                        Session.declaresParameter(name, in: SourceText(name: nil, text: $0))
                    }
                    if !declared { throw Session.asofParameterProblem(name) }
                } else {
                    session.asofParameterToCheck = name
                }
            }
            session.engine.parameters[name] = value
            session.journal.append("param \(parameterName(name)) = \(ValueLiteral.text(value))")
        }
    }

    /// A parameter name as `param` accepts it: backquoted unless it is a plain identifier.
    private static func parameterName(_ name: String) -> String {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic || first == "_" else {
            return "`\(name)`"
        }
        return name
    }

    /// Completes an `.output` file still open; a failure there is an error of the run.
    private static func finish(_ session: Session, _ failed: Bool = false, usageError: Bool = false) -> Int32 {
        var failed = failed
        do {
            try session.sink.close(protected: session.protectedFiles)
        } catch {
            session.report(error)
            failed = true
        }
        // The process exits next, and the system takes its memory back in one go: releasing the session's tables
        // one array at a time first took about 20 ms after a 10-million-order load. A session with a server
        // attached is released, so that each connection ends politely.
        if !session.engine.holdsServerConnections { keptUntilExit = session }
        if usageError { return ExitStatus.usageError }
        return failed ? ExitStatus.queryError : ExitStatus.success
    }

    /// The session of a run that has finished, kept from being released (see `finish`).
    nonisolated(unsafe) private static var keptUntilExit: Session?

    private static func rcFilePath() -> String {
        ProcessInfo.processInfo.environment["CHURNQL_RC"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".churnqlrc").path
    }

    /// `~/.churnqlrc` runs before the first prompt; its errors are shown. A missing file is no error.
    private static func runRCFile(_ path: String, _ session: Session) {
        let source: ScriptSource.Script
        do {
            source = try ScriptSource.read(path: path)
        } catch {
            if error.code != "file-not-found" { session.report(error) }
            return
        }
        if let identity = source.identity { session.runningScripts.append(identity) }
        session.runScript(source.text, name: path)
        if source.identity != nil { session.runningScripts.removeLast() }
    }

    /// `name=value`: the value is read as a literal (date, number, true/false), else as text.
    static func parseParameter(_ text: String) throws(Diagnostic) -> (String, Value)? {
        guard let eq = text.firstIndex(of: "=") else { return nil }
        let name = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        let raw = String(text[text.index(after: eq)...])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if isInteger(trimmed) {
            // The language reads an integer beyond 64 bits as a decimal; a parameter would lose its digits in silence.
            guard let value = Int64(trimmed) else {
                throw Diagnostic(
                    code: "usage", message: "--set \(name)=\(raw): integer too large (beyond 64 bits)",
                    hint: "write it as a decimal (\(trimmed).0), or quote it to pass it as text: "
                        + "--set \(name)='\(Lexer.quoted(raw))'")
            }
            return (name, .integer(value))
        }
        let source = SourceText(name: nil, text: raw)
        let (expression, diagnostics) = Parser.parseExpression(source)
        // A value written as a number or date that the lexer refuses (0000-01-01, 2024-02-30, 20 digits) is a
        // mistake, not text: taken as text it would compare and sort as text in silence.
        if !diagnostics.isEmpty, looksLikeNumberOrDate(raw), let problem = Lexer.lex(source).diagnostics.first {
            throw Diagnostic(
                code: "usage", message: "--set \(name)=\(raw): \(problem.message)",
                hint: "write a valid value, or quote it to pass it as text: --set \(name)='\(Lexer.quoted(raw))'")
        }
        if diagnostics.isEmpty, let expression, case .literal(let literal, _) = expression {
            switch literal {
            case .integer(let v): return (name, .integer(v))
            case .decimal(let v): return (name, .decimal(v))
            case .boolean(let v): return (name, .boolean(v))
            case .date(let y, let m, let d): return (name, .date(Dates.dayNumber(year: y, month: m, day: d)))
            case .duration(let days, let months): return (name, .duration(Duration(days: days, months: months)))
            case .string(let s): return (name, .text(s))
            case .null: return (name, .null)
            }
        }
        if diagnostics.isEmpty, let expression, case .unary(.negate, .literal(let literal, _), _) = expression {
            if case .integer(let v) = literal { return (name, .integer(-v)) }
            if case .decimal(let v) = literal { return (name, .decimal(-v)) }
        }
        return (name, .text(raw))
    }

    /// Digits with an optional leading minus.
    private static func isInteger(_ text: String) -> Bool {
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        return !digits.isEmpty && digits.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// Whether a `--set` value is shaped as a number, date or duration is (`2024-02-30`, `1.5e`, `999999999999d`):
    /// a digit or point first, then only digits, points, signs and exponents, with an optional duration unit. Text
    /// that merely starts with a digit (`12abc`, `0x1F`) stays text.
    private static func looksLikeNumberOrDate(_ raw: String) -> Bool {
        var text = Substring(raw.trimmingCharacters(in: .whitespaces))
        if text.first == "-" { text = text.dropFirst() }
        for unit in ["mo", "d", "w", "y"] where text.hasSuffix(unit) {
            text = text.dropLast(unit.count)
            break
        }
        guard let first = text.first, first.isASCII, first.isNumber || first == "." else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isNumber || ".-+eE".contains($0)) }
    }
}
