import Foundation
import Testing

/// The nightly job as cron runs it: a root of day folders, each recorded the next morning; a
/// rejected file fails the job (exit 1, the day named) while everything else still lands.
@Suite struct NightlyJobTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("jobs/nightly.sh").path

    func runJob(_ cli: CLI, _ arguments: [String], script: String = NightlyJobTests.script, now: String? = nil) throws -> CLI.Result {
        try cli.run(
            executable: URL(fileURLWithPath: script), arguments, now: now, extra: ["COUNTINGHOUSE_BIN": CLI.executable.path])
    }

    @Test func aRejectedFileFailsTheJobAndTheRestStillLands() throws {
        let cli = try CLI()
        try cli.write("inbox/2026-10-01/purchases.csv", IngestCommandTests.purchases)
        try cli.write("inbox/2026-10-02/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: ",3,5.00", with: ",3.5,5.00"))
        try cli.write("inbox/2026-10-03/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: "O1,", with: "O9,"))
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 1)
        #expect(result.error.contains("REJECTED (pos_lines): 1 error"))
        #expect(result.error.contains("FAILED: files were rejected on 1 day(s): \(cli.directory.path)/inbox/2026-10-02\n"))
        // Day folders are recorded the next morning at 06:00 UTC, in date order.
        let files = try cli.run(["files", "--format", "csv"])
        #expect(files.output.contains("2026-10-02T06:00:00+00:00,purchases,2,0"))
        #expect(files.output.contains("2026-10-04T06:00:00+00:00,pos_lines,2,0"))
        #expect(!files.output.contains("2026-10-03T06:00:00+00:00"))

        // Run again: the days already in the ledger are known files, nothing changes, still failing
        // on the rejected day until a corrected file is delivered.
        let again = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(again.status == 1)
        #expect(again.output.contains("already ingested"))
    }

    @Test func aMissingInboxIsAUsageFailure() throws {
        let cli = try CLI()
        let result = try runJob(cli, [cli.directory.appendingPathComponent("nowhere").path])
        #expect(result.status == 2)
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
        try cli.write("inbox/2026-10-01/purchases.csv", IngestCommandTests.purchases)
        let typo = cli.directory.appendingPathComponent("ledgr.sqlite").path
        cli.environment["COUNTINGHOUSE_DATABASE"] = typo
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
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
            (Self.script, "Countinghouse nightly job: "), (closeScript, "Countinghouse month-end close: "),
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
