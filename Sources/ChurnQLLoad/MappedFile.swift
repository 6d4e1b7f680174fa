import Foundation

/// A read-only private mapping of a regular file. Pages the scanner has finished with can be handed back, so a
/// large file does not stay resident on top of the columns built from it (a later read faults them in again).
final class MappedFile: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let count: Int
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Maps `path`, or nil when it is not a non-empty regular file or cannot be mapped (the caller reads it).
    init?(path: String) {
        // Checked before opening: opening a FIFO would start (and closing it break) its writer's stream.
        guard case .regular = try? FileInput.kind(of: path) else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0 else { return nil }
        let size = Int(info.st_size)
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else { return nil }
        base = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
        count = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), count) }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    /// Drops the whole pages inside `range` from memory; their bytes stay readable.
    func release(_ range: Range<Int>) {
        let start = (range.lowerBound + pageSize - 1) / pageSize * pageSize
        let end = Swift.min(range.upperBound, count) / pageSize * pageSize
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}
