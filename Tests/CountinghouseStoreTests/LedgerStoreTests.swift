// The one test suite both ledger stores pass (SEMANTICS §1): appending and reading back as known at
// a time, known files, duplicates, conflicts with both versions shown, atomic files, knowledge that
// never goes backwards, append-only tables, the hash chain, migrations, item versions and the
// cross-file transfer check.
import CountinghouseCore
import Testing

import CountinghouseStore

@Suite("LedgerStore")
struct LedgerStoreTests {
    @Test(arguments: StoreFlavor.all)
    func appendsAndReadsBackAsKnownAt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let first = try #require(
                appended(
                    try append(
                        store, fileInfo("day1.csv", at: 1),
                        [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3, price: 99), posLine("A2", 1, row: 4)])))
            #expect(first.rowsAccepted == 3 && first.rowsDuplicate == 0)
            let second = try #require(
                appended(
                    try append(
                        store, fileInfo("day2.csv", at: 2),
                        [posLine("B1", 1, row: 2, occurredDay: 2), posLine("B1", 2, row: 3, occurredDay: 2)])))
            #expect(second.id > first.id)

            let all = try store.rows(of: .posLines, knownAt: nil)
            #expect(all.map { $0.row["order_id"].description } == ["A1", "A1", "A2", "B1", "B1"])
            #expect(all[1].row == posLine("A1", 2, row: 3, price: 99))
            #expect(all[1].fileName == "day1.csv" && all[1].sourceRow == 3 && all[1].fileID == first.id)
            #expect(all[3].recordedAt == instant(2))
            #expect(try store.rows(of: .posLines, knownAt: instant(1)).count == 3)
            #expect(try store.rows(of: .posLines, knownAt: Instant(nanosecondsSinceEpoch: instant(2)
                .nanosecondsSinceEpoch - 1)).count == 3)
            #expect(try store.rows(of: .posLines, knownAt: instant(0)).isEmpty)
            #expect(try store.rows(of: .posLines, knownAt: nil, occurredAtOrBefore: instant(1)).count == 3)
            #expect(try store.rows(of: .items, knownAt: nil).isEmpty)
            #expect(try store.latestRecordedAt() == instant(2))
            #expect(try store.files().map(\.name) == ["day1.csv", "day2.csv"])
            #expect(try store.files() == [first, second])
            #expect(try store.verifyHashChains().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func emptyLedgerHasNoLatestRecordedAt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ throws in
            #expect(try store.latestRecordedAt() == nil)
            #expect(try store.files().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func theSameFileTwiceIsKnown(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let rows = [posLine("A1", 1, row: 2)]
            let first = try #require(appended(try append(store, fileInfo("a.csv", at: 1), rows)))
            let again = try append(store, fileInfo("a-copy.csv", at: 2, sha: "sha-of-a.csv"), rows)
            #expect(again == .knownFile(first))
            #expect(try store.files().count == 1)
            #expect(try store.rows(of: .posLines, knownAt: nil).count == 1)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func theSameRowsUnderAnotherFileAreDuplicates(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let rows = [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3), posLine("A2", 1, row: 4)]
            try append(store, fileInfo("a.csv", at: 1), rows)
            let again = try #require(appended(try append(store, fileInfo("a-resent.csv", at: 2), rows)))
            #expect(again.rowsAccepted == 0 && again.rowsDuplicate == 3)
            // A partial overlap: two duplicates and one new row, which chains on.
            let mixed = try #require(
                appended(
                    try append(
                        store, fileInfo("mixed.csv", at: 3),
                        [posLine("A2", 1, row: 2), posLine("A3", 1, row: 3), posLine("A1", 1, row: 4)])))
            #expect(mixed.rowsAccepted == 1 && mixed.rowsDuplicate == 2)
            let stored = try store.rows(of: .posLines, knownAt: nil)
            #expect(stored.count == 4)
            #expect(stored[3].fileName == "mixed.csv" && stored[3].sourceRow == 3)
            #expect(try store.files().map(\.rowsDuplicate) == [0, 3, 2])
            #expect(try store.verifyHashChains().isEmpty)
            // Each file's anchor: a file of duplicates only keeps the head before it.
            #expect(try store.verifyAnchors().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aConflictingRowRejectsTheFileShowingBothVersions(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(store, fileInfo("old.csv", at: 1), [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3)])
            let outcome = try append(
                store, fileInfo("new.csv", at: 2),
                [
                    posLine("A9", 1, row: 2), posLine("A1", 2, row: 3, price: 1300, quantity: 2),
                    posLine("A1", 1, row: 4),
                ])
            let errors = try #require(rejections(outcome))
            #expect(errors.count == 1)
            let error = try #require(errors.first)
            #expect(error.file == "new.csv" && error.row == 3 && error.column == "quantity, unit_price")
            #expect(
                error.description
                    == "new.csv:3: column quantity, unit_price: natural key (order_id=A1, line_no=2) is already "
                    + "in the ledger with different content (ledger: file old.csv row 3): quantity ledger 1 vs "
                    + "this file 2; unit_price ledger 12.50 vs this file 13.00; send a correction as a new "
                    + "document instead of rewriting a row")
            #expect(try store.files().map(\.name) == ["old.csv"])
            #expect(try store.rows(of: .posLines, knownAt: nil).count == 2)
            #expect(try store.latestRecordedAt() == instant(1))
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aKeyRepeatedInOneFileRejectsIt(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            let outcome = try append(
                store, fileInfo("twice.csv", at: 1), [posLine("A1", 1, row: 2), posLine("A1", 1, row: 5)])
            let errors = try #require(rejections(outcome))
            #expect(errors.map(\.description) == [
                "twice.csv:5: natural key (order_id=A1, line_no=1) repeats row 2 of the same file"
            ])
            #expect(try store.files().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aProducerThatThrowsLeavesNothing(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            #expect(throws: ProducerFailure.self) {
                try store.append(fileInfo("broken.csv", at: 1)) { emit in
                    try emit(posLine("A1", 1, row: 2))
                    try emit(posLine("A1", 2, row: 3))
                    throw ProducerFailure()
                }
            }
            #expect(try store.files().isEmpty)
            #expect(try store.rows(of: .posLines, knownAt: nil).isEmpty)
            // The connection is usable afterwards and the same rows land.
            let landed = try #require(
                appended(try append(store, fileInfo("fixed.csv", at: 1), [posLine("A1", 1, row: 2)])))
            #expect(landed.rowsAccepted == 1)
            #expect(try store.verifyHashChains().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func recordedAtNeverGoesBackwards(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(store, fileInfo("a.csv", at: 5), [posLine("A1", 1, row: 2)])
            #expect {
                try append(store, fileInfo("b.csv", at: 4), [posLine("B1", 1, row: 2)])
            } throws: { error in
                guard case StoreError.recordedAtBackwards(let latest, let requested) = error else { return false }
                return latest == instant(5) && requested == instant(4)
                    && "\(error)".contains("knowledge never goes backwards")
            }
            // Equal is allowed.
            #expect(appended(try append(store, fileInfo("c.csv", at: 5), [posLine("C1", 1, row: 2)])) != nil)
            #expect(try store.files().map(\.name) == ["a.csv", "c.csv"])
        }
    }

    @Test(arguments: StoreFlavor.all)
    func ledgerTablesRefuseUpdateAndDelete(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            #expect(throws: StoreError.self) { try execute(store, "UPDATE ledger_pos_lines SET quantity = 7") }
            #expect(throws: StoreError.self) { try execute(store, "DELETE FROM ledger_pos_lines") }
            #expect(throws: StoreError.self) { try execute(store, "UPDATE files SET rows_accepted = 0") }
            #expect(throws: StoreError.self) { try execute(store, "DELETE FROM files") }
            if flavor == .postgres {
                // Statement-level triggers: refused even when no row matches (SQLite's fire per row).
                #expect(throws: StoreError.self) { try execute(store, "DELETE FROM ledger_items") }
                #expect(throws: StoreError.self) { try execute(store, "TRUNCATE ledger_pos_lines") }
                #expect(throws: StoreError.self) { try execute(store, "TRUNCATE files CASCADE") }
            }
            #expect(try store.rows(of: .posLines, knownAt: nil).map(\.row) == [posLine("A1", 1, row: 2)])
            #expect(try store.files().count == 1)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func tamperingBreaksTheHashChain(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(
                store, fileInfo("a.csv", at: 1),
                [posLine("A1", 1, row: 2), posLine("A1", 2, row: 3), posLine("A1", 3, row: 4)])
            try append(store, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
            #expect(try store.verifyHashChains().isEmpty)
            let target = try store.rows(of: .posLines, knownAt: nil)[1]
            #expect(target.sourceRow == 3)
            switch flavor {
            case .sqlite:
                try execute(store, "DROP TRIGGER ledger_pos_lines_no_update")
                try execute(store, "UPDATE ledger_pos_lines SET quantity = 7 WHERE source_row = 3")
                try execute(store, "UPDATE ledger_pos_lines SET recorded_at = recorded_at + 1 WHERE order_id = 'B1'")
            case .postgres:
                try execute(store, "ALTER TABLE ledger_pos_lines DISABLE TRIGGER USER")
                try execute(store, "UPDATE ledger_pos_lines SET quantity = 7 WHERE source_row = 3")
                try execute(store, "UPDATE ledger_pos_lines SET recorded_at = recorded_at + 1 WHERE order_id = 'B1'")
                try execute(store, "ALTER TABLE ledger_pos_lines ENABLE TRIGGER USER")
            }
            let breaks = try store.verifyHashChains()
            #expect(breaks.map(\.table) == ["ledger_pos_lines", "ledger_pos_lines"])
            #expect(breaks.map(\.sequence) == [2, 4])
            // Named by file, row and natural key, as a person looks it up.
            #expect(breaks.first.map { "\($0)".hasPrefix("ledger_pos_lines: the row of a.csv row 3 (order_id=A1, line_no=2) (ledger sequence 2) was altered behind the program's back: its stored hash ") } == true)
            #expect(breaks.map(\.fileName) == ["a.csv", "b.csv"])
        }
    }

    @Test(arguments: StoreFlavor.all)
    func migrateTwiceIsIdempotentAndANewerSchemaIsRefused(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            // The store was created by opening it: every version applied once, reported by migrate().
            let created = try store.migrate()
            #expect(created.version == ledgerSchemaVersion)
            #expect(created.appliedVersions == Array(1...ledgerSchemaVersion))
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            #expect(try store.migrate() == created)
            let reopened = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reopened.migrate() == MigrationReport(version: ledgerSchemaVersion, appliedVersions: []))
            #expect(try reopened.rows(of: .posLines, knownAt: nil).count == 1)

            try execute(store, "INSERT INTO schema_migrations (version, applied_at) VALUES (99, 0)")
            #expect {
                try openLedgerStore(locator: locator, mode: .existingOnly)
            } throws: { error in
                guard case StoreError.schemaTooNew(let found, let supported) = error else { return false }
                return found == 99 && supported == ledgerSchemaVersion
            }
        }
    }

    @Test(arguments: StoreFlavor.all)
    func itemsKeepVersions(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(store, fileInfo("items1.csv", .items, at: 1), [item("SKU-1", cost: 100, row: 2)])
            let same = try #require(
                appended(
                    try append(
                        store, fileInfo("items2.csv", .items, at: 2),
                        [item("SKU-1", cost: 100, row: 2), item("SKU-2", cost: 50, row: 3)])))
            #expect(same.rowsDuplicate == 1 && same.rowsAccepted == 1)
            let changed = try #require(
                appended(try append(store, fileInfo("items3.csv", .items, at: 3), [item("SKU-1", cost: 120, row: 2)])))
            #expect(changed.rowsAccepted == 1)
            // Back to the first cost: different from the latest version, so a new version again.
            let back = try #require(
                appended(try append(store, fileInfo("items4.csv", .items, at: 4), [item("SKU-1", cost: 100, row: 2)])))
            #expect(back.rowsAccepted == 1 && back.rowsDuplicate == 0)
            let cleared = try #require(
                appended(try append(store, fileInfo("items5.csv", .items, at: 5), [item("SKU-1", cost: nil, row: 2)])))
            #expect(cleared.rowsAccepted == 1)
            let costs = try store.rows(of: .items, knownAt: nil).filter { $0.row["sku"] == .text("SKU-1") }
                .map { $0.row["standard_cost"] }
            #expect(costs == [.integer(100), .integer(120), .integer(100), .null])
            #expect(try store.rows(of: .items, knownAt: instant(3)).count == 3)
            #expect(try store.verifyHashChains().isEmpty)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aTransferLineKeepsOneSKUAcrossFiles(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            try append(
                store, fileInfo("ship.csv", .transfers, at: 1),
                [transfer("T1", line: 1, type: "SHIP", sku: "SKU-A", row: 2)])
            let wrong = try append(
                store, fileInfo("receive.csv", .transfers, at: 2),
                [
                    transfer("T1", line: 1, type: "RECEIVE", sku: "SKU-B", receiptNo: 1, row: 2),
                    transfer("T9", line: 1, type: "SHIP", sku: "SKU-C", row: 3),
                ])
            let errors = try #require(rejections(wrong))
            #expect(errors.map(\.description) == [
                "receive.csv:2: column sku \"SKU-B\": transfer T1 line 1 differs from the ledger's SHIP row of the "
                    + "same line (file ship.csv row 2): sku \"SKU-A\" there vs \"SKU-B\" here; all rows of one "
                    + "transfer line must have one SKU and the same locations"
            ])
            #expect(try store.rows(of: .transfers, knownAt: nil).count == 1)
            let right = try append(
                store, fileInfo("receive-fixed.csv", .transfers, at: 2),
                [transfer("T1", line: 1, type: "RECEIVE", sku: "SKU-A", receiptNo: 1, row: 2)])
            #expect(appended(right)?.rowsAccepted == 1)

            // A SHIP landing after its RECEIVE is checked the same way, on the SHIP.
            try append(
                store, fileInfo("early-receive.csv", .transfers, at: 3),
                [transfer("T2", line: 1, type: "RECEIVE", sku: "SKU-A", receiptNo: 1, row: 2)])
            let late = try append(
                store, fileInfo("late-ship.csv", .transfers, at: 4),
                [transfer("T2", line: 1, type: "SHIP", sku: "SKU-A", to: "S3", row: 7)])
            let lateErrors = try #require(rejections(late))
            #expect(lateErrors.map(\.row) == [7])
            #expect(lateErrors.first?.column == "to_location")
        }
    }

    @Test func locatorsPickTheStore() {
        #expect(isPostgresLocator("postgresql://u@/db?host=/tmp"))
        #expect(isPostgresLocator("postgres://u:p@db.example:5432/ledger"))
        #expect(isPostgresLocator("host=/tmp dbname=ledger"))
        #expect(!isPostgresLocator("./countinghouse.sqlite"))
        #expect(!isPostgresLocator("sqlite:/var/books/ledger.sqlite"))
        #expect(throws: StoreError.self) { try openLedgerStore(locator: "  ", mode: .existingOnly) }
    }

    @Test func aMissingDirectoryCannotOpen() {
        #expect(throws: StoreError.self) {
            try openLedgerStore(locator: "sqlite:/nonexistent-countinghouse-dir/ledger.sqlite", mode: .createOrMigrate)
        }
    }
}
