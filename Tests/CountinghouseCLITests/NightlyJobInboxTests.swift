import Foundation
import Testing

/// What the nightly job makes of an inbox as people and systems fill it: CSV files named in upper
/// case are read, every other entry is named on standard error as skipped, and a day folder with
/// no CSV file fails the job (exit 1, the day named) instead of passing as a quiet success.
@Suite struct NightlyJobInboxTests {
    func runJob(_ cli: CLI, _ arguments: [String]) throws -> CLI.Result {
        try cli.run(
            executable: URL(fileURLWithPath: NightlyJobTests.script), arguments,
            extra: ["COUNTINGHOUSE_BIN": CLI.executable.path])
    }

    func makeFolder(_ cli: CLI, _ name: String) throws {
        try FileManager.default.createDirectory(
            at: cli.directory.appendingPathComponent(name), withIntermediateDirectories: true)
    }

    @Test func csvFilesNamedInAnyCaseAreIngestedInKindOrder() throws {
        let cli = try CLI()
        try cli.write("inbox/2026-10-01/POS_LINES.CSV", IngestCommandTests.sales)
        try cli.write("inbox/2026-10-01/Purchases.Csv", IngestCommandTests.purchases)
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        // The purchases land before the sales that need their stock, whatever the names' case.
        let purchases = try #require(result.output.range(of: "Purchases.Csv: purchases: 2 accepted"))
        let sales = try #require(result.output.range(of: "POS_LINES.CSV: pos_lines: 2 accepted"))
        #expect(purchases.lowerBound < sales.lowerBound)
        #expect(result.error.contains("2026-10-01: ingesting 2 files"))
    }

    @Test func everySkippedEntryIsNamed() throws {
        let cli = try CLI()
        let day = cli.directory.appendingPathComponent("inbox/2026-10-01").path
        try cli.write("inbox/2026-10-01/purchases.csv", IngestCommandTests.purchases)
        try cli.write("inbox/2026-10-01/notes.txt", "delivered late\n")
        try cli.write("inbox/2026-10-01/.DS_Store", "x")
        try cli.write("inbox/2026-10-01/purchases.csv.bak", "x")
        try cli.write("inbox/2026-10-01/archive/pos_lines.csv", IngestCommandTests.sales)
        try cli.write("inbox/README.txt", "drop files into day folders\n")
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.error.contains("nightly.sh: \(day): skipped .DS_Store: not a CSV file (its name does not end in .csv)\n"))
        #expect(result.error.contains("nightly.sh: \(day): skipped notes.txt: not a CSV file (its name does not end in .csv)\n"))
        #expect(result.error.contains("nightly.sh: \(day): skipped purchases.csv.bak: not a CSV file (its name does not end in .csv)\n"))
        #expect(result.error.contains("nightly.sh: \(day): skipped archive/: a folder (only the day folder's own CSV files are read)\n"))
        #expect(result.error.contains("nightly.sh: skipped \(cli.directory.path)/inbox/README.txt: not a day folder (YYYY-MM-DD)\n"))
        #expect(result.error.contains("ingesting 1 files"))
    }

    /// A CSV file whose name holds spaces is still read (as a vendor export, detected by header),
    /// and a day folder that is a symbolic link is a day folder.
    @Test func namesWithSpacesAndLinkedDayFoldersAreRead() throws {
        let cli = try CLI()
        try cli.write("inbox/2026-10-01/counts pos_lines.csv", IngestCommandTests.purchases)
        try cli.write("elsewhere/2026-10-02/pos_lines.csv", IngestCommandTests.sales)
        try FileManager.default.createSymbolicLink(
            at: cli.directory.appendingPathComponent("inbox/2026-10-02"),
            withDestinationURL: cli.directory.appendingPathComponent("elsewhere/2026-10-02"))
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("counts pos_lines.csv: purchases: 2 accepted"))
        #expect(result.output.contains("pos_lines.csv: pos_lines: 2 accepted"))
        #expect(!result.error.contains("skipped"))
    }

    @Test func anEmptyDayFolderFailsTheJobAndTheOtherDaysStillLand() throws {
        let cli = try CLI()
        try cli.write("inbox/2026-10-01/purchases.csv", IngestCommandTests.purchases)
        try makeFolder(cli, "inbox/2026-10-05")
        try cli.write("inbox/2026-10-06/notes.txt", "the POS export failed\n")
        try cli.write("inbox/2026-10-07/pos_lines.csv", IngestCommandTests.sales)
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 1)
        #expect(result.error.contains("nightly.sh: no files delivered for 2026-10-05\n"))
        #expect(result.error.contains("nightly.sh: no files delivered for 2026-10-06\n"))
        #expect(result.error.contains("nightly.sh: FAILED: no files delivered for 2 day(s): 2026-10-05 2026-10-06\n"))
        #expect(!result.error.contains("files were rejected"))
        let files = try cli.run(["files", "--format", "csv"])
        #expect(files.output.contains("2026-10-02T06:00:00+00:00,purchases,2,0"))
        #expect(files.output.contains("2026-10-08T06:00:00+00:00,pos_lines,2,0"))
    }

    /// Production runs the job on one day folder by the clock: an empty one fails it.
    @Test func anEmptyDayFolderRunAloneFailsTheJob() throws {
        let cli = try CLI()
        try makeFolder(cli, "inbox/2026-10-05")
        let result = try cli.run(
            executable: URL(fileURLWithPath: NightlyJobTests.script),
            ["--clock", cli.directory.appendingPathComponent("inbox/2026-10-05").path], now: "2026-10-06T06:00:00Z",
            extra: ["COUNTINGHOUSE_BIN": CLI.executable.path])
        #expect(result.status == 1)
        #expect(result.error.hasSuffix("nightly.sh: FAILED: no files delivered for 1 day(s): 2026-10-05\n"))
    }
}
