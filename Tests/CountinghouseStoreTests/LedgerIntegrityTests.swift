// What `verify` finds that the hash chain alone does not, on both stores: a table's last row
// deleted behind the program's back, rows added with a file's id, an append-only trigger dropped,
// altered or disabled; `init` (a store opened `.createOrMigrate`, then `migrate()`) re-creates the
// triggers and says which; schema version 6 fills the anchors of the files already in the ledger.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("Ledger integrity")
struct LedgerIntegrityTests {
    /// Two pos_lines files (a.csv: 3 rows, b.csv: 2 rows) and a catalogue.
    static func fill(_ store: any LedgerStore) throws {
        try append(
            store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3), posLine("A2", 1, row: 4)])
        try append(store, fileInfo("items.csv", .items, at: 2), [item("SKU-1", cost: 100, row: 2)])
        try append(store, fileInfo("b.csv", at: 3), [posLine("B1", 1, row: 2), posLine("B1", 2, row: 3)])
    }

    /// Lets changes through a table's protection, as an owner with the database's keys could.
    static func unprotect(_ store: any LedgerStore, _ flavor: StoreFlavor, _ table: String) throws {
        switch flavor {
        case .sqlite:
            try execute(store, "DROP TRIGGER \(table)_no_delete")
            try execute(store, "DROP TRIGGER \(table)_no_update")
        case .postgres:
            try execute(store, "ALTER TABLE \(table) DISABLE TRIGGER USER")
        }
    }

    /// Creates again, on every ledger table, the index of that name version 1 created (its own
    /// statement; a table version 1 gave no such index is left alone).
    static func recreateVersion1Indexes(_ store: any LedgerStore, named name: (KindSchema) -> String) throws {
        for kind in LedgerKind.allCases {
            let index = name(kind.schema)
            for statement in LedgerDDL.indexes(kind.schema) where statement.contains(" \(index) ") {
                try execute(store, statement)
            }
        }
    }

    /// Takes a ledger back to schema version 10, as an earlier program left it: with the
    /// occurred_at indexes version 1 created on the ledger tables (its own statements) and version
    /// 11 dropped.
    static func revertSchema11(_ store: any LedgerStore) throws {
        try recreateVersion1Indexes(store, named: LedgerDDL.occurredAtIndex)
        try execute(store, "DELETE FROM schema_migrations WHERE version = 11")
    }

    /// Takes a ledger back to schema version 9, as an earlier program left it: without the cost
    /// cache's positions and pending indexes.
    static func revertSchema10(_ store: any LedgerStore) throws {
        try revertSchema11(store)
        try execute(store, "DROP INDEX cost_cache_deltas_positions")
        try execute(store, "DROP INDEX cost_cache_outflows_pending")
        try execute(store, "DELETE FROM schema_migrations WHERE version = 10")
    }

    /// Takes a ledger back to schema version 8, as an earlier program left it: with the recorded_at
    /// indexes version 1 created on the ledger tables (its own statements) and version 9 dropped.
    static func revertSchema9(_ store: any LedgerStore) throws {
        try revertSchema10(store)
        try recreateVersion1Indexes(store, named: LedgerDDL.recordedAtIndex)
        try execute(store, "DELETE FROM schema_migrations WHERE version = 9")
    }

    /// Takes a ledger back to schema version 7, as an earlier program left it: without the runs
    /// table version 8 added (its triggers go with it).
    static func revertSchema8(_ store: any LedgerStore) throws {
        try revertSchema9(store)
        try execute(store, "DROP TABLE runs")
        try execute(store, "DELETE FROM schema_migrations WHERE version = 8")
    }

    /// Takes a ledger back to schema version 6, as an earlier program left it: without the columns
    /// version 7 added (nor what came after).
    static func revertSchema7(_ store: any LedgerStore) throws {
        try revertSchema8(store)
        for kind in LedgerKind.allCases {
            for column in kind.schema.columns where column.sinceSchema == 7 {
                try execute(store, "ALTER TABLE \(kind.schema.tableName) DROP COLUMN \(column.storedName)")
            }
        }
        try execute(store, "DELETE FROM schema_migrations WHERE version = 7")
    }

    /// Settlements and overrides of schema version 6, stored before version 7 added columns to
    /// their tables, keep their hash chains through the migration: a row that leaves the new
    /// columns empty has the canonical content it had. A row landed after it that uses them
    /// chains on from them, and reads back whole.
    @Test(arguments: StoreFlavor.all)
    func version7AddsColumnsWithoutBreakingTheChains(_ flavor: StoreFlavor) throws {
        func settlement(_ id: String, method: String?, row: Int) -> LedgerRow {
            LedgerRow(
                kind: .settlements,
                values: [
                    .text("stripe"), .text(id), .text("CAPTURE"), .integer(baseTime), .text("USD"), .integer(1000),
                    .integer(59), .integer(941), .text("ch_\(id)"), .null, .null, .null, .text("charge"),
                    method.map { .text($0) } ?? .null,
                ],
                sourceRow: row)
        }
        func override(_ id: String, tender: Int64?, row: Int) -> LedgerRow {
            LedgerRow(
                kind: .overrides,
                values: [
                    .text(id), .text("IGNORE"), .null, .text("A1"), .null, .text("why"), .text("me"), .null,
                    tender.map { .integer($0) } ?? .null, .null,
                ],
                sourceRow: row)
        }
        try withStore(flavor) { store, locator in
            try append(store, fileInfo("s1.csv", .settlements, at: 1), [settlement("r1", method: nil, row: 2)])
            try append(store, fileInfo("o1.csv", .overrides, at: 2), [override("O1", tender: nil, row: 2)])
            try Self.revertSchema7(store)

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [7, 8, 9, 10, 11])
            #expect(try reopened.verifyHashChains().isEmpty)
            try append(reopened, fileInfo("s2.csv", .settlements, at: 3), [settlement("r2", method: "visa", row: 2)])
            try append(reopened, fileInfo("o2.csv", .overrides, at: 4), [override("O2", tender: 2, row: 2)])
            #expect(try reopened.verifyHashChains().isEmpty)
            let settlements = try reopened.rows(of: .settlements, knownAt: nil).map { SettlementRecord($0.row) }
            #expect(settlements.map(\.paymentMethod) == [nil, "visa"])
            #expect(settlements.map(\.vendorCategory) == ["charge", "charge"])
            let overrides = try reopened.rows(of: .overrides, knownAt: nil).map { Override($0.row) }
            #expect(overrides.map(\.tenderNumber) == [nil, 2])
            // The same row with and without the new column's value are different content.
            #expect(settlement("x", method: nil, row: 2).canonicalContent != settlement("x", method: "visa", row: 2).canonicalContent)
        }
    }

    static func anchors(_ store: any LedgerStore) throws -> [[FieldValue]] {
        try #require(store as? SQLLedgerStore).queryRows(
            "SELECT file_id, ledger_table, rows_accepted, chain_head FROM file_anchors ORDER BY file_id",
            integerColumns: [true, false, true, false])
    }

    @Test(arguments: StoreFlavor.all)
    func aDeletedLastRowIsFoundNamingTheTableAndTheFile(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try Self.fill(store)
            #expect(try LedgerVerifier.verify(store).passed)
            let head = try #require(try Self.anchors(store).last?[3].description)
            try Self.unprotect(store, flavor, "ledger_pos_lines")
            try execute(store, "DELETE FROM ledger_pos_lines WHERE seq = (SELECT max(seq) FROM ledger_pos_lines)")
            // What is left still chains: the hash chain alone cannot see it.
            #expect(try store.verifyHashChains().isEmpty)
            #expect(try store.verifyAnchors().map(\.description) == [
                "ledger_pos_lines: file b.csv (id 3) recorded 2 rows and chain head \(head.prefix(12))…; the ledger "
                    + "holds 1 row of it (a row was deleted behind the program's back, from the table's end: ledger sequence 5)"
            ])
            let report = try LedgerVerifier.verify(store)
            #expect(report.findings.contains {
                $0.check == "ledger hash chains" && $0.message.hasPrefix("ledger_pos_lines: file b.csv (id 3) recorded 2 rows")
            })
        }
    }

    /// A row's amount changed, or a row deleted from the middle of a table, by someone who could
    /// get past the triggers: verify names the table and the row (for a deleted row, its ledger
    /// sequence and the row after it; its file's anchor counts one row less).
    @Test(arguments: StoreFlavor.all)
    func aRowAlteredOrDeletedInTheMiddleIsFoundNamingTheTableAndTheRow(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try Self.fill(store)
            try Self.unprotect(store, flavor, "ledger_pos_lines")
            try execute(store, "UPDATE ledger_pos_lines SET unit_price = 1 WHERE seq = 2")
            let altered = try store.verifyHashChains().map(\.description)
            #expect(altered.count == 1)
            #expect(altered.first?.hasPrefix(
                "ledger_pos_lines: the row of a.csv row 3 (order_id=A1, line_no=2) (ledger sequence 2) was altered behind the "
                    + "program's back: its stored hash ") == true)
            #expect(try store.verifyAnchors().isEmpty)
        }
        try withStore(flavor) { store, _ in
            try Self.fill(store)
            try Self.unprotect(store, flavor, "ledger_pos_lines")
            try execute(store, "DELETE FROM ledger_pos_lines WHERE seq = 2")
            #expect(try store.verifyHashChains().map(\.description) == [
                "ledger_pos_lines: ledger sequence 2 is gone, just before the row of a.csv row 4 (order_id=A2, line_no=1) "
                    + "(ledger sequence 3): deleted behind the program's back"
            ])
            let anchors = try store.verifyAnchors().map(\.description)
            #expect(anchors.count == 1)
            #expect(anchors.first?.hasSuffix("the ledger holds 2 rows of it (a row was deleted behind the program's back)") == true)
            // verify lists both (and the triggers that let the change through).
            let findings = try LedgerVerifier.verify(store).findings.filter { $0.check == "ledger hash chains" }.map(\.message)
            #expect(findings.starts(with: [
                "ledger_pos_lines: ledger sequence 2 is gone, just before the row of a.csv row 4 (order_id=A2, line_no=1) "
                    + "(ledger sequence 3): deleted behind the program's back",
                try #require(anchors.first),
            ]))
        }
    }

    /// An anchor whose count was set to the extreme of 64 bits is a finding, not a crash of verify.
    @Test(arguments: StoreFlavor.all)
    func anAnchorTamperedToAnExtremeCountIsAFinding(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try Self.fill(store)
            try Self.unprotect(store, flavor, "file_anchors")
            try execute(store, "UPDATE file_anchors SET rows_accepted = -9223372036854775807 - 1 WHERE file_id = 1")
            try execute(store, "UPDATE file_anchors SET rows_accepted = 9223372036854775807 WHERE file_id = 3")
            let found = try store.verifyAnchors().map(\.description)
            #expect(found.count == 2)
            #expect(found.first?.contains("recorded -9223372036854775808 rows") == true)
            #expect(found.first?.hasSuffix("(rows were added behind the program's back)") == true)
            #expect(found.last?.hasSuffix("(rows were deleted behind the program's back)") == true)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func rowsAddedWithAFilesIdOrWithNoFileAreFound(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try Self.fill(store)
            try Self.unprotect(store, flavor, "ledger_pos_lines")
            let columns = "order_id, line_no, occurred_at, location, sku, type, quantity, unit_price, discount, tax, "
                + "currency, original_order_id, original_line_no, fulfilled_at, natural_key, recorded_at, file_id, "
                + "source_row, row_hash"
            // A copy of a.csv's first row under another key, chained as if it belonged: given b's id,
            // then a file id the ledger has no record of.
            for fileID in [3, 99] {
                try execute(
                    store,
                    "INSERT INTO ledger_pos_lines (seq, \(columns)) SELECT (SELECT max(seq) FROM ledger_pos_lines) + 1, "
                        + columns.replacingOccurrences(of: "natural_key", with: "natural_key || '#\(fileID)'")
                            .replacingOccurrences(of: "file_id", with: "\(fileID)")
                        + " FROM ledger_pos_lines WHERE seq = 1")
            }
            let found = try store.verifyAnchors().map(\.description)
            #expect(found.count == 2)
            #expect(found.first?.hasPrefix("ledger_pos_lines: file b.csv (id 3) recorded 2 rows and chain head ") == true)
            #expect(found.first?.hasSuffix("the ledger holds 3 rows of it (a row was added behind the program's back)") == true)
            #expect(found.last == "ledger_pos_lines: 1 row name file id 99, which the ledger has no pos_lines file of "
                + "(added behind the program's back)")
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aDroppedTriggerIsReportedAndInitRestoresIt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try Self.fill(store)
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
            let dropped = flavor == .sqlite ? "ledger_counts_no_delete" : "ledger_counts_append_only"
            try execute(store, flavor == .sqlite ? "DROP TRIGGER \(dropped)" : "DROP TRIGGER \(dropped) ON ledger_counts")
            let expected = AppendOnlyProblem(table: "ledger_counts", trigger: dropped, kind: .missing)
            #expect(try store.verifyAppendOnlyTriggers() == [expected])
            #expect(
                expected.description
                    == "ledger_counts: the append-only trigger \(dropped) is missing, so the database no longer refuses "
                    + "every change to what was recorded (done behind the program's back); `countinghouse init` restores it")
            let report = try LedgerVerifier.verify(store)
            #expect(report.checks.contains { $0.name == "ledger hash chains" && $0.failures == 1 })
            #expect(report.findings.map(\.message) == [expected.description])

            // Opening for any other command leaves it as it is, for verify to see.
            let reader = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reader.migrate().restoredTriggers.isEmpty)
            #expect(try reader.verifyAppendOnlyTriggers() == [expected])

            // init restores it, says so, and is idempotent.
            let initialised = try openLedgerStore(locator: locator, mode: .createOrMigrate)
            #expect(try initialised.migrate().restoredTriggers == [expected])
            #expect(try openLedgerStore(locator: locator, mode: .createOrMigrate).migrate().restoredTriggers.isEmpty)
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
            #expect(try LedgerVerifier.verify(store).passed)
            try append(store, fileInfo("count.csv", .counts, at: 4), [
                LedgerRow(kind: .counts, values: [.text("C1"), .integer(baseTime), .text("S1"), .text("SKU-1"), .integer(3), .null], sourceRow: 2)
            ])
            #expect(throws: StoreError.self) { try execute(store, "DELETE FROM ledger_counts") }
        }
    }

    @Test(arguments: StoreFlavor.all)
    func anAlteredOrDisabledTriggerIsReportedAndInitRestoresIt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try Self.fill(store)
            let expected: [AppendOnlyProblem]
            switch flavor {
            case .sqlite:
                // The same name, a trigger that lets the update through.
                try execute(store, "DROP TRIGGER files_no_update")
                try execute(store, "CREATE TRIGGER files_no_update BEFORE UPDATE ON files BEGIN SELECT 1; END")
                expected = [
                    AppendOnlyProblem(
                        table: "files", trigger: "files_no_update",
                        kind: .altered(detail: "it reads: CREATE TRIGGER files_no_update BEFORE UPDATE ON files BEGIN SELECT 1; END"))
                ]
            case .postgres:
                // A trigger that fires on TRUNCATE only, and another table's disabled.
                try execute(store, "DROP TRIGGER files_append_only ON files")
                try execute(
                    store,
                    "CREATE TRIGGER files_append_only BEFORE TRUNCATE ON files FOR EACH STATEMENT "
                        + "EXECUTE FUNCTION countinghouse_refuse_change()")
                try execute(store, "ALTER TABLE posted_files DISABLE TRIGGER posted_files_append_only")
                expected = [
                    AppendOnlyProblem(
                        table: "files", trigger: "files_append_only",
                        kind: .altered(detail: "it fires on other operations, at another time or per row")),
                    AppendOnlyProblem(table: "posted_files", trigger: "posted_files_append_only", kind: .disabled),
                ]
            }
            #expect(try store.verifyAppendOnlyTriggers() == expected)
            #expect(try openLedgerStore(locator: locator, mode: .createOrMigrate).migrate().restoredTriggers == expected)
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
            #expect(throws: StoreError.self) { try execute(store, "UPDATE files SET rows_accepted = 0") }
        }
    }

    /// PostgreSQL: every table's trigger runs one function; a function that lets changes through is
    /// reported once, and init puts the program's body back.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func anAlteredTriggerFunctionIsReportedAndInitRestoresIt() throws {
        try withStore(.postgres) { store, locator in
            try Self.fill(store)
            try execute(
                store,
                "CREATE OR REPLACE FUNCTION countinghouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
                    + "$$ BEGIN RETURN NULL; END $$")
            try execute(store, "UPDATE ledger_items SET name = 'changed'")
            let expected = AppendOnlyProblem(
                table: "every append-only table", trigger: "function countinghouse_refuse_change()",
                kind: .altered(detail: "its body was changed"))
            #expect(try store.verifyAppendOnlyTriggers() == [expected])
            #expect(try openLedgerStore(locator: locator, mode: .createOrMigrate).migrate().restoredTriggers == [expected])
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
            #expect(throws: StoreError.self) { try execute(store, "UPDATE ledger_items SET name = 'again'") }
        }
    }

    /// A ledger of schema version 5 (no anchors) opened for any command is migrated, and its files'
    /// anchors are what an append would have recorded: for a file of duplicates only, the head
    /// before it.
    @Test(arguments: StoreFlavor.all)
    func theMigrationFillsTheAnchorsOfTheFilesAlreadyInTheLedger(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try Self.fill(store)
            try append(store, fileInfo("b-again.csv", at: 4), [posLine("B1", 2, row: 2)])
            try append(store, fileInfo("items2.csv", .items, at: 5), [item("SKU-2", cost: 5, row: 2)])
            let recorded = try Self.anchors(store)
            #expect(recorded.map { $0[2] } == [.integer(3), .integer(1), .integer(2), .integer(0), .integer(1)])
            #expect(recorded[3][3] == recorded[2][3])
            // Back to version 5, as an earlier program left it.
            try Self.revertSchema7(store)
            try execute(store, "DROP TABLE file_anchors")
            try execute(store, "DELETE FROM schema_migrations WHERE version = 6")

            // While a file is landing (a process that opened the ledger before the upgrade), the
            // migration waits for it: it must not fill the anchors with that file half-there.
            let ingest = try LedgerAccessTests.LockHolder(flavor, locator: locator, lock: .ledger)
            #expect {
                try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 0)
            } throws: { error in
                guard case StoreError.busy = error else { return false }
                return true
            }
            try ingest.release()

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate().appliedVersions == [6, 7, 8, 9, 10, 11])
            #expect(try Self.anchors(reopened) == recorded)
            #expect(try reopened.verifyAnchors().isEmpty)
            #expect(try reopened.verifyAppendOnlyTriggers().isEmpty)
        }
    }

    /// Two counts of a SKU at one location and instant: the later is the greater count id in byte
    /// order (SEMANTICS §3.2), as the engine orders them, whatever collation the database's locale
    /// gives text; here a PostgreSQL column collated by ICU, where "a" sorts before "B".
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func thePlainSumsTakeTheLaterCountInByteOrderUnderAnyCollation() throws {
        try withStore(.postgres) { store, _ in
            try execute(store, "ALTER TABLE ledger_counts ALTER COLUMN count_id TYPE text COLLATE \"und-x-icu\"")
            func count(_ id: String, _ quantity: Int64, row: Int) -> LedgerRow {
                LedgerRow(
                    kind: .counts,
                    values: [.text(id), .integer(baseTime), .text("S1"), .text("SKU-1"), .integer(quantity), .integer(100)],
                    sourceRow: row)
            }
            // In byte order "B" < "a": the count "a" (7 units) is the later one.
            try append(store, fileInfo("counts.csv", .counts, at: 1), [count("a", 7, row: 2), count("B", 3, row: 3)])
            let plain = try (store as? SQLLedgerStore)?.plainOnHand(throughFileID: 1)
            #expect(plain?[SKULocation(sku: "SKU-1", location: "S1")] == 7)
            #expect(try LedgerVerifier.verify(store).passed)
        }
    }

    /// An integer PostgreSQL returns past 64 bits (a sum it computes as `numeric`) is an error, not
    /// a wrapped number; the extremes of 64 bits read exactly.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func integersPastSixtyFourBitsFromPostgreSQLAreErrors() throws {
        try withStore(.postgres) { store, _ in
            let sql = try #require(store as? SQLLedgerStore)
            #expect(try sql.queryRows("SELECT '-9223372036854775808'::bigint, 9223372036854775807::bigint, 0", [], integerColumns: [true, true, true])
                == [[.integer(.min), .integer(.max), .integer(0)]])
            for text in ["9223372036854775807::numeric + 1", "-9223372036854775809::numeric", "1.5::numeric"] {
                #expect(throws: StoreError.self) { try sql.queryRows("SELECT \(text)", [], integerColumns: [true]) }
            }
        }
    }
}
