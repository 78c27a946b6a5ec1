import Foundation
import Testing

/// What `report` and `cost` tell a person about the folder they asked for: a reused folder holds
/// exactly the new report, an empty span or an empty ledger says so, a knowledge time in the future
/// is refused, and a date as knowledge time reads as that day's end.
@Suite struct ReportFolderTests {
    @Test func aReusedFolderHoldsExactlyTheNewReport() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let now = "2026-12-01T12:00:00Z"
        #expect(try cli.run(["close", "--period", "2026-10"], now: now).status == 0)
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "out"], now: now).status == 0)
        #expect(FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("out/drift.csv").path))
        // An open span's report has no drift.csv: the closed period's is not left behind.
        #expect(try cli.run(["report", "--period", "2026-11", "--out", "out"], now: now).status == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("out").path).sorted()
        #expect(files == ["cogs.csv", "journal.csv", "journal.ledger", "run.json", "trial_balance.csv", "valuation.csv"])
        // A folder that holds anything else is refused, and kept as it was.
        try cli.write("mine/notes.txt", "keep\n")
        let refused = try cli.run(["report", "--period", "2026-11", "--out", "mine"], now: now)
        #expect(refused.status == 1)
        #expect(refused.error == "error: mine holds files Countinghouse does not write (notes.txt): choose an empty or new folder, or one an earlier report wrote\n")
        #expect(try ReportCommandTests.read(cli, "mine/notes.txt") == "keep\n")
    }

    @Test func anEmptySpanOrAnEmptyLedgerSaysSo() throws {
        let cli = try CLI()
        let empty = try cli.run(["report", "--period", "2026-10", "--out", "a"], now: "2026-12-01T12:00:00Z")
        #expect(empty.status == 0)
        #expect(empty.output.hasSuffix("; the ledger holds no files yet (countinghouse ingest FILE…)\n"))
        try ReportCommandTests.ingest(cli)
        let before = try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-10-30", "--out", "b"], now: "2026-12-01T12:00:00Z")
        #expect(before.output == "2026-10: 0 journal entries and 6 files in b (as known at the end of 2026-10-30); nothing was ingested by then (the first file was recorded at 2026-10-31T20:00:00+00:00)\n")
        let december = try cli.run(["report", "--period", "2026-12", "--out", "c"], now: "2027-01-05T12:00:00Z")
        #expect(december.output.hasSuffix("; no journal entry and no stock outflow is dated in 2026-12\n"))
    }

    @Test func aKnowledgeTimeInTheFutureIsRefused() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let future = try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-12-02", "--out", "x"], now: "2026-12-01T12:00:00Z")
        #expect(future.status == 2)
        #expect(future.error == "error: --as-known-at 2026-12-02 is after now (2026-12-01T12:00:00+00:00): what is known then can still change; give a time that has passed, or leave --as-known-at out for now\n")
        let backfill = try cli.run(["ingest", "--recorded-at", "2026-12-01T12:00:01Z", cli.write("x/items.csv", "sku\nZ\n")], now: "2026-12-01T12:00:00Z")
        #expect(backfill.status == 2)
        #expect(backfill.error.hasPrefix("error: --recorded-at 2026-12-01T12:00:01Z is after now"))
    }
}
