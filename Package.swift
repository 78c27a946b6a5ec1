// swift-tools-version:6.0
//
// Countinghouse: a nightly batch pipeline that keeps a retail chain's books.
// Layout (see README.md): a pure core, an ingest library, a store library with the only C handles,
// an application library with the use cases, and a thin command-line executable.
import PackageDescription

let package = Package(
    name: "Countinghouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "countinghouse", targets: ["countinghouse"]),
        .library(name: "CountinghouseCore", targets: ["CountinghouseCore"]),
        .library(name: "CountinghouseApp", targets: ["CountinghouseApp"]),
    ],
    dependencies: [
        // The CLI's commands, options and usage errors.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // SHA-256 for file identity and the ledger's hash chain (BoringSSL-backed on Linux).
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        // The configuration file: all of TOML (toml++ underneath), so new tables need no parser.
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        // The nightly run's log lines (timestamped, leveled, the ecosystem's logging API).
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        // The workbook (report.xlsx): libxlsxwriter writes a real xlsx (typed cells, formats,
        // formulas with cached values, charts) streaming rows in constant memory, which no Swift
        // package does; Debian ships it as libxlsxwriter-dev.
        .systemLibrary(
            name: "CXLSXWriter", path: "Sources/CXLSXWriter", pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"])]),
        .target(name: "CountinghouseCore", dependencies: [.product(name: "TOMLKit", package: "TOMLKit")]),
        .target(
            name: "CountinghouseIngest",
            dependencies: ["CountinghouseCore", .product(name: "Crypto", package: "swift-crypto")]),
        .target(
            name: "CountinghouseStore",
            dependencies: [
                "CountinghouseCore", "CSQLite", "CLibPQ",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "CountinghouseSample", dependencies: ["CountinghouseCore"]),
        // Reports as data (tables and sheets of typed cells) and the writers that render them.
        .target(name: "CountinghouseReport", dependencies: ["CountinghouseCore"]),
        // The workbook writer: renders report sheets to report.xlsx; the only code touching `lxw_*`.
        .target(name: "CountinghouseXLSX", dependencies: ["CountinghouseReport", "CountinghouseCore", "CXLSXWriter"]),
        // The use cases (books as known at T, ingest, report, close, verify, entry, explain): what
        // every command, the nightly run and the workbook call.
        .target(
            name: "CountinghouseApp",
            dependencies: [
                "CountinghouseCore", "CountinghouseIngest", "CountinghouseStore", "CountinghouseReport", "CountinghouseXLSX",
            ]),
        // glibc's mallopt (malloc.h, which the Glibc module leaves out): the CLI gives freed memory back.
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .executableTarget(
            name: "countinghouse",
            dependencies: [
                "CountinghouseCore", "CountinghouseApp", "CountinghouseReport", "CountinghouseSample", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "countinghouse-bench",
            dependencies: [
                "CountinghouseCore", "CountinghouseIngest", "CountinghouseStore", "CountinghouseSample", "CountinghouseReport",
                // The workbook bench compares the writer with libxlsxwriter driven directly (its floor).
                "CountinghouseXLSX", "CXLSXWriter",
            ]),
        .testTarget(name: "CountinghouseCoreTests", dependencies: ["CountinghouseCore"]),
        .testTarget(name: "CountinghouseIngestTests", dependencies: ["CountinghouseIngest", "CountinghouseSample"]),
        .testTarget(name: "CountinghouseSampleTests", dependencies: ["CountinghouseSample"]),
        .testTarget(name: "CountinghouseReportTests", dependencies: ["CountinghouseReport"]),
        .testTarget(
            name: "CountinghouseXLSXTests",
            dependencies: ["CountinghouseXLSX", "CountinghouseReport", "CountinghouseCore"],
            // The golden sheet XML, read from the source tree by path.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "CountinghouseStoreTests",
            dependencies: ["CountinghouseStore", "CountinghouseIngest", "CountinghouseSample"]),
        .testTarget(
            name: "CountinghouseAppTests",
            dependencies: ["CountinghouseApp", "CountinghouseStore", "CountinghouseIngest", "CountinghouseSample"]),
        .testTarget(
            name: "CountinghouseCLITests",
            dependencies: ["countinghouse"],
            // Golden files, read from the source tree by path (re-recorded there, see Golden.swift).
            exclude: ["Fixtures"]),
    ]
)

// The fuzz harness (`make fuzz`, Sources/countinghouse-fuzz): its `main` calls libFuzzer's driver
// (CFuzzerDriver declares it), so it links only with `-sanitize=fuzzer`; it is in the package only
// when the manifest is read with COUNTINGHOUSE_FUZZ=1 (make fuzz builds it so, into its own scratch
// path `.build-fuzz`), and `swift build` and `swift test` never see it.
if Context.environment["COUNTINGHOUSE_FUZZ"] == "1" {
    package.targets += [
        .systemLibrary(name: "CFuzzerDriver", path: "Sources/CFuzzerDriver"),
        .executableTarget(name: "countinghouse-fuzz", dependencies: ["CountinghouseIngest", "CountinghouseCore", "CFuzzerDriver"]),
    ]
}
