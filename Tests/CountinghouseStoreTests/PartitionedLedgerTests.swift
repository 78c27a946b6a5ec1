// A PostgreSQL ledger partitioned by month of recorded_at (MonthPartitions.swift): a ledger holding
// rows converts with its rows, reads as known at any time and `verify` unchanged; each month's
// files land in that month's partition, made as the first file of the month lands; the natural
// key stays unique across months; a read as known at T touches only the partitions up to T's
// month; `verify` names a partition whose trigger was disabled and a row deleted from it; the
// writer role of `init --roles` appends a new month (making its partition through the owner's
// function) and can alter no partition and make nothing else. (The whole suite also runs on this
// layout: `make test` runs it a third time with COUNTINGHOUSE_POSTGRES_LAYOUT=partitioned.)
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("Partitioned ledger", .enabled(if: StoreFlavor.postgresURL != nil))
struct PartitionedLedgerTests {
    /// The instant of a day of a month of 2026 (UTC, noon).
    static func at(_ month: Int64, _ day: Int64) -> Instant {
        let date = CivilDate(year: 2026, month: month, day: day)!
        return Instant(nanosecondsSinceEpoch: (date.daysSinceEpoch * 86_400 + 43_200) * Instant.nanosecondsPerSecond)
    }

    static func file(_ name: String, _ month: Int64, _ day: Int64, _ kind: LedgerKind = .posLines) -> IngestFileInfo {
        IngestFileInfo(name: name, sha256: "sha-of-\(name)", kind: kind, byteCount: 100, recordedAt: at(month, day))
    }

    /// Files over three months (January, February, April) of POS lines and items; February's file
    /// re-sends one of January's lines (a duplicate).
    static func fillThreeMonths(_ store: any LedgerStore) throws {
        try append(store, file("jan.csv", 1, 10), [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3)])
        try append(store, file("items-jan.csv", 1, 11, .items), [item("SKU-1", cost: 100, row: 2)])
        try append(store, file("feb.csv", 2, 3), [posLine("B1", 1, row: 2), posLine("A1", 1, row: 3)])
        try append(store, file("items-feb.csv", 2, 4, .items), [item("SKU-1", cost: 120, row: 2)])
        try append(store, file("apr.csv", 4, 30), [posLine("C1", 1, row: 2)])
    }

    /// Every read a report makes of the rows, as known at several times.
    static func reads(_ store: any LedgerStore) throws -> [[StoredRow]] {
        try LedgerKind.allCases.flatMap { kind in
            try [nil, at(1, 10), at(1, 31), at(2, 3), at(3, 1), at(4, 30)].map { try store.rows(of: kind, knownAt: $0) }
        }
    }

    /// A plain PostgreSQL ledger (whatever COUNTINGHOUSE_POSTGRES_LAYOUT says) on a fresh schema.
    static func withPlainLedger(_ body: (PostgresStore, String) throws -> Void) throws {
        try withFreshDatabase(.postgres) { locator in
            let store = try PostgresStore(conninfo: locator, newLedgerLayout: .plain)
            try store.migrate()
            #expect(try store.layout() == .plain)
            try body(store, locator)
        }
    }

    @Test func aLedgerHoldingRowsConvertsWithItsReadsAndVerifyUnchanged() throws {
        try Self.withPlainLedger { store, locator in
            try Self.fillThreeMonths(store)
            let rows = try Self.reads(store)
            let stock = try store.refreshCostCache(rebuild: true)
            #expect(try LedgerVerifier.verify(store).passed)

            let report = try store.partitionByMonth()
            #expect(report.converted == LedgerKind.allCases.map(\.schema.tableName))
            #expect(report.partitions["ledger_pos_lines"] == [
                "ledger_pos_lines_202601", "ledger_pos_lines_202602", "ledger_pos_lines_202604",
            ])
            #expect(report.partitions["ledger_items"] == ["ledger_items_202601", "ledger_items_202602"])
            #expect(report.partitions["ledger_transfers"] == [])
            #expect(try store.layout() == .partitioned)
            // Each row is in its month's partition (February's A1 line was a duplicate of January's).
            for (partition, count) in [("ledger_pos_lines_202601", 2), ("ledger_pos_lines_202602", 1), ("ledger_pos_lines_202604", 1)] {
                #expect(try store.scalar("SELECT count(*) FROM \(partition)") == Int64(count), "\(partition)")
            }
            #expect(try store.scalar("SELECT count(*) FROM ledger_pos_lines_keys") == 4)

            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try Self.reads(reopened) == rows)
            // Streamed, a month's partition at a time in pages of any size: the rows in seq order.
            for kind in [LedgerKind.posLines, .items] {
                for knownAt in [nil, Self.at(1, 31), Self.at(2, 3), Self.at(4, 30)] {
                    for pageSize in [1, 2, 1_000] {
                        var streamed: [StoredRow] = []
                        try #require(reopened as? SQLLedgerStore).forEachRow(of: kind, knownAt: knownAt, pageSize: pageSize) {
                            streamed.append($0)
                        }
                        #expect(try streamed == reopened.rows(of: kind, knownAt: knownAt), "\(kind) \(String(describing: knownAt)) \(pageSize)")
                    }
                }
            }
            let verified = try LedgerVerifier.verify(reopened)
            #expect(verified.passed, "\(verified.findings)")
            #expect(try reopened.refreshCostCache(rebuild: true).skusRepriced == stock.skusRepriced)
            // Again: nothing left to convert, nothing changed.
            #expect(try store.partitionByMonth().converted == [])
            #expect(try Self.reads(reopened) == rows)
        }
    }

    @Test func aNewMonthGetsItsPartitionAndKeysStayUniqueAcrossMonths() throws {
        try withFreshDatabase(.postgres) { locator in
            let store = try PostgresStore(conninfo: locator, newLedgerLayout: .partitioned)
            try store.migrate()
            #expect(try store.layout() == .partitioned)
            #expect(try store.driver.partitions(of: "ledger_pos_lines") == [])
            try Self.fillThreeMonths(store)
            #expect(try store.driver.partitions(of: "ledger_pos_lines") == [
                "ledger_pos_lines_202601", "ledger_pos_lines_202602", "ledger_pos_lines_202604",
            ])
            // The first file of a table drops and rebuilds its indexes: rebuilt for every partition
            // (as the catalog words a partitioned table's index, `ON ONLY`, it would be invalid).
            #expect(try store.scalar(
                "SELECT count(*) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                    + "WHERE i.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema()) AND NOT x.indisvalid") == 0)
            // Its primary key, natural key and (sku, occurred_at): the parent's three.
            #expect(try store.scalar(
                "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'ledger_pos_lines_202604'") == 3)

            // In May: a January row re-sent as it was is a duplicate; with another price, a conflict
            // naming January's file; a new row lands in May's partition.
            let may = try #require(appended(try append(
                store, Self.file("may.csv", 5, 2), [posLine("A1", 1, row: 2), posLine("D1", 1, row: 3)])))
            #expect(may.rowsAccepted == 1 && may.rowsDuplicate == 1)
            #expect(try store.scalar("SELECT count(*) FROM ledger_pos_lines_202605") == 1)
            let refused = try #require(rejections(try append(
                store, Self.file("may-2.csv", 5, 3), [posLine("A1", 2, row: 2, price: 999)])))
            #expect(refused.count == 1 && refused[0].row == 2)
            #expect(refused[0].description.contains("jan.csv"), "\(refused[0])")
            #expect(try store.driver.partitions(of: "ledger_pos_lines").last == "ledger_pos_lines_202605")

            // The key table refuses a repeated key, whatever month a row would go to.
            #expect(throws: StoreError.self) {
                try store.execute("INSERT INTO ledger_pos_lines_keys (natural_key, seq) SELECT natural_key, 999 FROM ledger_pos_lines_keys LIMIT 1")
            }
            // A month outside what recorded_at holds, or a table that is not the ledger's, is refused.
            for call in ["'ledger_pos_lines', 2300, 1", "'files', 2026, 1", "'ledger_pos_lines', 2026, 13"] {
                #expect(throws: StoreError.self) { try store.execute("SELECT countinghouse_month_partition(\(call))") }
            }
            #expect(try LedgerVerifier.verify(store).passed)
        }
    }

    @Test func aReadAsKnownAtAnEarlyTimeTouchesOnlyTheMonthsUpToIt() throws {
        try withFreshDatabase(.postgres) { locator in
            let store = try PostgresStore(conninfo: locator, newLedgerLayout: .partitioned)
            try store.migrate()
            try Self.fillThreeMonths(store)
            func plan(_ knownAt: Instant) throws -> String {
                let select = LedgerDDL.selectStored(
                    LedgerKind.posLines.schema, where: LedgerDDL.knowledgeConditions(LedgerKind.posLines.schema, knownAt, nil))
                return try store.queryRows("EXPLAIN " + select, integerColumns: [false]).map(\.[0].description)
                    .joined(separator: "\n")
            }
            let january = try plan(Self.at(1, 31))
            #expect(january.contains("ledger_pos_lines_202601"))
            #expect(!january.contains("ledger_pos_lines_202602") && !january.contains("ledger_pos_lines_202604"), "\(january)")
            let march = try plan(Self.at(3, 15))
            #expect(march.contains("ledger_pos_lines_202602") && !march.contains("ledger_pos_lines_202604"), "\(march)")
            #expect(try store.rows(of: .posLines, knownAt: Self.at(3, 15)).count == 3)
        }
    }

    @Test func verifyNamesAPartitionWhoseTriggerWasDisabledAndTheRowDeletedFromIt() throws {
        try withFreshDatabase(.postgres) { locator in
            let store = try PostgresStore(conninfo: locator, newLedgerLayout: .partitioned)
            try store.migrate()
            try Self.fillThreeMonths(store)
            // The parent's trigger does not fire for a statement naming a partition: its own does.
            #expect(throws: StoreError.self) { try store.execute("DELETE FROM ledger_pos_lines_202602") }
            #expect(throws: StoreError.self) { try store.execute("TRUNCATE ledger_pos_lines_keys") }

            try store.execute("ALTER TABLE ledger_pos_lines_202602 DISABLE TRIGGER USER")
            try store.execute("DELETE FROM ledger_pos_lines_202602 WHERE natural_key LIKE '%B1%'")
            let verified = try LedgerVerifier.verify(store)
            #expect(!verified.passed)
            let findings = "\(verified.findings)"
            #expect(findings.contains("ledger_pos_lines_202602: the append-only trigger ledger_pos_lines_202602_append_only is disabled"), "\(findings)")
            #expect(findings.contains("ledger_pos_lines"), "\(findings)")
            #expect(try store.verifyHashChains().contains { $0.table == "ledger_pos_lines" })

            // `init` puts the partition's trigger back.
            let restored = try openLedgerStore(locator: locator, mode: .createOrMigrate).migrate().restoredTriggers
            #expect(restored.map(\.table) == ["ledger_pos_lines_202602"])
            #expect(try store.verifyAppendOnlyTriggers().isEmpty)
        }
    }

    @Test func theWriterAppendsANewMonthAndCanAlterNoPartition() throws {
        try withFreshDatabase(.postgres) { locator in
            let admin = try PostgresStore(conninfo: locator, newLedgerLayout: .partitioned)
            try admin.migrate()
            try append(admin, Self.file("jan.csv", 1, 10), [posLine("A1", 1, row: 2)])
            let prefix = LeastPrivilegeTests.uniquePrefix()
            let roles = try admin.setUpRoles(prefix: prefix)
            defer {
                try? admin.execute("DROP OWNED BY \(roles.owner), \(roles.writer) CASCADE")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.owner)")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.writer)")
            }
            let writer = try #require(
                try openLedgerStore(locator: LeastPrivilegeTests.locator(locator, as: roles.writer), mode: .existingOnly)
                    as? PostgresStore)
            // February's first file makes February's partition, owned by the owner.
            try append(writer, Self.file("feb.csv", 2, 3), [posLine("B1", 1, row: 2)])
            #expect(try writer.driver.partitions(of: "ledger_pos_lines") == ["ledger_pos_lines_202601", "ledger_pos_lines_202602"])
            #expect(try admin.queryRows(
                "SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = to_regclass('ledger_pos_lines_202602')",
                integerColumns: [false]).first?[0].description == roles.owner)
            #expect(try LedgerVerifier.verify(writer).passed)

            for partition in ["ledger_pos_lines_202601", "ledger_pos_lines_202602", "ledger_pos_lines_keys"] {
                for statement in [
                    "UPDATE \(partition) SET seq = seq", "DELETE FROM \(partition)", "TRUNCATE \(partition)",
                    "ALTER TABLE \(partition) DISABLE TRIGGER ALL", "DROP TABLE \(partition)",
                ] {
                    #expect(performing: { try writer.execute(statement) }, throws: LeastPrivilegeTests.refusedForWantOfRights)
                }
            }
            #expect(performing: { try writer.execute("ALTER TABLE ledger_pos_lines DETACH PARTITION ledger_pos_lines_202601") },
                    throws: LeastPrivilegeTests.refusedForWantOfRights)
            #expect(try writer.rows(of: .posLines, knownAt: nil).count == 2)
        }
    }

    /// A superuser converting a ledger whose roles are set up: the owner keeps owning what the
    /// conversion makes, so the writer's next month still gets its partition.
    @Test func aConversionBySomeoneElseLeavesTheOwnerOwningTheTables() throws {
        try Self.withPlainLedger { admin, locator in
            try append(admin, Self.file("jan.csv", 1, 10), [posLine("A1", 1, row: 2)])
            let roles = try admin.setUpRoles(prefix: LeastPrivilegeTests.uniquePrefix())
            defer {
                try? admin.execute("DROP OWNED BY \(roles.owner), \(roles.writer) CASCADE")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.owner)")
                try? admin.execute("DROP ROLE IF EXISTS \(roles.writer)")
            }
            #expect(try admin.partitionByMonth().converted.count == LedgerKind.allCases.count)
            let owners = try admin.queryRows(
                "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname LIKE 'ledger\\_%' "
                    + "AND relkind IN ('r', 'p') AND relnamespace = to_regnamespace($1)", [.text(roles.schema)],
                integerColumns: [false])
            #expect(owners.map(\.[0].description) == [roles.owner])
            let writer = try openLedgerStore(locator: LeastPrivilegeTests.locator(locator, as: roles.writer), mode: .existingOnly)
            try append(writer, Self.file("feb.csv", 2, 3), [posLine("B1", 1, row: 2)])
            #expect(try writer.rows(of: .posLines, knownAt: nil).count == 2)
            #expect(try LedgerVerifier.verify(writer).passed)
        }
    }
}
