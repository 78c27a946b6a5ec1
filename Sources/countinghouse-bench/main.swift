// `make bench`: ingest figures printed side by side on the same generated file, never a pass/fail.
//
// Prints: CSV parse + validate throughput (MB/s); ingest rows/s into SQLite and its ratio to the
// sqlite3 shell's `.import` of the same CSV into a bare table; ingest rows/s into PostgreSQL (when
// COUNTINGHOUSE_TEST_POSTGRES names a server; `make bench` starts one) and its ratio to
// `psql \copy`; and re-ingesting the same rows in a file with other bytes (all duplicates) against
// the first ingest. Rows: COUNTINGHOUSE_BENCH_ROWS (default 1,000,000).
// Costing (SEMANTICS §3): a full recompute of 1M generated stock events (events/s, target ≤ 1 s),
// a backdated purchase of one SKU in 5M events (the next run's costing time over a full
// recompute's, target ≤ 0.01), and peak RSS of each case. The recompute costs a chunk of SKUs
// (~100k events, COUNTINGHOUSE_BENCH_CHUNK_EVENTS) at a time as the cost cache refresh does, and
// drops each chunk's rows, so peak RSS follows the chunk, not the ledger; generating the events is
// not timed. `countinghouse-bench ingest|costing` runs one part; no argument runs both.
// `countinghouse-bench parse` runs only the parse + validate figure of the ingest part (no database).
// `countinghouse-bench reconcile`: the reconciliation's matching (Reconciliation.swift).
// `countinghouse-bench vendors` prints the Stripe and Adyen readers' MB/s beside the canonical
// settlements reader's (Vendors.swift); it is not part of the default run.
// `countinghouse-bench xlsx`: the workbook writer against libxlsxwriter alone (Workbook.swift); not
// part of the default run.
import CountinghouseCore
import CountinghouseIngest
import CountinghouseSample
import CountinghouseStore
import Foundation

func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = monotonicSeconds()
    let value = try body()
    return (value, monotonicSeconds() - start)
}

/// Runs a command; a command that fails ends the bench (a figure timed over a failed command would
/// measure nothing).
func shell(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        print("bench: `\(arguments.joined(separator: " "))` exited with status \(process.terminationStatus)")
        exit(1)
    }
}

/// Wall and CPU seconds of a body, and the CPU seconds PostgreSQL server processes on this machine
/// spent meanwhile (0 when none runs): on a loaded machine the wall clock mostly measures the load.
func timedCPU<T>(_ body: () throws -> T) rethrows -> (T, wall: Double, cpu: Double, serverCPU: Double) {
    let startCPU = processCPUSeconds()
    let startServer = postgresServerCPUSeconds()
    let (value, wall) = try timed(body)
    return (value, wall, processCPUSeconds() - startCPU, postgresServerCPUSeconds() - startServer)
}

/// utime + stime of the live processes named `postgres` (from /proc; a backend that exits takes its
/// figures with it, so only the store's own connection, which stays open, is counted reliably).
func postgresServerCPUSeconds() -> Double {
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    var ticks: Int64 = 0
    for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int(entry) != nil {
        guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
            stat[stat.index(after: open)..<close] == "postgres"
        else { continue }
        // Fields after the command: state is the 3rd field of the whole line; utime and stime are 14th, 15th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        if fields.count > 13, let user = Int64(fields[11]), let system = Int64(fields[12]) { ticks += user + system }
    }
    return Double(ticks) / ticksPerSecond
}

func format(_ value: Double, _ decimals: Int = 1) -> String { String(format: "%.\(decimals)f", value) }

let environment = ProcessInfo.processInfo.environment
let parts = Set(CommandLine.arguments.dropFirst())
if parts.isEmpty || parts.contains("ingest") || parts.contains("parse") { try benchIngest(parseOnly: !parts.isEmpty && !parts.contains("ingest")) }
if parts.isEmpty || parts.contains("costing") { try benchCosting() }
if parts.isEmpty || parts.contains("reconcile") { try benchReconciliation() }
if parts.contains("vendors") { try benchVendors() }
if parts.contains("xlsx") { try benchWorkbook() }

func benchIngest(parseOnly: Bool) throws {
    let rowCount = Int(environment["COUNTINGHOUSE_BENCH_ROWS"] ?? "") ?? 1_000_000
    let folder = URL(fileURLWithPath: environment["COUNTINGHOUSE_BENCH_DIR"] ?? "bench-data", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)

    // The file: generated pos_lines (fixed seed), and the same rows with CRLF line ends.
    let csvPath = folder.appendingPathComponent("pos_lines-\(rowCount).csv").path
    let crlfPath = folder.appendingPathComponent("pos_lines-\(rowCount)-crlf.csv").path
    if !FileManager.default.fileExists(atPath: csvPath) || !FileManager.default.fileExists(atPath: crlfPath) {
        FileManager.default.createFile(atPath: csvPath, contents: nil)
        FileManager.default.createFile(atPath: crlfPath, contents: nil)
        let lf = try FileHandle(forWritingTo: URL(fileURLWithPath: csvPath))
        let crlf = try FileHandle(forWritingTo: URL(fileURLWithPath: crlfPath))
        try SampleChain.bulkRows(kind: .posLines, rows: rowCount) { chunk in
            try lf.write(contentsOf: chunk)
            var converted: [UInt8] = []
            converted.reserveCapacity(chunk.count + chunk.count / 16)
            for byte in chunk {
                if byte == 0x0A { converted.append(0x0D) }
                converted.append(byte)
            }
            try crlf.write(contentsOf: converted)
        }
        try lf.close()
        try crlf.close()
    }
    let byteCount = (try FileManager.default.attributesOfItem(atPath: csvPath)[.size] as? NSNumber)?.int64Value ?? 0
    print("file: \(csvPath), \(rowCount) rows, \(format(Double(byteCount) / 1e6)) MB")

    // 1. Parse + validate.
    let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
    var (check, parseSeconds) = timed { ingestor.check(path: csvPath, displayName: csvPath, kind: nil) }
    (check, parseSeconds) = timed { ingestor.check(path: csvPath, displayName: csvPath, kind: nil) }  // warm cache
    guard case .valid(let validFile) = check else {
        print("the generated file did not validate: \(check)")
        exit(1)
    }
    print("parse + validate: \(format(parseSeconds, 3)) s, \(format(Double(byteCount) / 1e6 / parseSeconds)) MB/s (target ≥ 300)")
    if parseOnly {
        // More runs to show the spread under a noisy load, and pass 2 (`forEachRow`, what `ingest`
        // runs inside the store transaction) with a body that only counts rows.
        // CPU time (user + system, all threads) says what a run costs whatever the machine's load.
        func processorSeconds() -> Double {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        var runs = [parseSeconds]
        var processorRuns: [Double] = []
        for _ in 0..<4 {
            let processorStart = processorSeconds()
            runs.append(timed { ingestor.check(path: csvPath, displayName: csvPath, kind: nil) }.1)
            processorRuns.append(processorSeconds() - processorStart)
        }
        print("parse + validate runs: \(runs.map { format($0, 3) }.joined(separator: ", ")) s; best \(format(Double(byteCount) / 1e6 / runs.min()!)) MB/s")
        print("parse + validate CPU (user + sys): \(processorRuns.map { format($0, 3) }.joined(separator: ", ")) s")
        var emitted = 0
        let (_, rowSeconds) = try timed {
            try ingestor.forEachRow(path: csvPath, displayName: csvPath, expected: validFile) { _ in emitted += 1 }
        }
        print("pass 2 (forEachRow, \(emitted) rows to an empty body): \(format(rowSeconds, 3)) s, \(format(Double(byteCount) / 1e6 / rowSeconds)) MB/s")
        return
    }

    /// Ingests a file the way `countinghouse ingest` does (check, then stream into the store).
    func ingest(_ store: any LedgerStore, path: String, recordedAt: Instant) throws -> AppendOutcome {
        guard case .valid(let file) = ingestor.check(path: path, displayName: path, kind: nil) else {
            fatalError("bench file did not validate")
        }
        let info = IngestFileInfo(
            name: path, sha256: file.sha256, kind: file.kind, byteCount: file.byteCount, recordedAt: recordedAt)
        return try store.append(info) { emit in
            try ingestor.forEachRow(path: path, displayName: path, expected: file, emit)
        }
    }

    // The parse share of an ingest (check, then stream every row to nothing): subtracted from an
    // ingest's figures, what is left is the store's own part (`store.append` minus the producer).
    let (_, parseWall, parseCPU, _) = timedCPU {
        guard case .valid(let file) = ingestor.check(path: csvPath, displayName: csvPath, kind: nil) else {
            fatalError("bench file did not validate")
        }
        var seen = 0
        try? ingestor.forEachRow(path: csvPath, displayName: csvPath, expected: file) { _ in seen += 1 }
        precondition(seen == rowCount, "the bench file streamed \(seen) rows, not \(rowCount)")
    }
    print("check + stream rows (the parse share of an ingest): \(format(parseWall, 2)) s wall, "
        + "\(format(parseCPU, 2)) s CPU")

    func benchStore(
        name: String, locator: String, baseline: (label: String, run: () throws -> Void),
        floor: (label: String, run: () throws -> Void)
    ) throws {
        let store = try openLedgerStore(locator: locator, mode: .createOrMigrate)
        try store.migrate()
        let (first, firstSeconds, firstCPU, firstServerCPU) = try timedCPU {
            try ingest(store, path: csvPath, recordedAt: Instant(nanosecondsSinceEpoch: 1))
        }
        let (again, againSeconds, againCPU, againServerCPU) = try timedCPU {
            try ingest(store, path: crlfPath, recordedAt: Instant(nanosecondsSinceEpoch: 2))
        }
        // A figure only for what it says: every row in on the first ingest (a ledger that already
        // held the file would skip it in no time), every row a duplicate on the second.
        guard case .appended(let landed) = first, landed.rowsAccepted == rowCount,
            case .appended(let repeated) = again, repeated.rowsDuplicate == rowCount
        else {
            print("\(name): the ingests did not land as measured (first: \(first); again: \(again)); "
                + "the bench needs an empty ledger (make bench starts a throwaway PostgreSQL server)")
            exit(1)
        }
        let (_, baselineSeconds) = try timed { try baseline.run() }
        let rate = Double(rowCount) / firstSeconds
        let baselineRate = Double(rowCount) / baselineSeconds
        print("\(name) ingest: \(format(firstSeconds, 2)) s, \(format(rate, 0)) rows/s "
            + "(this process's CPU \(format(firstCPU, 2)) s, server CPU \(format(firstServerCPU, 2)) s)")
        print("\(name) store part (ingest minus the parse share): \(format(firstSeconds - parseWall, 2)) s wall, "
            + "\(format(firstCPU - parseCPU, 2)) s CPU in this process")
        print("\(name) \(baseline.label): \(format(baselineSeconds, 2)) s, \(format(baselineRate, 0)) rows/s")
        print("\(name) ratio ingest / \(baseline.label): \(format(rate / baselineRate, 2)) (target ≥ 0.5)")
        print("\(name) re-ingest of the same rows (other bytes, all duplicates): \(format(againSeconds, 2)) s, "
            + "\(format(againSeconds / firstSeconds, 2)) × the first ingest (target < 1; CPU \(format(againCPU, 2)) s, server CPU \(format(againServerCPU, 2)) s)")
        // The database's own share: the same ledger rows, already parsed, hashed and checked,
        // copied by the database into an empty ledger table with the indexes the ledger needs.
        // No ingest can be faster than this, so baseline / floor is the highest ratio reachable.
        let (_, floorSeconds) = try timed { try floor.run() }
        print("\(name) \(floor.label): \(format(floorSeconds, 2)) s; the ratio could reach at most "
            + "\(format(baselineSeconds / floorSeconds, 2)) with parsing, validation, hashing and duplicate checks free")
    }

    // 2. SQLite against sqlite3's .import into a bare table.
    let sqlitePath = folder.appendingPathComponent("bench.sqlite").path
    let barePath = folder.appendingPathComponent("bare.sqlite").path
    for path in [sqlitePath, sqlitePath + "-wal", sqlitePath + "-shm", barePath] { try? FileManager.default.removeItem(atPath: path) }
    let floorPath = folder.appendingPathComponent("floor.sqlite").path
    for path in [floorPath, floorPath + "-wal", floorPath + "-shm"] { try? FileManager.default.removeItem(atPath: path) }
    try benchStore(
        name: "SQLite", locator: sqlitePath,
        baseline: ("sqlite3 .import", { try shell(["sqlite3", barePath, "-cmd", ".mode csv", ".import \(csvPath) bare"]) }),
        floor: ("floor (INSERT … SELECT of the ingested rows into an empty ledger table with its indexes)", {
            guard let floor = try openLedgerStore(locator: floorPath, mode: .createOrMigrate) as? SQLiteStore else { return }
            try floor.migrate()
            try floor.execute(
                "ATTACH '\(sqlitePath)' AS src; BEGIN; INSERT INTO main.ledger_pos_lines SELECT * FROM src.ledger_pos_lines "
                    + "ORDER BY seq; COMMIT; DETACH src")
        }))

    // 3. PostgreSQL against psql \copy into a bare table.
    if let url = environment["COUNTINGHOUSE_TEST_POSTGRES"], !url.isEmpty {
        let columns = SampleChain.columns(of: .posLines).map { "\($0) text" }.joined(separator: ", ")
        try shell(["psql", "-q", "-d", url, "-c", "DROP TABLE IF EXISTS bare; CREATE TABLE bare (\(columns))"])
        try benchStore(
            name: "PostgreSQL", locator: url,
            baseline: ("psql \\copy", {
                try shell(["psql", "-q", "-d", url, "-c", "\\copy bare from '\(csvPath)' with (format csv, header true)"])
            }),
            // The way a first load goes (PostgresAppender's appendToEmptyTable): the rows in with the
            // primary key alone, then the other indexes built from them (their definitions from the
            // catalog), with the same maintenance_work_mem, in one transaction.
            floor: ("floor (INSERT … SELECT of the ingested rows into an empty copy of the ledger table with its primary key, then its other indexes built, as a first load does)", {
                try shell([
                    "psql", "-q", "-d", url, "-c",
                    "DROP TABLE IF EXISTS floor; "
                        + "CREATE TABLE floor (LIKE ledger_pos_lines INCLUDING DEFAULTS INCLUDING CONSTRAINTS); "
                        + "ALTER TABLE floor ADD PRIMARY KEY (seq); "
                        + "INSERT INTO floor SELECT * FROM ledger_pos_lines ORDER BY seq; "
                        + "SET maintenance_work_mem = '256MB'; "
                        + "DO $$ DECLARE definition text; BEGIN FOR definition IN "
                        + "SELECT regexp_replace(pg_get_indexdef(x.indexrelid), ' INDEX \\S+ ON \\S+ ', ' INDEX ON public.floor ') "
                        + "FROM pg_index x WHERE x.indrelid = 'ledger_pos_lines'::regclass AND NOT x.indisprimary "
                        + "LOOP EXECUTE definition; END LOOP; END $$",
                ])
            }))
    } else {
        print("PostgreSQL: skipped (COUNTINGHOUSE_TEST_POSTGRES is not set; `make bench` starts a server)")
    }

}
