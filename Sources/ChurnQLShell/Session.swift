import ChurnQLDiagnostics
import ChurnQLEngine
import ChurnQLRender
import ChurnQLStore
import ChurnQLSyntax
import Foundation

/// A churnql session: an engine plus output settings. Scripts (`-f`, stdin, `-c`, `.read`) and the
/// interactive shell all run statements through `runScript`, so they behave the same.
public final class Session {
    public let engine = Engine()
    public var format: OutputFormat
    public var quiet: Bool
    public var errorsAsJSON: Bool
    var timer = false
    let sink = OutputSink()
    /// Colours only on a terminal, and never with NO_COLOR set.
    var useColor: Bool {
        !sink.isRedirected && isatty(1) != 0 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
    /// Rows shown in table mode (`.maxrows`); nil: 40 on a terminal, all otherwise.
    var maxRows: Int?
    /// The width tables fit on a terminal (`.maxwidth N`); nil: the terminal's width; 0: unlimited.
    var maxWidth: Int?
    /// The width a table on stdout must fit: only on a terminal (never a file or a pipe), nil when unlimited.
    var tableWidth: Int? {
        guard !sink.isRedirected, isatty(1) != 0 else { return nil }
        guard let maxWidth else { return Terminal.columns() }
        return maxWidth == 0 ? nil : maxWidth
    }
    /// The last error, shown in full by `.error`.
    var lastError: Diagnostic?
    /// Statements that succeeded, for `.save`.
    var journal: [String] = []
    /// Nesting of `.read`, bounded so a script that reads itself stops.
    var readDepth = 0
    /// The script files being run (`-f`, the rc file, each `.read` in progress): no writer may replace them.
    var runningScripts: [FileIdentity] = []
    /// Every file a writer must leave alone.
    var protectedFiles: ProtectedFiles {
        ProtectedFiles(inputs: engine.loadedPaths, scripts: runningScripts, history: LineEditor.historyPath)
    }
    /// `--set asof=…` was given for the next script: it must declare `param asof`, or nothing runs.
    var asofParameterToCheck: String?
    /// `--echo`: scripts print each statement's lines on stdout before running it (`ScriptEcho`).
    public var echo = false

    public init(format: OutputFormat = .table, quiet: Bool = false, errorsAsJSON: Bool = false) {
        self.format = format
        self.quiet = quiet
        self.errorsAsJSON = errorsAsJSON
        engine.warningDisplay = { [unowned self] in self.warn($0) }
    }

    /// What running a script found.
    public struct Outcome {
        public var errors: [Diagnostic] = []
        public var quit = false
        /// A problem with the command line, found when the script was read (exit status 2).
        public var usageError = false
        public var succeeded: Bool { errors.isEmpty }
    }

    /// Runs every statement and meta command of a text in order. Stops at the first error unless `keepGoing`;
    /// errors are reported as they happen, between the outputs of the statements around them (stdout is written
    /// unbuffered, so the two streams interleave in order on one terminal or pipe); `keepGoing` ends with a count
    /// of the errors. Statements are read, parsed and run
    /// one at a time from one shared copy of the text, so time and memory grow with the script's size, no faster.
    @discardableResult
    public func runScript(_ text: String, name: String?, keepGoing: Bool = false) -> Outcome {
        var outcome = Outcome()
        let segments = ScriptSegments(text)
        let source = SourceText(name: name, text: segments.queryText)
        if let parameter = asofParameterToCheck {
            asofParameterToCheck = nil
            guard Self.declaresParameter(parameter, in: source) else {
                let problem = Self.asofParameterProblem(parameter)
                report(problem)
                outcome.errors.append(problem)
                outcome.usageError = true
                return outcome
            }
            note("note: --set \(parameter)=… sets the script's parameter $\(parameter); --asof sets the analysis date")
        }
        func fail(_ diagnostic: Diagnostic) {
            outcome.errors.append(diagnostic)
            report(diagnostic)
        }
        var echo = self.echo ? ScriptEcho(text: text, source: source) : nil
        func show(_ lines: String?) {
            if let lines, !lines.isEmpty { StandardStreams.output(lines) }
        }
        var metaLines = segments.metaLines[...]
        /// Runs the meta commands written before `line`; false when one of them quits.
        func runMetaLines(before line: Int) -> Bool {
            while let meta = metaLines.first, meta.line < line {
                metaLines = metaLines.dropFirst()
                show(echo?.through(line: meta.line))
                do {
                    if try runMeta(meta.text, file: name, line: meta.line) == .quit { return false }
                } catch {
                    var located = error
                    if located.line == 0 {
                        located.file = name
                        located.line = meta.line
                        located.column = 1
                        located.sourceLine = meta.text
                        located.length = meta.text.count
                    }
                    fail(located)
                    if !keepGoing { return true }
                }
            }
            return true
        }
        var reader = StatementReader(source)
        reading: while let parsed = reader.next() {
            let errors = parsed.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
            // The statement's lines are printed when it runs, after the meta commands written before it.
            let statementEnd = echo?.nextStatementEnd()
            func showStatement() {
                if let statementEnd { show(echo?.through(offset: statementEnd)) }
            }
            for node in parsed.statements {
                guard runMetaLines(before: node.span.line) else {
                    outcome.quit = true
                    return outcome
                }
                if !keepGoing && !outcome.errors.isEmpty { break reading }
                showStatement()
                do {
                    try run(node, source: source)
                } catch {
                    fail(error.located(at: node, in: source))
                }
                if !keepGoing && !outcome.errors.isEmpty { break reading }
            }
            if let first = errors.first {
                guard runMetaLines(before: first.line) else {
                    outcome.quit = true
                    return outcome
                }
                if !keepGoing && !outcome.errors.isEmpty { break reading }
                showStatement()
                if keepGoing {
                    for error in errors { fail(error) }
                } else {
                    fail(first)
                    break reading
                }
            }
        }
        if keepGoing || outcome.errors.isEmpty {
            if !runMetaLines(before: Int.max) {
                outcome.quit = true
                return outcome
            }
            show(echo?.rest())
        }
        if keepGoing && !outcome.errors.isEmpty {
            note("\(outcome.errors.count) error\(outcome.errors.count == 1 ? "" : "s")")
        }
        return outcome
    }

    /// Whether a script declares `param NAME`, read statement by statement without running anything.
    static func declaresParameter(_ name: String, in source: SourceText) -> Bool {
        var reader = StatementReader(source)
        while let parsed = reader.next() {
            if declaresParameter(name, parsed.statements) { return true }
        }
        return false
    }

    static func declaresParameter(_ name: String, _ statements: [StatementNode]) -> Bool {
        statements.contains {
            if case .param(let declared, _) = $0.statement { return declared == name }
            return false
        }
    }

    static func asofParameterProblem(_ name: String) -> Diagnostic {
        Diagnostic(
            code: "usage",
            message: "--set \(name)=… sets a script parameter named \(name) ($\(name)), not the analysis date",
            hint:
                "use --asof 2024-06-30 to set the analysis date (--set \(name) is for scripts that declare param \(name))"
        )
    }

    /// Executes one statement and shows its result.
    func run(_ node: StatementNode, source: SourceText) throws(Diagnostic) {
        let started = Date()
        try show(try engine.execute(node, source: source), node, source)
        if timer { note(String(format: "run time: %.3f s", Date().timeIntervalSince(started))) }
        journal.append(source.text(of: node.span))
    }

    /// Writes a statement's result: tables and text on the output, notes on standard error.
    private func show(_ result: StatementResult, _ node: StatementNode, _ source: SourceText) throws(Diagnostic) {
        switch result {
        case .table(let table):
            let onTerminal = !sink.isRedirected && isatty(1) != 0
            try sink.write(
                TableRenderer.render(
                    table, format: format, maxRows: maxRows ?? (onTerminal ? 40 : Int.max),
                    maxWidth: tableWidth))
        case .text(let text):
            let safe = TerminalText.escaped(text, keepingNewlines: true)
            try sink.write(safe.hasSuffix("\n") ? safe : safe + "\n")
        case .notes(let lines):
            for line in lines { note(line) }
        case .export(let table, let path):
            do {
                try export(table, to: path)
            } catch  where error.line == 0 {
                // Point at the export statement.
                throw Diagnostic(
                    code: error.code, message: error.message, span: node.span, in: source, hint: error.hint)
            }
        case .snapshot(let contents, let path, let notes):
            do {
                try save(contents, to: path)
            } catch  where error.line == 0 {
                throw Diagnostic(
                    code: error.code, message: error.message, span: node.span, in: source, hint: error.hint)
            }
            for line in notes { note(line) }
        case .cohort(let long, let matrix):
            if format == .table {
                let what = matrix.byRevenue ? "revenue" : "customers"
                let title =
                    "cohort retention (\(what) \(matrix.asShares ? "as a share of period 0" : "per period")), by first-purchase period"
                try sink.write(
                    Heatmap.render(
                        labels: matrix.labels, sizes: matrix.sizes, values: matrix.values, asPercent: matrix.asShares,
                        color: useColor, title: title, maxWidth: tableWidth))
            } else {
                try sink.write(TableRenderer.render(long, format: format))
            }
        case .report(let parts, let notes, let chart):
            for (title, table) in parts {
                // A machine format keeps stdout to the rows: the title (a fit's model line) is a message.
                if format == .table {
                    try sink.write(TerminalText.escaped(title, keepingNewlines: true) + "\n")
                } else {
                    note(title)
                }
                try sink.write(TableRenderer.render(table, format: format, maxWidth: tableWidth))
            }
            if format == .table, let chart {
                try sink.write(LineChart.render(title: chart.title, series: chart.series, xLabel: chart.xLabel))
            }
            for line in notes { note(line) }
        case .workbench(let parts, let long, let notes):
            if format == .table {
                for (title, table) in parts {
                    try sink.write("\n" + TerminalText.escaped(title, keepingNewlines: true) + "\n")
                    try sink.write(
                        table.rowCount == 0
                            ? "  (none)\n" : TableRenderer.render(table, format: .table, maxWidth: tableWidth))
                }
            } else {
                try sink.write(TableRenderer.render(WorkbenchLongForm.table(long), format: format))
            }
            for line in notes { note(line) }
        case .nothing:
            break
        case .failed(let shown, let error):
            try show(shown, node, source)
            throw error
        }
    }

    /// Writes a result to a file in the format its extension names, atomically.
    func export(_ table: Table, to path: String) throws(Diagnostic) {
        let lower = path.lowercased()
        let fileFormat: OutputFormat = lower.hasSuffix(".json") ? .json : (lower.hasSuffix(".md") ? .markdown : .csv)
        try AtomicFile.write(TableRenderer.render(table, format: fileFormat), to: path, protected: protectedFiles)
        note("exported \(NumberFormat.grouped(String(table.rowCount))) rows to \(path)")
    }

    /// A message for standard error (load reports, confirmations), silenced by --quiet unless it is a warning.
    public func note(_ text: String) {
        guard !quiet || text.hasPrefix("warning: ") else { return }
        StandardError.write(TerminalText.escaped(text, keepingNewlines: true) + "\n")
    }

    /// A warning about data dropped or changed (skipped rows, nulls made, keys matched loosely): shown even with
    /// --quiet, which hides only notes and progress.
    public func warn(_ diagnostic: Diagnostic) {
        StandardError.write(rendered(diagnostic) + "\n")
    }

    /// Prints a diagnostic on standard error, as text or as one JSON line.
    public func report(_ diagnostic: Diagnostic) {
        lastError = diagnostic
        StandardError.write(rendered(diagnostic) + "\n")
    }

    private func rendered(_ diagnostic: Diagnostic) -> String {
        errorsAsJSON ? DiagnosticRenderer.json(diagnostic) : DiagnosticRenderer.text(diagnostic)
    }
}

extension Diagnostic {
    /// An error raised without a place (no orders loaded, too many periods, no model fitted) points at the
    /// statement that raised it, so a script's errors always read `file:line:col`. Errors naming a data file keep it.
    func located(at node: StatementNode, in source: SourceText) -> Diagnostic {
        guard line == 0, file == nil else { return self }
        var located = Diagnostic(
            code: code, message: message, span: node.span, in: source, hint: hint, severity: severity)
        // The caret covers the statement's first line at most.
        let restOfLine = (located.sourceLine?.utf8.count ?? 1) - located.column + 1
        located.length = Swift.min(located.length, Swift.max(1, restOfLine))
        return located
    }
}
