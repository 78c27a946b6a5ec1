import Foundation
import Testing

/// The ledger as an operator meets it: a mistyped path is refused (not created empty) with its own
/// exit status; while another process holds the write lock, readers go on and a second writer
/// gives up after the busy timeout with the "try again" status.
@Suite struct LedgerAccessCLITests {
    @Test func aLedgerThatDoesNotExistIsRefusedByEveryCommandButInit() throws {
        let cli = try CLI(initialised: false)
        let typo = cli.directory.appendingPathComponent("ledgr.sqlite").path
        cli.environment["COUNTINGHOUSE_DATABASE"] = typo
        for arguments in [["close", "--period", "2026-10"], ["files"], ["report", "--period", "2026-10", "--out", "r"], ["verify"]] {
            let result = try cli.run(arguments, now: "2026-12-01T12:00:00Z")
            #expect(result.status == 69, "\(arguments)")
            #expect(
                result.error == "error: no ledger at \(typo): the file does not exist (nothing was created). Check the database path (--database, COUNTINGHOUSE_DATABASE or countinghouse.toml), or run `countinghouse init` to create a ledger there\n",
                "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: typo))
        #expect(!FileManager.default.fileExists(atPath: cli.directory.appendingPathComponent("r").path))
        let created = try cli.run(["init"])
        #expect(created.status == 0)
        #expect(created.output == "ledger ready: \(typo) (schema version 11)\n")
        #expect(try cli.run(["files"]).status == 0)
    }

    @Test func whileAnotherProcessWritesReadersGoOnAndASecondWriterGivesUp() throws {
        let cli = try CLI()
        try ReportCommandTests.ingest(cli, late: false)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        // Another writer: the sqlite3 shell holds the write lock for four seconds.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", database]
        let script = Pipe()
        holder.standardInput = script
        holder.standardOutput = Pipe()
        try holder.run()
        script.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\n.shell sleep 4\nCOMMIT;\n".utf8))
        try script.fileHandleForWriting.close()
        Thread.sleep(forTimeInterval: 0.5)
        defer { holder.waitUntilExit() }

        cli.environment["COUNTINGHOUSE_BUSY_TIMEOUT"] = "1"
        let now = "2026-12-01T12:00:00Z"
        #expect(try cli.run(["files"], now: now).status == 0)
        // A report needs the cost cache brought up to date, which would write: it computes the costs
        // from the rows instead of waiting.
        let report = try cli.run(["report", "--period", "2026-10", "--out", "r"], now: now)
        #expect(report.status == 0, "\(report.error)")
        let started = Date()
        let ingest = try cli.run(["ingest", cli.write("late/purchases.csv", ReportCommandTests.lateReceipt)], now: now)
        #expect(ingest.status == 75)
        #expect(ingest.error.contains("is busy: another process (an ingest, a close or a cost refresh) holds its write lock"))
        #expect(Date().timeIntervalSince(started) < 3.5)
        holder.waitUntilExit()
        // Once the other process is done, the same report as known now is the same bytes from the cache.
        let again = try cli.run(["report", "--period", "2026-10", "--out", "s"], now: now)
        #expect(again.status == 0)
        for name in ["journal.csv", "cogs.csv", "valuation.csv", "trial_balance.csv"] {
            #expect(try ReportCommandTests.read(cli, "r/\(name)") == ReportCommandTests.read(cli, "s/\(name)"), "\(name)")
        }
    }
}

/// A PostgreSQL ledger whose server does not answer: its own exit status, distinct from a rejected
/// file, and a message that says the database cannot be reached.
@Suite struct UnreachableDatabaseTests {
    @Test func aServerThatDoesNotAnswerExitsWithItsOwnStatus() throws {
        let cli = try CLI(initialised: false)
        cli.environment["COUNTINGHOUSE_DATABASE"] = "postgresql://postgres@/ledger?host=\(cli.directory.path)/no-server"
        for arguments in [["files"], ["ingest", try cli.write("items.csv", "sku\nA\n")]] {
            let result = try cli.run(arguments)
            #expect(result.status == 69, "\(arguments)")
            #expect(result.error.hasPrefix("error: the ledger's database postgresql://postgres@/ledger?host="), "\(arguments)")
            #expect(result.error.contains("cannot be reached"), "\(arguments)")
        }
    }
}
