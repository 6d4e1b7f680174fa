import CByteScan
import Foundation

/// A read-only private mapping of a regular file. Pages the scanner has finished with can be handed back, so a
/// large file does not stay resident on top of the columns built from it (a later read faults them in again).
///
/// Another process may truncate or rewrite the file while it is mapped. A read past the new end would raise SIGBUS,
/// so the mapping is guarded (churnql_guard_mapping): such pages read as zeros and the fault is recorded, and
/// `change()` also compares the file's size and modification time with those at mapping time. Mapping stays: a
/// copy (pread into memory) would cost a read of the whole file and keep it resident, and catching the signal with
/// sigsetjmp would jump over Swift frames on the loader's threads. The zero pages are never written to the file.
final class MappedFile: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    private let descriptor: Int32
    private let guardSlot: Int32
    private let mapped: stat

    /// Maps `path`, or nil when it is not a non-empty regular file or cannot be mapped and guarded (the caller
    /// reads it).
    init?(path: String) {
        // Checked before opening: opening a FIFO would start (and closing it break) its writer's stream.
        guard case .regular = try? FileInput.kind(of: path) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
            let address = mmap(nil, Int(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED
        else {
            close(fd)
            return nil
        }
        let slot = churnql_guard_mapping(address, Int(info.st_size))
        guard slot >= 0 else {
            munmap(address, Int(info.st_size))
            close(fd)
            return nil
        }
        base = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
        count = Int(info.st_size)
        descriptor = fd
        guardSlot = slot
        mapped = info
    }

    deinit {
        churnql_unguard_mapping(guardSlot)
        munmap(UnsafeMutableRawPointer(mutating: base), count)
        close(descriptor)
    }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Drops the whole pages inside `range` from memory; their bytes stay readable.
    func release(_ range: Range<Int>) {
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end = Swift.min(range.upperBound, count) / pageSize * pageSize
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }

    /// Copies `count` bytes from `position` into `buffer` with pread, not through the mapping; false when fewer
    /// could be read.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at position: Int) -> Bool {
        var done = 0
        while done < count {
            let n = pread(descriptor, buffer + done, count - done, off_t(position + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            done += n
        }
        return true
    }

    /// How the file changed since it was mapped (truncated, or rewritten), or nil when it did not.
    func change() -> String? {
        var now = stat()
        let truncated = churnql_guard_faulted(guardSlot) != 0
        guard fstat(descriptor, &now) == 0 else { return truncated ? "it was truncated" : nil }
        if truncated || now.st_size < mapped.st_size {
            return "it was cut from \(mapped.st_size) to \(now.st_size) bytes"
        }
        if now.st_size != mapped.st_size || now.st_mtim.tv_sec != mapped.st_mtim.tv_sec
            || now.st_mtim.tv_nsec != mapped.st_mtim.tv_nsec
        {
            return "it was written to"
        }
        return nil
    }
}
