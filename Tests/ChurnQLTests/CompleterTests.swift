import ChurnQLDiagnostics
import ChurnQLSyntax
import Testing

@testable import ChurnQLShell

/// Tab completion of table and column names that hold control characters: the list shows them escaped, and what
/// goes into the line is a name the parser reads back as the same name.
struct CompleterTests {
    static let hostileNames = [
        "plain", "sales\u{1b}]0;owned\u{07}", "a\u{1b}[2J", "tab\there", "bidi\u{202e}txt", "c1\u{9b}31m",
        "has space", "and", "back`quote",
    ]
    /// No way to write these in a statement (or pass them to libedit as C strings): never offered.
    static let unwritable = ["line\nbreak", "nul\0x"]

    static func completer() -> Completer {
        Completer(sources: hostileNames + unwritable) { _ in hostileNames + unwritable }
    }

    /// The identifier a candidate lexes to after `prefix`, nil when it is not one identifier.
    static func lexedName(_ prefix: String, _ candidate: String) -> String? {
        let tokens = Lexer.lex(SourceText(name: nil, text: prefix + candidate)).tokens.filter {
            $0.kind != .newline && $0.kind != .end
        }
        guard let last = tokens.last, case .identifier(let name) = last.kind else { return nil }
        return name
    }

    @Test(arguments: ["from ", "from customers | join ", "from customers | where "])
    func candidatesParseBackToTheNameAndDisplayEscaped(_ before: String) throws {
        let candidates = try #require(Self.completer().candidates(before: before, word: ""))
        for name in Self.hostileNames {
            let written = try #require(Completer.written(name), "\(name)")
            #expect(candidates.contains(written), "\(name)")
            #expect(Self.lexedName(before, written) == name, "\(written)")
            let shown = Completer.display(written)
            #expect(shown == TerminalText.escaped(written))
            #expect(
                !shown.unicodeScalars.contains {
                    $0.value < 0x20 || (0x7f...0x9f).contains($0.value) || (0x202a...0x202e).contains($0.value)
                }, "\(shown)")
        }
        for name in Self.unwritable {
            #expect(Completer.written(name) == nil)
            #expect(!candidates.contains { $0.contains(name) })
        }
    }

    @Test(arguments: [
        ("plain", "plain"), ("has space", "`has space`"), ("a\u{1b}[2J", "`a\u{1b}[2J`"),
        ("c1\u{9b}31m", "c1\u{9b}31m"),
        ("and", "`and`"), ("9lives", "`9lives`"), ("_x1", "_x1"), ("a`b", "`a``b`"),
    ])
    func namesAreWrittenAsTheLexerReadsThem(_ name: String, _ expected: String) {
        #expect(Completer.written(name) == expected)
        #expect(Self.lexedName("from ", expected) == name)
    }

    /// A typed bare prefix finds a name that needs quotes; after an opening backquote, the rest of it.
    @Test func prefixesFindQuotedNames() throws {
        let bare = try #require(Self.completer().candidates(before: "from sa", word: "sa"))
        #expect(bare == ["`sales\u{1b}]0;owned\u{07}`"])
        let quoted = try #require(Self.completer().candidates(before: "from `sa", word: "sa"))
        #expect(quoted == ["sales\u{1b}]0;owned\u{07}`"])
        #expect(Self.lexedName("from `", quoted[0]) == "sales\u{1b}]0;owned\u{07}")
    }
}
