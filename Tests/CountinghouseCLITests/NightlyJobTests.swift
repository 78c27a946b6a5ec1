import Foundation
import Testing

/// The nightly job as cron runs it: a root of day folders, each recorded the next morning; a
/// rejected file fails the job (exit 1, the day named) while everything else still lands.
@Suite struct NightlyJobTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("jobs/nightly.sh").path

    func runJob(_ cli: CLI, _ arguments: [String]) throws -> CLI.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = arguments
        process.currentDirectoryURL = cli.directory
        var environment = cli.environment
        environment["COUNTINGHOUSE_BIN"] = CLI.executable.path
        process.environment = environment
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLI.Result(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                          error: String(decoding: errorData, as: UTF8.self))
    }

    @Test func aRejectedFileFailsTheJobAndTheRestStillLands() throws {
        let cli = try CLI()
        try cli.write("inbox/2026-10-01/purchases.csv", IngestCommandTests.purchases)
        try cli.write("inbox/2026-10-02/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: ",3,5.00", with: ",3.5,5.00"))
        try cli.write("inbox/2026-10-03/pos_lines.csv", IngestCommandTests.sales.replacingOccurrences(of: "O1,", with: "O9,"))
        let result = try runJob(cli, [cli.directory.appendingPathComponent("inbox").path])
        #expect(result.status == 1)
        #expect(result.output.contains("REJECTED (pos_lines): 1 error"))
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
}
