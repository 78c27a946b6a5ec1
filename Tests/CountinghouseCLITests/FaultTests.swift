import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Faults the nightly job must survive (issue 14 §4), beside the six named kill points of
/// RunCommandTests: `kill -9` at pseudo-random moments of `ingest`, `run` and `close` (through
/// scripts/faults.sh, the script a person runs), two runs started at the same instant, an outbox
/// that is full or read-only.
@Suite struct FaultTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// scripts/faults.sh with a fixed seed and a few trials per command: every killed command,
    /// rerun, ends as the uninterrupted one did, and no partial outbox folder is ever in view.
    @Test(.timeLimit(.minutes(4)), arguments: storeKinds)
    func randomKillsThenARerunEndAsAnUninterruptedCommand(postgres: Bool) throws {
        let cli = try CLI(initialised: false)
        let result = try cli.run(
            executable: Self.repository.appendingPathComponent("scripts/faults.sh"),
            ["--seed", "14", "--count", "6", "--store", postgres ? "postgres" : "sqlite"],
            extra: ["COUNTINGHOUSE_BIN": CLI.executable.path, "FAULTS_WORK": cli.directory.appendingPathComponent("work").path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("18 trials on \(postgres ? "postgres" : "sqlite")"), "\(result.output)")
        #expect(result.output.contains("every rerun equal to the uninterrupted one, no partial outbox folder in view"), "\(result.output)")
    }

    /// Two runs released at the same instant (both blocked on one FIFO, then let go together), a
    /// few times: one runs, the other exits 75 at once, and the ledger and the outbox are a single
    /// run's.
    @Test(arguments: storeKinds)
    func twoRunsStartedTogetherOneRunsTheOtherIsBusy(postgres: Bool) throws {
        let reference = try CLI(postgres: postgres)
        try RunCommandTests.deliver(reference)
        let single = try RunCommandTests.run(reference)
        #expect(single.status == 0, "\(single.error)")
        for attempt in 1...3 {
            let cli = try CLI(postgres: postgres)
            try RunCommandTests.deliver(cli)
            let fifo = cli.directory.appendingPathComponent("go").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let processes = try (0..<2).map { number -> (Process, Pipe) in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = [
                    "-c", #"read line < go; exec "$0" "$@""#, CLI.executable.path, "run", "--inbox", "inbox", "--outbox", "outbox", "--date",
                    RunCommandTests.date,
                ]
                process.currentDirectoryURL = cli.directory
                process.environment = cli.environment.merging(["COUNTINGHOUSE_NOW": RunCommandTests.now]) { _, new in new }
                let error = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = error
                try process.run()
                return (process, error)
            }
            // Open for reading and writing (never blocks): both shells' reads return once the
            // two lines are in, whichever opened first.
            usleep(200_000)
            let barrier = open(fifo, O_RDWR)
            try #require(barrier >= 0)
            _ = "go\ngo\n".withCString { write(barrier, $0, 6) }
            let results = processes.map { process, error in
                let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                return (status: process.terminationStatus, error: text)
            }
            close(barrier)
            #expect(results.map(\.status).sorted() == [0, 75], "attempt \(attempt): \(results)")
            if let busy = results.first(where: { $0.status == 75 }) {
                #expect(
                    busy.error.contains("error: another countinghouse run (or close) holds the ledger: nothing was done; run again when it has finished"),
                    "\(busy.error)")
            }
            try FaultTests.expectSameAsReference(cli, reference, "attempt \(attempt)")
        }
    }

    /// A full outbox (a small tmpfs, filled but for half the reports' size): the run ingests and
    /// moves the inbox's files, then fails with 73 naming OUTBOX/D's workbook and the reason, is
    /// recorded as failed, and leaves nothing in the outbox; once there is room the next run
    /// completes, its record the one an uninterrupted run makes (the failed run's files are its
    /// inputs), the ledger and outbox equal.
    @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root (and a container that allows it)"))
    func aRunWhoseOutboxIsFullFailsWholeAndTheNextRunCompletes() throws {
        let reference = try CLI()
        try RunCommandTests.deliver(reference)
        #expect(try RunCommandTests.run(reference).status == 0)
        let reportBytes = try CLI.listing(reference.directory.appendingPathComponent("outbox")).reduce(0) { total, path in
            let attributes = try FileManager.default.attributesOfItem(atPath: reference.directory.appendingPathComponent("outbox/\(path)").path)
            return total + ((attributes[.type] as? FileAttributeType) == .typeRegular ? (attributes[.size] as? Int ?? 0) : 0)
        }

        let cli = try CLI()
        try RunCommandTests.deliver(cli)
        let outbox = cli.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        try #require(try shell(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", outbox.path]) == 0)
        defer { _ = try? shell(["umount", "--lazy", outbox.path]) }
        let room = max(reportBytes / 2 / 4096, 1)
        try #require(try shell(["dd", "if=/dev/zero", "of=\(outbox.path)/filler", "bs=4k", "count=\(512 - room)"]) == 0)
        let failed = try RunCommandTests.run(cli)
        #expect(failed.status == 73, "\(failed.output)\(failed.error)")
        // Named where the person will look (OUTBOX/D as given), not the temporary folder it was
        // built in: "error: outbox/2026-10-25/day: cannot write the report: No space left on
        // device", or "cannot write the workbook outbox/2026-10-25/day/report.xlsx: …" when the
        // CSV files fitted.
        let message = failed.error.split(separator: "\n").last { $0.hasPrefix("error: ") }.map(String.init) ?? ""
        #expect(message.contains("outbox/2026-10-25/") && message.hasSuffix("No space left on device"), "\(failed.error)")
        #expect(!message.contains(".partial"), "\(message)")
        // Nothing in the outbox but the filler: no folder, no temporary one, no workbook.
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path) == ["filler"])
        // The files were ingested and moved before the reports: the inbox is as a run leaves it.
        #expect(
            try CLI.listing(cli.directory.appendingPathComponent("inbox")) == CLI.listing(reference.directory.appendingPathComponent("inbox")))
        let runs = try cli.run(["runs", "--format", "csv"]).output
        #expect(runs.contains("\n1,2026-10-25,failed,73,"), "\(runs)")
        #expect(runs.contains(String(message.dropFirst("error: ".count))), "\(runs)")

        try FileManager.default.removeItem(at: outbox.appendingPathComponent("filler"))
        let rerun = try RunCommandTests.run(cli)
        #expect(rerun.status == 0, "\(rerun.output)\(rerun.error)")
        #expect(rerun.output.contains("run 2 for 2026-10-25: 4 files landed, 0 already known, 0 rejected"), "\(rerun.output)")
        try Self.expectSameAsReference(cli, reference, "full outbox", failedRecords: 1)
    }

    /// A read-only outbox (a read-only tmpfs: root ignores permissions): the run fails with 73
    /// naming the outbox and the reason, nothing is written there; writable again, the next run
    /// completes as an uninterrupted one.
    @Test(.enabled(if: canMountTmpfs, "mounting a tmpfs needs root (and a container that allows it)"))
    func aRunWhoseOutboxIsReadOnlyFailsAndTheNextRunCompletes() throws {
        let reference = try CLI()
        try RunCommandTests.deliver(reference)
        #expect(try RunCommandTests.run(reference).status == 0)
        let cli = try CLI()
        try RunCommandTests.deliver(cli)
        let outbox = cli.directory.appendingPathComponent("outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        try #require(try shell(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", outbox.path]) == 0)
        let failed = try RunCommandTests.run(cli)
        #expect(failed.status == 73, "\(failed.output)\(failed.error)")
        #expect(failed.error.contains("error: \(outbox.path): cannot create the folder: Read-only file system"), "\(failed.error)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outbox.path).isEmpty)
        try #require(try shell(["umount", outbox.path]) == 0)
        let rerun = try RunCommandTests.run(cli)
        #expect(rerun.status == 0, "\(rerun.output)\(rerun.error)")
        try Self.expectSameAsReference(cli, reference, "read-only outbox", failedRecords: 1)
    }

    /// The PostgreSQL server stopped mid-run and not back within the retries: the run says so,
    /// waits as [run] says, exits 69 with nothing in the outbox (the files it had ingested are moved,
    /// as the message says); with the server back the next run completes, and its ledger, record
    /// and outbox equal an uninterrupted run's (made on another database of the same server; the
    /// comparison is made in the script, before the server goes).
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs PostgreSQL's server binaries (make test)"), .timeLimit(.minutes(3)))
    func aRunWhoseServerStaysDownExits69AndTheNextRunCompletes() throws {
        let cli = try CLI(initialised: false)
        for folder in ["reference", "trial"] {
            try RunCommandTests.deliver(cli)
            try FileManager.default.moveItem(
                at: cli.directory.appendingPathComponent("inbox"), to: cli.directory.appendingPathComponent("\(folder)-inbox"))
            try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent(folder), withIntermediateDirectories: true)
            try FileManager.default.moveItem(
                at: cli.directory.appendingPathComponent("\(folder)-inbox"), to: cli.directory.appendingPathComponent("\(folder)/inbox"))
        }
        try cli.write("run.toml", "[run]\nretries = 2\nretry_wait_seconds = 1\nretry_max_wait_seconds = 1\n")
        let script = """
            set -u
            export COUNTINGHOUSE_CONFIG=$PWD/run.toml COUNTINGHOUSE_NOW=\(RunCommandTests.now)
            run() { "$BIN" run --inbox inbox --outbox outbox --date \(RunCommandTests.date) "$@"; }
            # What is compared: the ledger, the records without their times, the outbox's bytes, the inbox.
            snapshot() {
                "$BIN" files --format csv; "$BIN" stock --format csv; "$BIN" verify
                "$BIN" runs --format csv | cut -d, -f1-4,7-; "$BIN" runs show 1 | sed -e 2d -e '/phases_ms/d'
                find outbox inbox -type f | sort | xargs sha256sum
            }
            psql -q -d "$COUNTINGHOUSE_TEST_POSTGRES" -c "CREATE DATABASE reference" >/dev/null
            (cd reference && export COUNTINGHOUSE_DATABASE="${COUNTINGHOUSE_TEST_POSTGRES/countinghouse_test/reference}" &&
                "$BIN" init >/dev/null && run >/dev/null 2>&1 && snapshot >../reference.txt)
            cd trial
            export COUNTINGHOUSE_DATABASE="$COUNTINGHOUSE_TEST_POSTGRES"
            "$BIN" init >/dev/null
            COUNTINGHOUSE_FAULT_STOP_AT=costs "$BIN" run --inbox inbox --outbox outbox --date \(RunCommandTests.date) >../run.out 2>../run.err &
            pid=$!
            for i in $(seq 1 600); do [[ $(ps -o stat= -p $pid) == T* ]] && break; sleep 0.1; done
            eval "$COUNTINGHOUSE_TEST_POSTGRES_STOP" >/dev/null
            kill -CONT $pid
            wait $pid
            echo "run exit $?"
            echo "outbox after: [$(ls -A outbox 2>/dev/null | tr '\\n' ' ')]"
            eval "$COUNTINGHOUSE_TEST_POSTGRES_START" >/dev/null
            run >../rerun.out 2>&1
            echo "rerun exit $?"
            snapshot >../trial.txt
            """
        let pgtest = FaultTests.repository.appendingPathComponent("scripts/pgtest.sh")
        let result = try cli.run(executable: pgtest, ["run", "--", "bash", "-c", script], extra: ["BIN": CLI.executable.path])
        func text(_ name: String) -> String { (try? String(contentsOf: cli.directory.appendingPathComponent(name), encoding: .utf8)) ?? "" }
        let errors = text("run.err")
        #expect(result.output.contains("run exit 69\n"), "\(result.output)\(result.error)\(errors)")
        #expect(result.output.contains("outbox after: []"), "\(result.output)")
        #expect(errors.contains("the connection was lost mid-run (") && errors.contains("): retry 1 of 2 in 1 s\n"), "\(errors)")
        #expect(errors.contains("cannot connect (") && errors.contains("): retry 2 of 2 in 1 s\n"), "\(errors)")
        #expect(errors.contains("\nerror: the ledger's database postgresql://"), "\(errors)")
        #expect(
            errors.hasSuffix(
                " (gave up after 2 retries; 4 inbox files were handled first: see inbox/processed/2026-10-25/ and rejected/2026-10-25/)\n"),
            "\(errors)")
        #expect(result.output.contains("rerun exit 0\n"), "\(result.output)\(text("rerun.out"))")
        #expect(text("rerun.out").contains("run 1 for 2026-10-25: 4 files landed, 0 already known, 0 rejected"), "\(text("rerun.out"))")
        let reference = text("reference.txt")
        #expect(reference.contains("outbox/2026-10-25/period-to-date/report.xlsx") && reference.contains("\n1,2026-10-25,done,0,"), "\(reference)")
        #expect(text("trial.txt") == reference)
    }

    /// The ledger, the costs, the run records (without their ids and times, after the first
    /// `failedRecords` of `cli`, which must be failed runs) and the outbox of `cli` are those of
    /// `reference`.
    static func expectSameAsReference(_ cli: CLI, _ reference: CLI, _ label: String, failedRecords: Int = 0) throws {
        func records(_ cli: CLI, dropping: Int) throws -> [String] {
            let lines = try cli.run(["runs", "--format", "csv"]).output.split(separator: "\n").map(String.init)
            for line in lines.dropFirst().prefix(dropping) { #expect(line.contains(",failed,"), "\(label): \(line)") }
            var kept: [String] = []
            for line in lines.dropFirst(1 + dropping) {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                kept.append(fields.enumerated().filter { ![0, 4, 5].contains($0.offset) }.map(\.element).joined(separator: ","))
                let shown = try cli.run(["runs", "show", String(fields[0])]).output.split(separator: "\n", omittingEmptySubsequences: false)
                kept += shown.enumerated().filter { $0.offset != 1 && !$0.element.contains("\"phases_ms\"") }
                    .map { $0.offset == 0 ? String($0.element.drop { $0 != " " }.dropFirst().drop { $0 != " " }) : String($0.element) }
            }
            return kept
        }
        #expect(try records(cli, dropping: failedRecords) == records(reference, dropping: 0), "\(label)")
        try cli.expectSameLedgerOutboxAndInbox(as: reference, now: RunCommandTests.now, label)
    }
}
