import ChurnQLDiagnostics
import ChurnQLLoad
import Foundation

/// Script text from a file (`-f`, `.read`, the rc file) or stdin, read as a stream in chunks, so that pipes and
/// process substitutions (`-f <(…)`) work and an endless source stops at the size limit with bounded memory.
/// Binary data and invalid UTF-8 are refused with where they start.
enum ScriptSource {
    static let sizeLimit = 64 << 20
    static let sizeLimitText = "64 MiB"

    struct Script {
        var text: String
        /// The file itself, protected from writers while it runs; nil for a terminal or a pipe.
        var identity: FileIdentity?
    }

    static func read(path given: String) throws(Diagnostic) -> Script {
        let path = UserPath.expandTilde(given)
        // Before opening: /dev/stdin onto a closed stdin is no script (and opening some placeholders could block).
        try StandardStreams.refuseClosedStream(at: path, named: given, writing: false)
        var fd: Int32
        repeat { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) } while fd < 0 && errno == EINTR
        guard fd >= 0 else { throw openFailure(given, errno) }
        defer { close(fd) }
        return try read(descriptor: fd, name: given)
    }

    static func readStandardInput() throws(Diagnostic) -> Script {
        if StandardStreams.inputWasClosed { throw StandardStreams.closedInput }
        return try read(descriptor: 0, name: "<stdin>")
    }

    static func read(descriptor fd: Int32, name: String) throws(Diagnostic) -> Script {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw openFailure(name, errno) }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFDIR {
            throw Diagnostic(
                code: "not-a-script", message: "\(name) is a directory, not a script", file: name,
                hint: "name a script file inside it")
        }
        guard kind == S_IFREG || kind == S_IFIFO || kind == S_IFCHR || kind == S_IFSOCK else {
            throw Diagnostic(
                code: "not-a-script", message: "\(name) is not a file or a pipe", file: name,
                hint: "scripts are read from files, pipes or a terminal")
        }
        if kind == S_IFREG && info.st_size > sizeLimit { throw tooLarge(name) }
        var bytes: [UInt8] = []
        while true {
            switch POSIXIO.readChunk(fd, upTo: 1 << 20) {
            case .failure(let error):
                throw Diagnostic(
                    code: "unreadable-script", message: "cannot read \(name): \(error.description)", file: name)
            case .success(let chunk):
                if chunk.isEmpty {
                    return Script(
                        text: try decode(bytes, name: name), identity: kind == S_IFREG ? FileIdentity(info) : nil)
                }
                if let zero = chunk.firstIndex(of: 0) { throw binary(name, offset: bytes.count + zero) }
                if bytes.count + chunk.count > sizeLimit { throw tooLarge(name) }
                bytes += chunk
            }
        }
    }

    /// UTF-8 text without a leading byte-order mark; invalid bytes are located by line and byte.
    static func decode(_ bytes: [UInt8], name: String) throws(Diagnostic) -> String {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes[3...] : bytes[...]
        if let zero = body.firstIndex(of: 0) { throw binary(name, offset: zero) }
        if let text = String(validating: body, as: UTF8.self) { return text }
        let offset = UTF8Validation.firstInvalidOffset(body) ?? body.startIndex
        let before = body[body.startIndex..<offset]
        let line = before.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? body.startIndex
        let column = offset - lineStart + 1
        let hex = String(body[offset], radix: 16, uppercase: true)
        throw Diagnostic(
            code: "invalid-utf8",
            message: "\(name) is not valid UTF-8: byte 0x\(hex) at line \(line), byte \(column) (offset \(offset))",
            file: name, line: line, column: column, hint: "save the script as UTF-8")
    }

    private static func binary(_ name: String, offset: Int) -> Diagnostic {
        Diagnostic(
            code: "binary-script", message: "\(name) holds binary data, not a script (a NUL byte at offset \(offset))",
            file: name, hint: "scripts are UTF-8 text")
    }

    private static func tooLarge(_ name: String) -> Diagnostic {
        Diagnostic(
            code: "script-too-large", message: "\(name) is larger than \(sizeLimitText), the limit for a script",
            file: name, hint: "load data files as inputs; scripts hold statements")
    }

    private static func openFailure(_ name: String, _ error: Int32) -> Diagnostic {
        switch error {
        case ENOENT:
            return Diagnostic(
                code: "file-not-found", message: "cannot read script \(name): no such file", file: name,
                hint: "check the path")
        case ELOOP:
            return Diagnostic(
                code: "unreadable-script",
                message: "cannot read script \(name): too many levels of symbolic links (a loop?)", file: name,
                hint: "fix or remove the link")
        default:
            return Diagnostic(
                code: "unreadable-script", message: "cannot read script \(name): \(POSIXIO.describe(error))",
                file: name)
        }
    }
}

/// Where a byte sequence stops being UTF-8 (overlong forms, surrogates and values past U+10FFFF included).
enum UTF8Validation {
    static func firstInvalidOffset(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, low) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, high) = (3, 0x9F)
            case 0xF0: (length, low) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, high) = (4, 0x8F)
            default: return i
            }
            guard bytes.endIndex - i >= length else { return i }
            if bytes[i + 1] < low || bytes[i + 1] > high { return i }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            i += length
        }
        return nil
    }
}
