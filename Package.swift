// swift-tools-version: 6.0
import PackageDescription

// Targets follow the data's journey: diagnostics → store → load (+ snapshot, a saved session's file) → syntax →
// planner → sql (+ postgres, the server connection) → metrics → engine → render → shell → churnql.
let package = Package(
    name: "churnql",
    // macOS 15: the Synchronization module (Atomic) for the Ctrl-C flag and lazily widened columns.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "churnql", targets: ["churnql"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CLibEdit", path: "Sources/CLibEdit", pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]),
        .target(name: "CByteScan"),
        .target(name: "ChurnQLDiagnostics"),
        .target(name: "ChurnQLStore", dependencies: ["ChurnQLDiagnostics"]),
        .target(name: "ChurnQLLoad", dependencies: ["ChurnQLStore", "ChurnQLDiagnostics", "CSQLite", "CByteScan"]),
        .target(name: "ChurnQLSnapshot", dependencies: ["ChurnQLStore", "ChurnQLDiagnostics", "CByteScan"]),
        .target(name: "ChurnQLSyntax", dependencies: ["ChurnQLDiagnostics"]),
        .target(name: "ChurnQLPlanner", dependencies: ["ChurnQLSyntax", "ChurnQLStore", "ChurnQLDiagnostics"]),
        .target(
            name: "ChurnQLSQL", dependencies: ["ChurnQLPlanner", "ChurnQLSyntax", "ChurnQLStore", "ChurnQLDiagnostics"]),
        .target(name: "ChurnQLPostgres", dependencies: ["CLibPQ", "ChurnQLStore", "ChurnQLDiagnostics"]),
        .target(name: "ChurnQLMetrics", dependencies: ["ChurnQLStore", "CByteScan"]),
        .target(
            name: "ChurnQLEngine",
            dependencies: [
                "ChurnQLSyntax", "ChurnQLPlanner", "ChurnQLSQL", "ChurnQLPostgres", "ChurnQLMetrics", "ChurnQLStore",
                "ChurnQLLoad", "ChurnQLSnapshot", "ChurnQLDiagnostics",
            ]),
        .target(name: "ChurnQLRender", dependencies: ["ChurnQLStore", "ChurnQLDiagnostics"]),
        .target(
            name: "ChurnQLShell",
            dependencies: [
                "ChurnQLEngine", "ChurnQLRender", "ChurnQLSyntax", "ChurnQLStore", "ChurnQLLoad", "ChurnQLSnapshot",
                "ChurnQLDiagnostics", "ChurnQLMetrics", "CLibEdit",
            ]),
        .executableTarget(
            name: "churnql",
            dependencies: [
                "ChurnQLShell", "ChurnQLRender",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Fuzzing: `swift build --product churnql-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`
        // (see docs/robustness.md); a normal build makes a replayer of saved inputs.
        .executableTarget(
            name: "churnql-fuzz", dependencies: ["ChurnQLEngine", "ChurnQLLoad", "ChurnQLSyntax", "ChurnQLDiagnostics"]),
        .testTarget(
            name: "ChurnQLTests",
            dependencies: [
                "ChurnQLShell", "ChurnQLEngine", "ChurnQLPlanner", "ChurnQLSQL", "ChurnQLPostgres", "ChurnQLRender",
                "ChurnQLSyntax",
                "ChurnQLStore",
                "ChurnQLLoad", "ChurnQLSnapshot",
                "ChurnQLDiagnostics", "ChurnQLMetrics", "CSQLite", "CByteScan",
            ],
            resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
