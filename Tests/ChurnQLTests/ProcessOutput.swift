import Foundation

/// Runs a prepared process to its end: writes `stdin` (then closes it) and reads stdout and stderr together, so a
/// full pipe cannot block the child. `hangGuard`: seconds after which the process is stopped, so a hang fails the
/// test instead of the run (never a timing assertion: give it many times the expected time). `mergingErrors`: stderr
/// shares stdout's pipe, as `2>&1` does, so `stdout` holds both in the order they were written.
enum ProcessOutput {
    struct Output {
        var stdout: String
        var stderr: String
    }

    static func collect(
        _ process: Process, stdin: String? = nil, hangGuard: Double? = nil, mergingErrors: Bool = false
    ) throws -> Output {
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = mergingErrors ? out : err
        process.standardInput = input
        try process.run()
        if let hangGuard {
            let guarded = process
            DispatchQueue.global().asyncAfter(deadline: .now() + hangGuard) {
                if guarded.isRunning { guarded.terminate() }
            }
        }
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            // A merged run never hands `err` to the child, so it would never end.
            if !mergingErrors { errData = err.fileHandleForReading.readDataToEndOfFile() }
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
