#if canImport(Glibc)
    import Glibc

    /// glibc backs malloc's memory with transparent huge pages only when told so at startup
    /// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1). Loading a large file then takes one page fault per 2 MB instead of
    /// one per 4 KB: on the 10-million-order benchmark that removes about a quarter of the kernel's time and 5% of
    /// the wall time. Where the kernel's huge pages are opt-in ("madvise" mode) and the files named on the command
    /// line are large, the process therefore starts itself again, once, with the tunable set (a restart costs
    /// about 10 ms, which small files would notice). A GLIBC_TUNABLES of the user's own is left alone, as is every
    /// other mode; CHURNQL_NO_RESTART=1 turns this off (profilers that follow one process need that).
    enum HugePageStart {
        private static let largeInput: Int64 = 64 << 20

        static func restartIfUseful() {
            guard getenv("GLIBC_TUNABLES") == nil, getenv("CHURNQL_NO_RESTART") == nil,
                inputBytes() >= largeInput, glibcHasTheTunable(), kernelModeIsMadvise()
            else { return }
            setenv("GLIBC_TUNABLES", "glibc.malloc.hugetlb=1", 1)
            setenv("CHURNQL_RESTARTED", "1", 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            // Only reached when the exec failed: go on as we are.
            unsetenv("GLIBC_TUNABLES")
            unsetenv("CHURNQL_RESTARTED")
        }

        /// With CHURNQL_TRACE, says on stderr that this process is the restarted one.
        static func traceRestart() {
            guard getenv("CHURNQL_RESTARTED") != nil else { return }
            unsetenv("CHURNQL_RESTARTED")
            guard getenv("CHURNQL_TRACE") != nil else { return }
            let line = "trace: restarted with glibc.malloc.hugetlb=1\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }

        /// The total size of the command line's arguments that are regular files.
        private static func inputBytes() -> Int64 {
            CommandLine.arguments.dropFirst().reduce(0) { total, argument in
                var info = stat()
                guard stat(argument, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return total }
                return total + Int64(info.st_size)
            }
        }

        /// glibc.malloc.hugetlb exists from glibc 2.35 on; older versions ignore it. (gnu_get_libc_version is not
        /// in Swift's Glibc module, so it is looked up at run time.)
        private static func glibcHasTheTunable() -> Bool {
            typealias Version = @convention(c) () -> UnsafePointer<CChar>?
            guard let symbol = dlsym(nil, "gnu_get_libc_version"),
                let version = unsafeBitCast(symbol, to: Version.self)()
            else { return false }
            let parts = String(cString: version).split(separator: ".").compactMap { Int($0) }
            guard parts.count >= 2 else { return false }
            return parts[0] > 2 || (parts[0] == 2 && parts[1] >= 35)
        }

        private static func kernelModeIsMadvise() -> Bool {
            guard let file = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r") else { return false }
            defer { fclose(file) }
            var line = [CChar](repeating: 0, count: 128)
            guard fgets(&line, Int32(line.count), file) != nil else { return false }
            return strstr(line, "[madvise]") != nil
        }
    }
#endif
