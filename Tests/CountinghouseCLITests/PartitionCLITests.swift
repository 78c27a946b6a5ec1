import Foundation
import Testing

/// `init --partition-by-month` as an operator meets it (MonthPartitions.swift): on PostgreSQL a
/// ledger holding October's files converts with what `stock` and a report say unchanged, says what
/// it did (and, run again, that nothing was left to do), and November's first file makes November's
/// partition; `verify` passes throughout. On SQLite it is a usage error that creates nothing; an
/// unknown COUNTINGHOUSE_POSTGRES_LAYOUT is refused when a ledger would be created with it.
@Suite struct PartitionCLITests {
    @Test func partitionsOnSQLiteAreAUsageErrorAndCreateNothing() throws {
        let cli = try CLI(initialised: false)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        let result = try cli.run(["init", "--partition-by-month"])
        #expect(result.status == 2)
        #expect(result.output == "")
        #expect(result.error == """
            error: --partition-by-month: partitions are a PostgreSQL feature, and this ledger is a SQLite file (\(database))

            """)
        #expect(!FileManager.default.fileExists(atPath: database))
    }

    /// Ingests a day of sample-data/ as known that evening.
    static func ingest(_ cli: CLI, _ day: String) throws -> CLI.Result {
        let folder = GoldenTests.sampleData.appendingPathComponent(day)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            .map { folder.appendingPathComponent($0).path }
        return try cli.run(["ingest", "--recorded-at", "\(day)T23:00:00Z"] + files, now: "2026-11-20T06:00:00Z")
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func aLedgerHoldingFilesConvertsAndANewMonthGetsItsPartition() throws {
        let cli = try CLI(postgres: true, initialised: false)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        cli.environment["COUNTINGHOUSE_POSTGRES_LAYOUT"] = "sideways"
        let refused = try cli.run(["init"])
        #expect(refused.status != 0)
        #expect(refused.error.contains(
            "COUNTINGHOUSE_POSTGRES_LAYOUT=sideways: the layout of a new PostgreSQL ledger is plain or partitioned"), "\(refused.error)")

        cli.environment["COUNTINGHOUSE_POSTGRES_LAYOUT"] = "plain"
        #expect(try cli.run(["init"]).status == 0)
        for day in ["2026-10-01", "2026-10-02", "2026-10-20"] {
            let result = try Self.ingest(cli, day)
            #expect(result.status == 0, "\(day): \(result.error)")
        }
        let now = "2026-11-20T06:00:00Z"
        let stock = try cli.run(["stock"], now: now)
        #expect(stock.status == 0)
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "before"], now: now).status == 0)

        let converted = try cli.run(["init", "--partition-by-month"], now: now)
        #expect(converted.status == 0, "\(converted.error)")
        #expect(converted.output == """
            ledger_counts: partitioned by month, 0 partitions
            ledger_items: partitioned by month, 1 partition
            ledger_overrides: partitioned by month, 0 partitions
            ledger_pos_lines: partitioned by month, 1 partition
            ledger_pos_tenders: partitioned by month, 1 partition
            ledger_purchases: partitioned by month, 1 partition
            ledger_settlements: partitioned by month, 1 partition
            ledger_transfers: partitioned by month, 1 partition
            ledger ready: \(database) (schema version 11)

            """)
        #expect(try cli.run(["init", "--partition-by-month"], now: now).output.hasPrefix(
            "ledger_counts: already partitioned by month, 0 partitions\n"))
        #expect(try cli.run(["stock"], now: now).output == stock.output)
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "after"], now: now).status == 0)
        for name in ["journal.csv", "trial_balance.csv", "cogs.csv", "valuation.csv"] {
            let before = try Data(contentsOf: cli.directory.appendingPathComponent("before/\(name)"))
            let after = try Data(contentsOf: cli.directory.appendingPathComponent("after/\(name)"))
            #expect(before == after, "\(name)")
        }

        // November's first file: November's partition, and the books still verify.
        #expect(try Self.ingest(cli, "2026-11-01").status == 0)
        let partitions = try LeastPrivilegeCLITests.psql(
            database, "SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i "
                + "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'ledger_pos_lines'::regclass"
        ).output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(partitions == "ledger_pos_lines_202610,ledger_pos_lines_202611")
        let verify = try cli.run(["verify"], now: now)
        #expect(verify.status == 0, "\(verify.output)")
    }
}
