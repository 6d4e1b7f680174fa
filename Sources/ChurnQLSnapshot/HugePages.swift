import Foundation

/// Asks Linux for 2 MB pages under a large array about to be filled: its first touch then faults once per 2 MB
/// instead of once per 4 KB (most of reopening's system time was page faults; see docs/snapshots.md).
enum HugePages {
    static let size = 2 << 20

    static func advise(_ buffer: UnsafeMutableRawBufferPointer) {
        #if os(Linux)
            guard buffer.count >= 2 * size, let base = buffer.baseAddress else { return }
            let start = (Int(bitPattern: base) + size - 1) / size * size
            let end = (Int(bitPattern: base) + buffer.count) / size * size
            guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
            _ = madvise(pointer, end - start, MADV_HUGEPAGE)
        #endif
    }
}
