import Foundation

/// Runs a prepared process to its end: writes `stdin` (then closes it) and reads stdout and stderr together, so a
/// full pipe cannot block the child. `hangGuard`: seconds after which the process is stopped, so a hang fails the
/// test instead of the run (never a timing assertion: give it many times the expected time).
enum ProcessOutput {
    struct Output {
        var stdout: String
        var stderr: String
    }

    static func collect(_ process: Process, stdin: String? = nil, hangGuard: Double? = nil) throws -> Output {
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let hangGuard {
            nonisolated(unsafe) let guarded = process
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
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }
}
