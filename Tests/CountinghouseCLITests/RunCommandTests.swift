import Foundation
import Testing

/// The nightly `run`, end to end: files in the inbox land or are rejected and moved with their
/// reasons; the outbox folder of the day holds the day's and the period-to-date report, whole; the
/// run is recorded with checksums that match the files; a second run while one holds the ledger
/// exits with 75; a run killed at any point and run again leaves what an uninterrupted run leaves.
@Suite struct RunCommandTests {
    static let date = "2026-10-25"
    /// The morning after: the clock every run of these tests reads.
    static let now = "2026-10-26T06:00:00Z"

    static let badLines = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        O-9,1,2026-10-25T10:00:00Z,S01,A,SALE,1.5,10.00
        O-9,2,not a time,S01,A,SALE,1,10.00

        """

    /// The day's delivery: the catalogue, a receipt, sales and tenders; optionally a bad file and a
    /// file that is no CSV.
    static func deliver(_ cli: CLI, bad: Bool = false) throws {
        try cli.write("inbox/items.csv", ReportCommandTests.items)
        try cli.write("inbox/purchases.csv", ReportCommandTests.octoberPurchases)
        try cli.write("inbox/pos_lines.csv", ReportCommandTests.octoberLines)
        try cli.write("inbox/pos_tenders.csv", ReportCommandTests.octoberTenders)
        if bad {
            try cli.write("inbox/late_lines.csv", badLines)
            try cli.write("inbox/notes.txt", "call the supplier\n")
        }
    }

    static func run(_ cli: CLI, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CLI.Result {
        try cli.run(
            executable: CLI.executable, ["run", "--inbox", "inbox", "--outbox", "outbox", "--date", date] + extra, now: now, extra: environment)
    }

    func sha256(_ url: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [url.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test(arguments: storeKinds)
    func aRunIngestsMovesReportsAndRecords(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        try Self.deliver(cli, bad: true)
        let result = try Self.run(cli)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("run 1 for 2026-10-25: 4 files landed, 0 already known, 2 rejected"), "\(result.output)")
        #expect(result.output.contains("outbox: "))
        // Not a terminal: one timestamped log line per step, no bar.
        #expect(!result.error.contains("\r") && !result.error.contains("[#"))
        let stepLines = result.error.split(separator: "\n").filter { $0.contains("countinghouse.run") }
        #expect(stepLines.contains { $0.contains("ingest: 4 landed, 0 already known, 2 rejected") }, "\(result.error)")
        #expect(stepLines.allSatisfy { $0.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"#, options: .regularExpression) != nil })

        // The inbox: every file moved, rejected ones beside their reasons.
        let inbox = cli.directory.appendingPathComponent("inbox")
        #expect(try CLI.listing(inbox) == [
            "processed", "processed/2026-10-25", "processed/2026-10-25/items.csv", "processed/2026-10-25/pos_lines.csv",
            "processed/2026-10-25/pos_tenders.csv", "processed/2026-10-25/purchases.csv", "rejected", "rejected/2026-10-25",
            "rejected/2026-10-25/late_lines.csv", "rejected/2026-10-25/late_lines.csv.error.txt", "rejected/2026-10-25/notes.txt",
            "rejected/2026-10-25/notes.txt.error.txt",
        ])
        let reasons = try String(contentsOf: inbox.appendingPathComponent("rejected/2026-10-25/late_lines.csv.error.txt"), encoding: .utf8)
        #expect(reasons.contains("2026-10-25/late_lines.csv: REJECTED (pos_lines): 2 errors"), "\(reasons)")
        #expect(reasons.contains("late_lines.csv:2: column quantity \"1.5\": fraction in a quantity"), "\(reasons)")
        #expect(reasons.contains("late_lines.csv:3: column occurred_at \"not a time\""), "\(reasons)")
        let notText = try String(contentsOf: inbox.appendingPathComponent("rejected/2026-10-25/notes.txt.error.txt"), encoding: .utf8)
        #expect(notText.contains("not a CSV file"))

        // The outbox: the day and the period to date, each a whole report folder.
        let outbox = cli.directory.appendingPathComponent("outbox/2026-10-25")
        for folder in ["day", "period-to-date"] {
            #expect(try CLI.listing(outbox.appendingPathComponent(folder)) == [
                "cogs.csv", "journal.csv", "journal.ledger", "payments.csv", "reconciliation.csv", "report.xlsx", "rollforward.csv",
                "run.json", "trial_balance.csv", "valuation.csv",
            ])
        }
        #expect(try CLI.listing(cli.directory.appendingPathComponent("outbox")).filter { !$0.contains("/") } == ["2026-10-25"])
        let period = try String(contentsOf: outbox.appendingPathComponent("period-to-date/run.json"), encoding: .utf8)
        #expect(period.contains("\"first_day\": \"2026-10-01\"") && period.contains("\"last_day\": \"2026-10-25\""))

        // The record: every input with its sha256 and fate, every output with its sha256.
        let runs = try cli.run(["runs", "--format", "csv"])
        #expect(runs.status == 0)
        #expect(runs.output.hasPrefix("run_id,business_date,status,exit_status,started_at,ended_at,files_landed,files_already_known,files_rejected,message\n1,2026-10-25,done_needing_attention,0,"), "\(runs.output)")
        let shown = try cli.run(["runs", "show", "1"])
        #expect(shown.status == 0, "\(shown.error)")
        for name in ["items.csv", "pos_lines.csv", "pos_tenders.csv", "purchases.csv"] {
            let digest = try sha256(inbox.appendingPathComponent("processed/2026-10-25/\(name)"))
            #expect(shown.output.contains("\"name\": \"2026-10-25/\(name)\"") && shown.output.contains(digest), "\(name)")
        }
        #expect(shown.output.contains("\"fate\": \"rejected\"") && shown.output.contains("\"fate\": \"unknown_type\""))
        for folder in ["day", "period-to-date"] {
            for name in try CLI.listing(outbox.appendingPathComponent(folder)) {
                let digest = try sha256(outbox.appendingPathComponent("\(folder)/\(name)"))
                #expect(shown.output.contains("{\"path\": \"2026-10-25/\(folder)/\(name)\", \"sha256\": \"\(digest)\"}"), "\(folder)/\(name)")
            }
        }
        // --strict: the rejected files need a person (3); an unknown run id is refused.
        try Self.deliver(cli, bad: true)
        let strict = try Self.run(cli, ["--strict"])
        #expect(strict.status == 3, "\(strict.output)\(strict.error)")
        #expect(strict.output.contains("4 files landed") == false && strict.output.contains("0 files landed, 4 already known, 2 rejected"))
        #expect(strict.output.contains("needs a person: 2 files rejected"))
        // Nothing overwritten: the second delivery of each name sits beside the first.
        #expect(try CLI.listing(inbox.appendingPathComponent("processed/2026-10-25")).contains("pos_lines-2.csv"))
        #expect(try CLI.listing(inbox.appendingPathComponent("rejected/2026-10-25")).contains("notes-2.txt.error.txt"))
        #expect(try cli.run(["runs", "show", "9"]).status == 1)
    }

    @Test func anEmptyInboxAndAMissedDayAreReported() throws {
        let cli = try CLI()
        try FileManager.default.createDirectory(at: cli.directory.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        let first = try cli.run(
            executable: CLI.executable, ["run", "--inbox", "inbox", "--outbox", "outbox", "--date", "2026-10-20", "--strict"],
            now: "2026-10-21T06:00:00Z")
        #expect(first.status == 3, "\(first.output)\(first.error)")
        #expect(first.output.contains("needs a person: the inbox inbox holds no files for 2026-10-20"))
        try Self.deliver(cli)
        let later = try Self.run(cli, ["--strict"])
        #expect(later.output.contains("needs a person: no run is recorded for 4 days before 2026-10-25 (2026-10-21, 2026-10-22, 2026-10-23, 2026-10-24)"), "\(later.output)")
        #expect(later.status == 3)
        // Without --strict the same run is done (0): the summary still says what needs a person,
        // and the record says so.
        try cli.write("inbox/stray/readme.txt", "a folder is not a delivery\n")
        let lenient = try Self.run(cli)
        #expect(lenient.status == 0)
        #expect(lenient.output.contains("needs a person: inbox/stray: left in the inbox: not a file"), "\(lenient.output)")
        #expect(lenient.output.contains("needs a person: the inbox inbox holds no files for 2026-10-25"))
        let runs = try cli.run(["runs", "--format", "csv"]).output
        #expect(runs.contains("\n3,2026-10-25,done_needing_attention,0,"), "\(runs)")
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("inbox/stray/readme.txt").path))
    }

    /// A second run while one holds the ledger exits at once with 75 and does nothing.
    @Test(arguments: storeKinds)
    func aSecondRunIsRefusedWith75(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        try Self.deliver(cli)
        // The first run stops (SIGSTOP) holding the lock, before its costs.
        let first = Process()
        first.executableURL = CLI.executable
        first.arguments = ["run", "--inbox", "inbox", "--outbox", "outbox", "--date", Self.date]
        first.currentDirectoryURL = cli.directory
        first.environment = cli.environment.merging(["COUNTINGHOUSE_NOW": Self.now, "COUNTINGHOUSE_FAULT_STOP_AT": "costs"]) { _, new in new }
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        defer {
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
        }
        // Until it has stopped (its files moved out of the inbox).
        var waited = 0
        while try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("inbox").path).contains("items.csv"), waited < 600 {
            usleep(100_000)
            waited += 1
        }
        usleep(300_000)
        let second = try Self.run(cli)
        #expect(second.status == 75, "\(second.output)\(second.error)")
        #expect(second.error.contains("another countinghouse run (or close) holds the ledger: nothing was done"), "\(second.error)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("outbox/2026-10-25").path))
        // With [run] lock_wait_seconds it waits that long first.
        try cli.write("wait.toml", "[run]\nlock_wait_seconds = 1\n")
        let patient = try Self.run(cli, environment: ["COUNTINGHOUSE_CONFIG": "wait.toml"])
        #expect(patient.status == 75)
        #expect(patient.error.contains("holds the ledger (waited 1 s): nothing was done"), "\(patient.error)")
        // A close does not overlap a run either.
        let close = try cli.run(["close", "--period", "2026-09"], now: Self.now)
        #expect(close.status == 75, "\(close.error)")
    }

    /// `kill -9` at each point of a run, then a clean rerun: the ledger, the costs and the outbox
    /// are those of an uninterrupted run, nothing lost or doubled, no partial outbox folder.
    @Test(arguments: ["mid-file", "ingest", "costs", "writing", "swap", "record"])
    func aRunKilledAnywhereEndsAsAnUninterruptedOneOnRerun(point: String) throws {
        let reference = try CLI()
        try Self.deliver(reference, bad: true)
        let uninterrupted = try Self.run(reference, ["--strict"])
        #expect(uninterrupted.status == 3)

        let cli = try CLI()
        try Self.deliver(cli, bad: true)
        // mid-file: inside the first file's transaction (its second row handed to the store).
        let fault = point == "mid-file" ? ["COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS": "2"] : ["COUNTINGHOUSE_FAULT_KILL_AT": point]
        let killed = try Self.run(cli, ["--strict"], environment: fault)
        #expect(killed.status == SIGKILL || killed.status == 128 + SIGKILL || killed.status == 9, "\(point): \(killed.status) \(killed.error)")
        // Never a partial outbox folder in view: OUTBOX/D is there whole or not at all.
        let visible = try CLI.listing(cli.directory.appendingPathComponent("outbox")).filter { !$0.hasPrefix(".") && !$0.contains("/.") }
        #expect(visible.isEmpty || visible.contains("2026-10-25/period-to-date/run.json"), "\(point): \(visible)")
        let rerun = try Self.run(cli, ["--strict"])
        #expect(rerun.status == 3, "\(point): \(rerun.output)\(rerun.error)")
        // The same summary and the same record of inputs and outputs (phases' times aside).
        #expect(rerun.output == uninterrupted.output, "\(point)")
        func recorded(_ cli: CLI) throws -> String {
            let shown = try cli.run(["runs", "show", "1"]).output
            return String(shown[shown.range(of: "\"inputs\"")!.lowerBound..<shown.range(of: "\"phases_ms\"")!.lowerBound])
        }
        #expect(try recorded(cli) == recorded(reference), "\(point)")

        // The ledger (the same files, rows and checksums; the costs and the books the same), the
        // outbox byte for byte with nothing else beside it, and the inbox: every file where an
        // uninterrupted run puts it, none twice.
        try cli.expectSameLedgerOutboxAndInbox(as: reference, now: Self.now, point)
    }

    /// The PostgreSQL server stopped while a run is under way and started again a few seconds
    /// later: the run says the connection was lost, retries with backoff (each wait in the log)
    /// and completes; while the server is down nothing is in the outbox (on a server of its own,
    /// started by scripts/pgtest.sh, so the other tests' server stays up).
    @Test(.enabled(if: TestDatabase.postgresURL != nil, "needs PostgreSQL's server binaries (make test)"), .timeLimit(.minutes(3)))
    func aRunRetriesWhileTheServerIsDownAndCompletes() throws {
        let cli = try CLI(initialised: false)
        try Self.deliver(cli)
        try cli.write("run.toml", "[run]\nretries = 20\nretry_wait_seconds = 1\nretry_max_wait_seconds = 2\n")
        let script = """
            set -u
            export COUNTINGHOUSE_DATABASE="$COUNTINGHOUSE_TEST_POSTGRES" COUNTINGHOUSE_CONFIG=run.toml COUNTINGHOUSE_NOW=\(Self.now)
            "$BIN" init >/dev/null
            COUNTINGHOUSE_FAULT_STOP_AT=costs "$BIN" run --inbox inbox --outbox outbox --date \(Self.date) >run.out 2>run.err &
            pid=$!
            for i in $(seq 1 600); do [[ $(ps -o stat= -p $pid) == T* ]] && break; sleep 0.1; done
            eval "$COUNTINGHOUSE_TEST_POSTGRES_STOP" >/dev/null
            kill -CONT $pid
            sleep 4
            echo "outbox while down: [$(ls -A outbox 2>/dev/null | tr '\n' ' ')]"
            eval "$COUNTINGHOUSE_TEST_POSTGRES_START" >/dev/null
            wait $pid
            echo "run exit $?"
            "$BIN" runs --format csv
            """
        let pgtest = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/pgtest.sh")
        let result = try cli.run(executable: pgtest, ["run", "--", "bash", "-c", script], extra: ["BIN": CLI.executable.path])
        let errors = (try? String(contentsOf: cli.directory.appendingPathComponent("run.err"), encoding: .utf8)) ?? ""
        #expect(result.output.contains("run exit 0"), "\(result.output)\(result.error)\(errors)")
        #expect(result.output.contains("outbox while down: []"), "\(result.output)")
        // The lost connection, then each retry's wait (1 s, then 2 s: the backoff's cap).
        #expect(errors.contains("notice countinghouse.run: [countinghouse] the ledger cannot be reached (the ledger's database "), "\(errors)")
        #expect(errors.contains("cannot be reached: the connection was lost mid-run ("), "\(errors)")
        #expect(errors.contains("the server rolled back the open transaction, so nothing of it was kept."), "\(errors)")
        #expect(errors.contains("): retry 1 of 20 in 1 s\n") && errors.contains("): retry 2 of 20 in 2 s\n"), "\(errors)")
        #expect(result.output.contains("\n1,2026-10-25,done,0,"), "\(result.output)")
        #expect(result.output.contains(",4,0,0,done"), "\(result.output)")
    }

    /// A server that never answers: the run retries as [run] says, then gives up with 69 and says
    /// so; nothing is moved out of the inbox.
    @Test func aRunGivesUpWith69AfterItsRetries() throws {
        let cli = try CLI(initialised: false)
        try Self.deliver(cli)
        try cli.write("run.toml", "[run]\nretries = 2\nretry_wait_seconds = 0\nretry_max_wait_seconds = 0\n")
        cli.environment["COUNTINGHOUSE_CONFIG"] = "run.toml"
        cli.environment["COUNTINGHOUSE_DATABASE"] = "postgresql://postgres@/ledger?host=\(cli.directory.path)/no-server-here"
        let result = try Self.run(cli)
        #expect(result.status == 69, "\(result.output)\(result.error)")
        #expect(result.error.contains("retry 1 of 2") && result.error.contains("retry 2 of 2"), "\(result.error)")
        #expect(result.error.contains("(gave up after 2 retries)"), "\(result.error)")
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("inbox/items.csv").path))
    }

    /// On a terminal, a progress bar per step on standard error (under a pseudo-terminal).
    @Test func aTerminalGetsProgressBars() throws {
        let cli = try CLI()
        try Self.deliver(cli)
        let command = ([CLI.executable.path, "run", "--inbox", "inbox", "--outbox", "outbox", "--date", Self.date])
            .map { "'\($0)'" }.joined(separator: " ")
        let result = try cli.run(
            executable: URL(fileURLWithPath: "/usr/bin/script"), ["-qefc", command, "/dev/null"], now: Self.now)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("ingest [##############################] 100%"), "\(result.output)")
        #expect(result.output.contains("\r\u{1B}[Kingest: 4 landed"))
        // The costs by SKUs, the writing by rows.
        #expect(result.output.contains("costs [##############################] 100% (2 of 2 SKUs)"), "\(result.output)")
        #expect(result.output.range(of: #"writing \[#+\] 100% \(\d+ of \d+ rows\)"#, options: .regularExpression) != nil)
        #expect(!result.output.contains("countinghouse.run"))
    }
}
