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
        #expect(files == [
            "cogs.csv", "journal.csv", "journal.ledger", "payments.csv", "reconciliation.csv", "report.xlsx", "rollforward.csv", "run.json",
            "trial_balance.csv", "valuation.csv",
        ])
        // A folder that holds anything else is refused, and kept as it was.
        try cli.write("mine/notes.txt", "keep\n")
        let refused = try cli.run(["report", "--period", "2026-11", "--out", "mine"], now: now)
        #expect(refused.status == 1)
        #expect(refused.error == "error: mine holds files Countinghouse does not write (notes.txt): choose an empty or new folder, or one an earlier report wrote\n")
        #expect(try ReportCommandTests.read(cli, "mine/notes.txt") == "keep\n")
    }

    /// An output that cannot be written is exit status 73, with the operating system's reason, for
    /// a report folder and for the sample generator alike.
    @Test func anOutputThatCannotBeWrittenIsStatus73() throws {
        let cli = try CLI()
        try cli.write("plain-file", "x\n")
        let report = try cli.run(["report", "--period", "2026-10", "--out", "plain-file/books"], now: "2026-12-01T12:00:00Z")
        #expect(report.status == 73)
        #expect(report.error.hasSuffix("/plain-file: cannot create the folder: File exists\n"), "\(report.error)")
        let sample = try cli.run(["sample", "--out", "plain-file/chain"])
        #expect(sample.status == 73)
        #expect(sample.error == "error: plain-file/chain: cannot create the directory (Not a directory)\n")
    }

    @Test func anEmptySpanOrAnEmptyLedgerSaysSo() throws {
        let cli = try CLI()
        let empty = try cli.run(["report", "--period", "2026-10", "--out", "a"], now: "2026-12-01T12:00:00Z")
        #expect(empty.status == 0)
        #expect(empty.output.hasSuffix("; the ledger holds no files yet (countinghouse ingest FILE…)\n"))
        try ReportCommandTests.ingest(cli)
        let before = try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-10-30", "--out", "b"], now: "2026-12-01T12:00:00Z")
        #expect(before.output == "2026-10: 0 journal entries and 10 files in b (as known at the end of 2026-10-30); nothing was ingested by then (the first file was recorded at 2026-10-31T20:00:00+00:00)\n")
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

/// A rejection of thousands of rows: the first rows and a count per column and reason on standard
/// error; every one of them with --format json.
@Suite struct ManyRejectedRowsTests {
    @Test func theFirstRowsThenACountPerColumnAndReason() throws {
        let cli = try CLI()
        var text = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price\n"
        for index in 1...3000 {
            // Every third row has a fractional quantity, every row after 1000 a timestamp without offset.
            let time = index > 1000 ? "2026-10-06T10:00:00" : "2026-10-06T10:00:00Z"
            text += "O\(index),1,\(time),S01,A,SALE,\(index % 3 == 0 ? "1.5" : "1"),5.00\n"
        }
        let file = try cli.write("many.csv", text)
        let result = try cli.run(["ingest", "--recorded-at", "2026-10-07", file], now: "2026-10-08T00:00:00Z")
        #expect(result.status == 1)
        #expect(result.output == "")
        let lines = result.error.split(separator: "\n").map(String.init)
        #expect(lines.first == "\(file): REJECTED (pos_lines): 3000 errors; nothing of it entered the ledger")
        #expect(lines.count == 1 + 20 + 1 + 2)
        #expect(lines[1] == "  \(file):4: column quantity \"1.5\": fraction in a quantity")
        #expect(lines[21] == "  … and 2980 more (--format json lists every one); all 3000 by column and reason:")
        #expect(lines[22] == "    2000 × column occurred_at: timestamp without offset")
        #expect(lines[23] == "    1000 × column quantity: fraction in a quantity")

        let json = try cli.run(["ingest", "--recorded-at", "2026-10-07", "--format", "json", file], now: "2026-10-08T00:00:00Z")
        #expect(json.status == 1)
        #expect(json.error == "")
        #expect(json.output.components(separatedBy: "\"reason\": ").count - 1 == 3000)
        #expect(json.output.contains("{\"row\": 3001, \"column\": \"quantity\", \"value\": \"1.5\", \"reason\": \"fraction in a quantity\"}"))
        #expect(json.output.hasPrefix("[\n  {\n    \"file\": \"\(file)\",\n    \"kind\": \"pos_lines\",\n    \"status\": \"rejected\",\n"))
    }
}

/// A period closed by an earlier version of the program: its posted files keep that version's
/// layout, so verify compares its entries with a recomputation but not its files byte for byte;
/// the same version's files are compared.
@Suite struct ClosedByAnotherVersionTests {
    @Test func verifyComparesTheFilesOfItsOwnVersionOnly() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli)
        let now = "2026-12-01T12:00:00Z"
        #expect(try cli.run(["close", "--period", "2026-10"], now: now).status == 0)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        try ReportCommandTests.sqlite(
            database, "DROP TRIGGER posted_files_no_update; UPDATE posted_files SET content = content || '; laid out otherwise' WHERE name = 'journal.ledger'")
        let sameVersion = try cli.run(["verify"], now: now)
        #expect(sameVersion.status == 1)
        #expect(sameVersion.output.contains("2026-10: the posted journal.ledger differs from a recomputation as known at the close"))
        try ReportCommandTests.sqlite(
            database, "DROP TRIGGER closed_periods_no_update; UPDATE closed_periods SET program_version = '0.4.0'")
        // The dropped triggers are verify's to report, and init's to put back.
        let restored = try cli.run(["init"], now: now)
        #expect(restored.output.contains("posted_files_no_update") && restored.output.contains("closed_periods_no_update"), "\(restored.output)")
        let otherVersion = try cli.run(["verify"], now: now)
        #expect(otherVersion.status == 0, "\(otherVersion.output)")
    }
}
