import Foundation
import Testing

/// The jobs as cron or systemd run them: the nightly job (`run` for yesterday), a replay of day
/// folders through `run` (how `make demo` rebuilds history), and the month-end close.
@Suite struct NightlyJobTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("jobs/nightly.sh").path
    static let replayScript = URL(fileURLWithPath: script).deletingLastPathComponent().appendingPathComponent("replay.sh").path

    func runJob(_ cli: CLI, _ arguments: [String], script: String = NightlyJobTests.script, now: String? = nil) throws -> CLI.Result {
        try cli.run(
            executable: URL(fileURLWithPath: script), arguments, now: now, extra: ["COUNTINGHOUSE_BIN": CLI.executable.path])
    }

    /// Day folders replayed in date order, each day's run with the clock the next morning; the
    /// month named with --close is closed after its last day, its report in the outbox's closed/.
    @Test func aReplayRunsEveryDayAsLearnedAndClosesTheMonth() throws {
        let cli = try CLI()
        try cli.write("days/2026-10-31/purchases.csv", IngestCommandTests.purchases)
        try cli.write("days/2026-10-02/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: ",3,5.00", with: ",3.5,5.00"))
        try cli.write("days/2026-11-01/pos_lines.csv", IngestCommandTests.sales)
        let result = try runJob(
            cli, ["--inbox", "inbox", "--outbox", "outbox", "--close", "2026-10", "days"], script: Self.replayScript)
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("run 1 for 2026-10-02: 0 files landed, 0 already known, 1 rejected"), "\(result.output)")
        #expect(result.output.contains("closed 2026-10 as known at 2026-11-01T12:00:00+00:00"))
        let files = try cli.run(["files", "--format", "csv"])
        #expect(files.output.contains("2026-11-01T06:00:00+00:00,purchases,2,0"), "\(files.output)")
        #expect(files.output.contains("2026-11-02T06:00:00+00:00,pos_lines,2,0"))
        #expect(try cli.run(["runs", "--format", "csv"]).output.split(separator: "\n").count == 4)
        for path in ["outbox/2026-11-01/day/report.xlsx", "outbox/closed/2026-10/report.xlsx", "inbox/rejected/2026-10-02/pos_lines.csv.error.txt"] {
            #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent(path).path), "\(path)")
        }
    }

    @Test func aMissingRootIsAUsageFailure() throws {
        let cli = try CLI()
        let result = try runJob(cli, ["--inbox", "i", "--outbox", "o", "nowhere"], script: Self.replayScript)
        #expect(result.status == 2)
        #expect(result.error.contains("'nowhere' is not a directory"))
    }

    /// The nightly job is `run` for yesterday with the inbox and outbox of its environment; with
    /// --strict a rejected file is 3 (systemd's SuccessExitStatus).
    @Test func theNightlyJobRunsYesterday() throws {
        let cli = try CLI()
        try cli.write("in/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: ",3,5.00", with: ",3.5,5.00"))
        let result = try cli.run(
            executable: URL(fileURLWithPath: Self.script), ["--strict"], now: "2026-10-26T06:00:00Z",
            extra: ["COUNTINGHOUSE_BIN": CLI.executable.path, "COUNTINGHOUSE_INBOX": "in", "COUNTINGHOUSE_OUTBOX": "out"])
        #expect(result.status == 3, "\(result.output)\(result.error)")
        #expect(result.output.hasPrefix("run 1 for 2026-10-25: "))
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("out/2026-10-25/period-to-date/run.json").path))
    }

    /// The month-end job closes last month by the clock, writes its reports and verifies; run
    /// again (after a failed report, or a second start), it writes the posted report again, byte
    /// for byte, and verifies; a month whose predecessor is open is refused (exit 1).
    @Test func theMonthEndJobClosesLastMonth() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let closeScript = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("close-month.sh").path
        let first = try runJob(cli, ["--reports", "books"], script: closeScript, now: "2026-11-05T07:00:00Z")
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.hasPrefix("closed 2026-10 as known at 2026-11-05T07:00:00+00:00: "))
        #expect(first.output.contains("ok     closed periods = recomputed at their close"))
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("books/2026-10/journal.ledger").path))
        let journal = cli.directory.appendingPathComponent("books/2026-10/journal.csv")
        let posted = try Data(contentsOf: journal)
        try FileManager.default.removeItem(at: journal.deletingLastPathComponent())
        let again = try runJob(cli, ["--reports", "books"], script: closeScript, now: "2026-11-06T07:00:00Z")
        #expect(again.status == 0, "\(again.error)")
        #expect(again.error == "close-month.sh: 2026-10 is already closed: writing its posted report again and verifying\n")
        #expect(try Data(contentsOf: journal) == posted)
        #expect(again.output.contains("ok     closed periods = recomputed at their close"))
        let gap = try runJob(cli, ["--period", "2026-12", "--reports", "books"], script: closeScript, now: "2027-01-06T07:00:00Z")
        #expect(gap.status == 1)
        #expect(gap.error.hasPrefix("error: "), "\(gap.error)")
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("books/2026-12").path))
    }

    /// A mistyped ledger stops the job with countinghouse's own status and fills no new ledger.
    @Test func aLedgerThatDoesNotExistStopsTheJob() throws {
        let cli = try CLI(initialised: false)
        try cli.write("inbox/purchases.csv", IngestCommandTests.purchases)
        let typo = cli.directory.appendingPathComponent("ledgr.sqlite").path
        cli.environment["COUNTINGHOUSE_DATABASE"] = typo
        cli.environment["COUNTINGHOUSE_INBOX"] = "inbox"
        cli.environment["COUNTINGHOUSE_OUTBOX"] = "outbox"
        // Nothing to retry: a ledger that does not exist is not a lost connection.
        let result = try runJob(cli, ["--date", "2026-10-01"])
        #expect(result.status == 69)
        #expect(result.error.contains("error: no ledger at \(typo): the file does not exist (nothing was created)"))
        #expect(!FileManager.default.fileExists(atPath: typo))
    }

    /// The month-end job passes countinghouse's own status on: a scheduler can tell a refused close
    /// (1) from a ledger that cannot be used (69 here, 75 when busy).
    @Test func theMonthEndJobPassesTheLedgersStatusOn() throws {
        let cli = try CLI(initialised: false)
        let closeScript = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("close-month.sh").path
        cli.environment["COUNTINGHOUSE_DATABASE"] = cli.directory.appendingPathComponent("ledgr.sqlite").path
        let result = try runJob(cli, ["--period", "2026-10", "--reports", "books"], script: closeScript)
        #expect(result.status == 69)
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("books").path))
    }

    /// Both jobs print their help on standard output and succeed; a usage mistake prints it on
    /// standard error with exit 2.
    @Test func theJobsHelpIsItsOpeningComment() throws {
        let cli = try CLI()
        let closeScript = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("close-month.sh").path
        for (script, firstLine) in [
            (Self.script, "Countinghouse nightly job: "), (Self.replayScript, "Countinghouse replay: "),
            (closeScript, "Countinghouse month-end close: "),
        ] {
            let help = try runJob(cli, ["--help"], script: script)
            #expect(help.status == 0)
            #expect(help.output.hasPrefix(firstLine))
            #expect(help.output.contains("Exit status: 0 "))
            #expect(help.error.isEmpty)
            let wrong = try runJob(cli, ["--no-such-option"], script: script)
            #expect(wrong.status == 2)
            #expect(wrong.output.isEmpty)
            #expect(wrong.error.contains(firstLine))
        }
    }
}
