import Foundation
import Testing

/// Least privilege and tamper evidence, as an operator meets them: `init --roles` on PostgreSQL
/// creates the owner and writer roles, and the nightly job (run, ingest, report, close, verify)
/// works as the writer, which cannot change a ledger row (the owner can, and verify names the row);
/// on SQLite `--roles` is a usage error. A
/// row changed or deleted by someone who got past the triggers is named by `verify` (table, file,
/// row or ledger sequence) on both stores. Quotes, semicolons and `'); DROP TABLE …` in every text
/// column of a file, and in its name, land and come back exactly.
@Suite struct LeastPrivilegeCLITests {
    /// Runs SQL through psql: its status, what it printed (unaligned, without headers) and its errors.
    static func psql(_ url: String, _ sql: String) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let (output, error) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let errors = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: printed, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    @Test func rolesOnSQLiteAreAUsageErrorAndCreateNothing() throws {
        let cli = try CLI(initialised: false)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        let result = try cli.run(["init", "--roles"])
        #expect(result.status == 2)
        #expect(result.output == "")
        #expect(result.error == """
            error: --roles: roles are a PostgreSQL feature, and this ledger is a SQLite file (\(database)); on SQLite \
            the file's permissions are the equivalent: let the nightly job's user write the file and its directory, and \
            others at most read them

            """)
        #expect(!FileManager.default.fileExists(atPath: database))
        let prefixAlone = try cli.run(["init", "--role-prefix", "books"])
        #expect(prefixAlone.status == 2)
        #expect(prefixAlone.error.hasPrefix("Error: --role-prefix goes with --roles\n"))
    }

    @Test(.enabled(if: TestDatabase.postgresURL != nil))
    func theNightlyJobRunsAsTheWriterWhichCannotChangeALedgerRow() throws {
        let cli = try CLI(postgres: true, initialised: false)
        let owner = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        let prefix = "ch_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10)
        let created = try cli.run(["init", "--roles", "--role-prefix", prefix])
        #expect(created.status == 0, "\(created.error)")
        #expect(created.output == """
            role \(prefix)_owner (created): owns schema public and its tables; runs init after an upgrade
            role \(prefix)_writer (created): may read, and only append to what was recorded (the nightly job runs as it)
            the new roles may log in but have no password: set one with \\password in psql, or use peer or certificate authentication
            ledger ready: \(owner) (schema version 11)

            """)
        let again = try cli.run(["init", "--roles", "--role-prefix", prefix])
        #expect(again.status == 0)
        #expect(again.output.hasPrefix("role \(prefix)_owner (kept): owns schema public"))
        #expect(!again.output.contains("password"))

        // The nightly job, as the writer.
        let writer = owner + "&user=\(prefix)_writer"
        cli.environment["COUNTINGHOUSE_DATABASE"] = writer
        try RunCommandTests.deliver(cli)
        let run = try RunCommandTests.run(cli)
        #expect(run.status == 0, "\(run.output)\(run.error)")
        let late = try cli.write("late/pos_lines.csv", """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            O-9,1,2026-10-30T10:00:00Z,S01,A,SALE,1,10.00

            """)
        #expect(try cli.run(["ingest", late], now: "2026-11-02T06:00:00Z").status == 0)
        for arguments in [["report", "--period", "2026-10", "--out", "r"], ["close", "--period", "2026-10"], ["verify"], ["runs"]] {
            let result = try cli.run(arguments, now: "2026-11-02T07:00:00Z")
            #expect(result.status == 0, "\(arguments): \(result.error)")
        }
        // The writer cannot change a row, nor get past the triggers.
        for sql in [
            "UPDATE ledger_pos_lines SET unit_price = 0", "DELETE FROM ledger_pos_lines", "TRUNCATE files",
            "ALTER TABLE ledger_pos_lines DISABLE TRIGGER ALL", "DROP TRIGGER files_append_only ON files",
        ] {
            let attempt = try Self.psql(writer, sql)
            #expect(attempt.status != 0, "\(sql)")
            #expect(attempt.error.contains("permission denied") || attempt.error.contains("must be owner"), "\(sql): \(attempt.error)")
        }
        #expect(try cli.run(["verify"], now: "2026-11-02T07:00:00Z").status == 0)

        // The owner can get past the triggers; verify, run as the writer, names what it changed.
        let tampered = try Self.psql(
            owner + "&user=\(prefix)_owner",
            "ALTER TABLE ledger_pos_lines DISABLE TRIGGER ALL; UPDATE ledger_pos_lines SET unit_price = 1 WHERE seq = 1; "
                + "ALTER TABLE ledger_pos_lines ENABLE TRIGGER ALL")
        #expect(tampered.status == 0, "\(tampered.error)")
        let verify = try cli.run(["verify"], now: "2026-11-02T07:00:00Z")
        #expect(verify.status == 1)
        #expect(verify.output.contains(
            "  ledger hash chains: ledger_pos_lines: the row of 2026-10-25/pos_lines.csv row 2 (order_id=O-1, line_no=1) "
                + "(ledger sequence 1) was altered behind the program's back"))
    }

    /// Two pos_lines files (4 rows, then 2); the owner gets past the triggers, changes the second
    /// row's price and deletes the third row and the last one, then puts the triggers back.
    @Test(arguments: storeKinds)
    func verifyNamesTheTableAndTheRowOfAChangedOrDeletedRow(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        try cli.write("in/first.csv", """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            O1,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,1,5.00
            O1,2,2026-10-06T10:00:00Z,S01,SKU1,SALE,1,5.00
            O2,1,2026-10-06T11:00:00Z,S01,SKU1,SALE,1,5.00
            O2,2,2026-10-06T11:00:00Z,S01,SKU1,SALE,1,5.00

            """)
        try cli.write("in/second.csv", """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            O3,1,2026-10-07T10:00:00Z,S01,SKU1,SALE,1,5.00
            O3,2,2026-10-07T10:00:00Z,S01,SKU1,SALE,1,5.00

            """)
        #expect(try cli.run(["ingest", "in/first.csv", "in/second.csv"], now: "2026-10-07T20:00:00Z").status == 0)
        let database = try #require(cli.environment["COUNTINGHOUSE_DATABASE"])
        let tamper = "UPDATE ledger_pos_lines SET unit_price = 1 WHERE seq = 2; DELETE FROM ledger_pos_lines WHERE seq IN (3, 6);"
        if postgres {
            let done = try Self.psql(
                database,
                "ALTER TABLE ledger_pos_lines DISABLE TRIGGER ALL; \(tamper) ALTER TABLE ledger_pos_lines ENABLE TRIGGER ALL")
            #expect(done.status == 0, "\(done.error)")
        } else {
            try ReportCommandTests.sqlite(
                database, "DROP TRIGGER ledger_pos_lines_no_update; DROP TRIGGER ledger_pos_lines_no_delete; \(tamper)")
            // The triggers back, as someone covering their tracks would: init restores them.
            #expect(try cli.run(["init"]).output.contains("restored: ledger_pos_lines: the append-only trigger"))
        }
        let verify = try cli.run(["verify"], now: "2026-10-08T06:00:00Z")
        #expect(verify.status == 1)
        let chains = verify.output.split(separator: "\n").map(String.init).filter { $0.contains("ledger hash chains") }
            .map { $0.replacing(/[0-9a-f]{12}…/, with: "<hash>…") }
        #expect(chains == [
            "FAILED ledger hash chains (4)",
            "  ledger hash chains: ledger_pos_lines: the row of in/first.csv row 3 (order_id=O1, line_no=2) (ledger sequence 2) "
                + "was altered behind the program's back: its stored hash <hash>… is not the chain's <hash>…",
            "  ledger hash chains: ledger_pos_lines: ledger sequence 3 is gone, just before the row of in/first.csv row 5 "
                + "(order_id=O2, line_no=2) (ledger sequence 4): deleted behind the program's back",
            "  ledger hash chains: ledger_pos_lines: file in/first.csv (id 1) recorded 4 rows and chain head <hash>…; the ledger "
                + "holds 3 rows of it (a row was deleted behind the program's back)",
            "  ledger hash chains: ledger_pos_lines: file in/second.csv (id 2) recorded 2 rows and chain head <hash>…; the "
                + "ledger holds 1 row of it (a row was deleted behind the program's back, from the table's end: ledger sequence 6)",
        ])
    }

    /// Every text column of a purchases and a pos_lines file, and the files' names, hold quotes,
    /// semicolons, `'); DROP TABLE …; --` and backslashes: they land, and the reports show them.
    @Test(arguments: storeKinds)
    func hostileTextInEveryColumnAndFileNameRoundTrips(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let purchases = "in/it's; DROP TABLE files; --.csv"
        let lines = "in/\"lines\"); DROP TABLE ledger_pos_lines; --.csv"
        try cli.write(purchases, """
            document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,supplier
            "GR'1; --",1,2026-10-05T09:00:00Z,"S'); DROP TABLE files; --","SKU ""q"" \\ ;",RECEIVE,10,2.50,"Acme'); DROP TABLE ledger_purchases; --"

            """)
        try cli.write(lines, """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            "O'1; DROP TABLE ledger_pos_lines; --",1,2026-10-06T10:00:00Z,"S'); DROP TABLE files; --","SKU ""q"" \\ ;",SALE,3,5.00

            """)
        let ingest = try cli.run(["ingest", purchases, lines], now: "2026-10-06T20:00:00Z")
        #expect(ingest.status == 0, "\(ingest.error)")
        let stock = try cli.run(["stock", "--format", "csv"], now: "2026-10-07T00:00:00Z")
        #expect(stock.output == """
            sku,location,quantity_on_hand,value,pending_quantity
            "SKU ""q"" \\ ;",S'); DROP TABLE files; --,7,17.50,0

            """)
        let trail = try cli.run(
            ["trail", "--sku", "SKU \"q\" \\ ;", "--location", "S'); DROP TABLE files; --", "--format", "csv"], now: "2026-10-07T00:00:00Z")
        #expect(trail.status == 0, "\(trail.error)")
        #expect(trail.output == """
            occurred_at,event,document_id,line_no,quantity,value,unit_cost,quantity_on_hand,value_on_hand,pending_on_hand,flags,recorded_at,source
            2026-10-05T09:00:00+00:00,PURCHASE_RECEIPT,GR'1; --,1,10,25.00,2.5000,10,25.00,0,,2026-10-06T20:00:00+00:00,in/it's; DROP TABLE files; --.csv:2
            2026-10-06T10:00:00+00:00,SALE,O'1; DROP TABLE ledger_pos_lines; --,1,-3,-7.50,2.5000,7,17.50,0,,2026-10-06T20:00:00+00:00,"in/""lines""); DROP TABLE ledger_pos_lines; --.csv:2"
            ,  from layer,GR'1; --,1,3,7.50,2.5000,,,,,2026-10-06T20:00:00+00:00,in/it's; DROP TABLE files; --.csv:2

            """)
        let files = try cli.run(["files"], now: "2026-10-07T00:00:00Z")
        #expect(files.output.contains(purchases) && files.output.contains(lines))
        let verify = try cli.run(["verify"], now: "2026-10-07T00:00:00Z")
        #expect(verify.status == 0, "\(verify.output)")
        // Ingesting the same files again skips them whole (their names and contents found as they are).
        let again = try cli.run(["ingest", purchases, lines], now: "2026-10-07T20:00:00Z")
        #expect(again.status == 0)
        #expect(!again.output.contains("accepted"), "\(again.output)")
    }
}
