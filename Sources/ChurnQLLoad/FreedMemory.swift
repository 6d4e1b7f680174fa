#if canImport(Glibc)
    import Glibc
#endif

/// Memory the program freed but the allocator still holds.
enum FreedMemory {
    /// Gives the kernel back the free pages inside the heap (glibc's malloc_trim): the allocator keeps freed
    /// memory resident, and a later allocation larger than any free piece grows the heap on top of it.
    static func handBack() {
        #if canImport(Glibc)
            // malloc_trim is not in Swift's Glibc module.
            typealias Trim = @convention(c) (Int) -> Int32
            guard let trim = dlsym(nil, "malloc_trim") else { return }
            _ = unsafeBitCast(trim, to: Trim.self)(0)
        #endif
    }
}
