import Foundation

/// Temporary files removed when SIGTERM, SIGHUP (or SIGINT outside the interactive shell) ends the process, which
/// then dies of the same signal, so its exit status still says so (as cp, sort and gzip do).
///
/// A signal handler may only call async-signal-safe functions: no allocation, no locks, no Swift strings. So the
/// paths wait as C strings in a table allocated once, and the handler only reads it, unlinks, resets the signal
/// and raises it again. A slot's path is written before its flag is set and its flag cleared before the slot is
/// reused, so the handler never reads a half-written path.
enum SignalCleanup {
    static let slotCount = 32
    static let slotSize = Int(PATH_MAX) + 1

    /// Slot flags (1 = in use) and the slots' bytes, allocated once and never freed.
    nonisolated(unsafe) private static let used: UnsafeMutablePointer<sig_atomic_t> = {
        let flags = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: slotCount)
        flags.initialize(repeating: 0, count: slotCount)
        return flags
    }()
    nonisolated(unsafe) private static let paths: UnsafeMutablePointer<CChar> = {
        let bytes = UnsafeMutablePointer<CChar>.allocate(capacity: slotCount * slotSize)
        bytes.initialize(repeating: 0, count: slotCount * slotSize)
        return bytes
    }()
    private static let lock = NSLock()

    /// Installs the handlers; SIGINT only when it is not the shell's own Ctrl-C (LineEditor).
    static func install(includingInterrupt: Bool) {
        _ = (used, paths)  // allocated now, never inside the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = removeTemporaryFilesAndDie
        sigemptyset(&action.sa_mask)
        for signal in [SIGTERM, SIGHUP, SIGINT] { sigaddset(&action.sa_mask, signal) }
        action.sa_flags = 0
        for signal in includingInterrupt ? [SIGTERM, SIGHUP, SIGINT] : [SIGTERM, SIGHUP] {
            var previous = sigaction()
            // A signal ignored by whoever started churnql (nohup) stays ignored.
            if sigaction(signal, nil, &previous) == 0, isIgnore(previous.__sigaction_handler.sa_handler) { continue }
            sigaction(signal, &action, nil)
            // Signals blocked by whoever started churnql would never arrive (as in LineEditor).
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, signal)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        }
    }

    private static func isIgnore(_ handler: __sighandler_t?) -> Bool {
        unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// Remembers a path for the handlers; the slot to pass to `unregister`, or nil when the table is full or the
    /// path too long (the file is then still removed on every other failure).
    static func register(_ path: String) -> Int? {
        let bytes = Array(path.utf8CString)
        guard bytes.count <= slotSize else { return nil }
        return lock.withLock {
            guard let slot = (0..<slotCount).first(where: { used[$0] == 0 }) else { return nil }
            let start = paths + slot * slotSize
            bytes.withUnsafeBufferPointer { buffer in
                if let base = buffer.baseAddress { start.update(from: base, count: buffer.count) }
            }
            used[slot] = 1
            return slot
        }
    }

    static func unregister(_ slot: Int) {
        guard (0..<slotCount).contains(slot) else { return }
        lock.withLock { used[slot] = 0 }
    }

    /// The handler: async-signal-safe calls only.
    fileprivate static func removeRegistered() {
        for slot in 0..<slotCount where used[slot] != 0 {
            unlink(paths + slot * slotSize)
        }
    }
}

private func removeTemporaryFilesAndDie(_ signalNumber: Int32) {
    SignalCleanup.removeRegistered()
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
}
