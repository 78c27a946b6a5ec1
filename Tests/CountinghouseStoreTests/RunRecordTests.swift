// The nightly run's records, on both stores: appended with ids in order and read back whole (the
// details byte for byte); refused UPDATE, DELETE and TRUNCATE by the database itself; checked and
// restored like every append-only table; added to a version-7 ledger by migration 8.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite struct RunRecordTests {
    static func record(
        _ number: Int64, status: String = "done", exitStatus: Int32 = 0, message: String = "all inputs ingested",
        details: String = "{}"
    ) -> RunRecord {
        RunRecord(
            id: 99, startedAt: instant(number), endedAt: Instant(nanosecondsSinceEpoch: instant(number).nanosecondsSinceEpoch + 1),
            status: status, exitStatus: exitStatus, businessDate: CivilDate(daysSinceEpoch: 20_700 + number),
            knowledgeTime: Instant(nanosecondsSinceEpoch: instant(number).nanosecondsSinceEpoch - 7), message: message, details: details)
    }

    /// Unicode in several forms (composed and decomposed, beyond the BMP, right to left), JSON
    /// escapes, a tab, newlines, quotes, backslashes and text that looks like SQL placeholders.
    static let details = """
        {"inputs": [{"name": "caf\u{E9}/pos 2026-10-31.csv", "sha256": "ab12", "fate": "ingested"},
        \t{"name": "cafe\u{301}/refunds.csv", "fate": "skipped: known \\"sha\\" C:\\\\in"}],
        "note": "🧾 €12,50 — تم $1 ?1 '' -- /* x */ \\u0000", "durations_ms": {"ingest": 1234}}

        """

    @Test(arguments: StoreFlavor.all)
    func runsAreAppendedInOrderAndReadBackWhole(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            #expect(try store.runs().isEmpty)
            #expect(try store.run(id: 1) == nil)
            let records = [
                Self.record(1, details: Self.details),
                Self.record(2, status: "done_with_exceptions", exitStatus: 3, message: "2 files rejected: see report"),
                Self.record(3, status: "failed", exitStatus: 75, message: "l'entrepôt « Nord » était occupé", details: ""),
            ]
            #expect(try records.map(store.appendRun) == [1, 2, 3])
            var expected = records
            for index in expected.indices { expected[index].id = Int64(index + 1) }
            #expect(try store.runs() == expected)
            #expect(try store.run(id: 2) == expected[1])
            #expect(try store.run(id: 4) == nil)
            // Through another connection, byte for byte.
            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            let stored = try #require(try reopened.run(id: 1))
            #expect(stored == expected[0])
            #expect(Array(stored.details.utf8) == Array(Self.details.utf8))
            #expect(try reopened.appendRun(Self.record(4)) == 4)
        }
    }

    /// The extremes of each number round-trip exactly.
    @Test(arguments: StoreFlavor.all)
    func extremeInstantsAndExitStatusesRoundTrip(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ throws in
            let record = RunRecord(
                startedAt: Instant(nanosecondsSinceEpoch: .min), endedAt: Instant(nanosecondsSinceEpoch: .max), status: "",
                exitStatus: .min, businessDate: CivilDate(daysSinceEpoch: 0), knowledgeTime: Instant(nanosecondsSinceEpoch: 0),
                message: "", details: "")
            var second = record
            second.exitStatus = .max
            #expect(try store.appendRun(record) == 1)
            #expect(try store.appendRun(second) == 2)
            second.id = 2
            var first = record
            first.id = 1
            #expect(try store.runs() == [first, second])
        }
    }

    @Test(arguments: StoreFlavor.all)
    func theDatabaseRefusesToChangeOrRemoveARun(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            _ = try store.appendRun(Self.record(1))
            var statements = ["UPDATE runs SET status = 'done' WHERE run_id = 1", "DELETE FROM runs WHERE run_id = 1"]
            if flavor == .postgres { statements.append("TRUNCATE runs") }
            for statement in statements {
                #expect {
                    try execute(store, statement)
                } throws: { error in
                    "\(error)".contains("runs is append-only")
                }
            }
            #expect(try store.runs().map(\.id) == [1])
        }
    }

    /// `verify` finds the runs' trigger dropped, and `init` puts it back.
    @Test(arguments: StoreFlavor.all)
    func aDroppedRunsTriggerIsFoundAndInitRestoresIt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            let trigger: String
            switch flavor {
            case .sqlite: trigger = "runs_no_delete"
            case .postgres: trigger = "runs_append_only"
            }
            try execute(store, flavor == .sqlite ? "DROP TRIGGER \(trigger)" : "DROP TRIGGER \(trigger) ON runs")
            let expected = AppendOnlyProblem(table: "runs", trigger: trigger, kind: .missing)
            #expect(try store.verifyAppendOnlyTriggers() == [expected])
            #expect(try !LedgerVerifier.verify(store).passed)
            #expect(try openLedgerStore(locator: locator, mode: .createOrMigrate).migrate().restoredTriggers == [expected])
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
        }
    }

    /// A ledger an earlier program left at schema version 7 gets the runs table on opening, and
    /// verifies before and after its first run is recorded.
    @Test(arguments: StoreFlavor.all)
    func aVersion7LedgerMigratesTo8AndKeepsVerifying(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try LedgerIntegrityTests.fill(store)
            try LedgerIntegrityTests.revertSchema8(store)
            let sql = try #require(store as? SQLLedgerStore)
            #expect(try sql.schemaVersion() == 7 && !sql.tableExists("runs"))

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [8, 9, 10, 11])
            #expect(try LedgerVerifier.verify(reopened).passed)
            #expect(try reopened.runs().isEmpty)
            #expect(try reopened.appendRun(Self.record(1)) == 1)
            let report = try LedgerVerifier.verify(reopened)
            #expect(report.passed, "\(report.findings)")
            #expect(try reopened.verifyAppendOnlyTriggers().isEmpty)
            #expect {
                try execute(reopened, "DELETE FROM runs")
            } throws: { error in
                "\(error)".contains("runs is append-only")
            }
        }
    }
}
