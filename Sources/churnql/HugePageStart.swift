#if canImport(Glibc)
    import Glibc

    /// glibc backs malloc's memory with transparent huge pages only when told so at startup
    /// (GLIBC_TUNABLES=glibc.malloc.hugetlb=1). On some machines a session that queries large columns again and
    /// again then takes fewer TLB misses (3M-customer queries 10–30% faster, 2026-12-01). On others the kernel
    /// stalls to find 2 MB pages: on 2026-12-03 (Linux 6.18 VM) sessions on 10M orders derived the customers table
    /// in 0.24–0.65 s with them against 0.14–0.17 s without, and Ctrl-C during a first fit took up to 0.41 s
    /// against 0.04 s. So it is opt-in: with CHURNQL_HUGE_PAGES=1, an interactive or stdin session whose input
    /// files total 64 MB or more, where the kernel's huge pages are opt-in ("madvise" mode), starts itself again,
    /// once, with the tunable set. A GLIBC_TUNABLES of the user's own is left alone, as is every other mode; a
    /// one-shot job (`-c`, `-f`) never restarts; CHURNQL_NO_RESTART=1 overrides CHURNQL_HUGE_PAGES.
    enum HugePageStart {
        private static let largeInput: Int64 = 64 << 20

        static func restartIfUseful() {
            guard getenv("CHURNQL_HUGE_PAGES") != nil, getenv("GLIBC_TUNABLES") == nil,
                getenv("CHURNQL_NO_RESTART") == nil, !runsAndExits(),
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

        /// Whether the command line runs queries or a script and exits (`-c`, `-f`).
        private static func runsAndExits() -> Bool {
            CommandLine.arguments.dropFirst().contains { argument in
                argument == "-c" || argument == "-f" || argument.hasPrefix("-c=") || argument.hasPrefix("-f=")
            }
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
