// Opening a ledger and sharing it between processes, on both stores: a command other than `init`
// refuses a ledger that does not exist (creating nothing); opening a current ledger takes no lock;
// readers never wait for a writer; a second writer waits the busy timeout and fails with
// `StoreError.busy`; a no-wait cost refresh fails at once; a read-only ledger and an unreachable
// or lost server say so. The "other process" is a second connection to the same ledger holding the
// lock a writer holds (BEGIN IMMEDIATE on SQLite, the writer's own locks on PostgreSQL).
import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseStore

@Suite("Opening and locking", .serialized)
struct LedgerAccessTests {
    /// A second connection to the ledger holding the lock of a writer of `lock`'s kind until `release`.
    final class LockHolder {
        let store: SQLLedgerStore
        let flavor: StoreFlavor

        init(_ flavor: StoreFlavor, locator: String, lock: WriteLock) throws {
            self.flavor = flavor
            switch flavor {
            case .sqlite:
                store = try SQLiteStore(path: locator, mode: .existingOnly)
                // SQLite has one writer lock, whatever the writer writes.
                try store.execute("BEGIN IMMEDIATE")
            case .postgres:
                // The writer's own locks (table and advisory locks, PostgresStore.beginWrite).
                store = try PostgresStore(conninfo: locator, mode: .existingOnly)
                try store.database.beginWrite(lock, wait: .upToBusyTimeout)
            }
        }

        func release() throws { try store.execute("ROLLBACK") }
    }

    /// The seconds `body` took.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func isBusy(_ error: any Error) -> Bool {
        guard case StoreError.busy = error else { return false }
        return "\(error)".contains("another process (an ingest, a close or a cost refresh) holds its write lock")
    }

    // MARK: A ledger that does not exist

    @Test func existingOnlyRefusesAMissingSQLiteFileAndCreatesNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ch-missing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledgr.sqlite").path
        #expect {
            try openLedgerStore(locator: path, mode: .existingOnly)
        } throws: { error in
            guard case StoreError.ledgerMissing(let ledger, .noFile) = error else { return false }
            return ledger == path && "\(error)".contains("no ledger at \(path): the file does not exist")
                && "\(error)".contains("run `countinghouse init`")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        // init's mode creates it.
        _ = try openLedgerStore(locator: path, mode: .createOrMigrate)
        #expect(FileManager.default.fileExists(atPath: path))
        _ = try openLedgerStore(locator: path, mode: .existingOnly)
    }

    @Test func existingOnlyRefusesASQLiteFileWithoutTheLedgerSchemaAndLeavesItAlone() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ch-foreign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Another program's database (rollback journal, as SQLite makes them by default) and an empty file.
        let other = directory.appendingPathComponent("other.sqlite").path
        try SQLiteStore(path: other).execute("PRAGMA journal_mode=DELETE; CREATE TABLE notes (text TEXT)")
        let empty = directory.appendingPathComponent("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let before = try [other, empty].map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        for path in [other, empty] {
            #expect {
                try openLedgerStore(locator: path, mode: .existingOnly)
            } throws: { error in
                guard case StoreError.ledgerMissing(path, .noSchema) = error else { return false }
                return "\(error)".hasPrefix("\(path) is not a Countinghouse ledger")
            }
        }
        // Byte for byte as they were (not even switched to WAL), and nothing beside them.
        #expect(try [other, empty].map { try Data(contentsOf: URL(fileURLWithPath: $0)) } == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["empty.sqlite", "other.sqlite"])
    }

    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func existingOnlyRefusesAMissingPostgreSQLDatabaseOrSchema() throws {
        let url = try #require(StoreFlavor.postgresURL)
        var components = try #require(URLComponents(string: url))
        components.path = "/no_such_ledger_\(UUID().uuidString.prefix(8).lowercased())"
        components.password = "secret"
        let missing = try #require(components.string)
        #expect {
            try openLedgerStore(locator: missing, mode: .existingOnly)
        } throws: { error in
            guard case StoreError.ledgerMissing(_, .noDatabase) = error else { return false }
            let message = "\(error)"
            return !message.contains("secret") && message.contains(":***@") && message.contains("createdb")
                && message.contains("countinghouse init")
        }
        // init cannot create a database either: it says the same.
        #expect(throws: StoreError.self) { try openLedgerStore(locator: missing, mode: .createOrMigrate) }

        // A database (here: a schema on the search path) without the ledger's tables.
        try withFreshDatabase(.postgres) { locator in
            #expect {
                try openLedgerStore(locator: locator, mode: .existingOnly)
            } throws: { error in
                guard case StoreError.ledgerMissing(_, .noSchema) = error else { return false }
                return "\(error)".contains("is not a Countinghouse ledger")
            }
            let admin = try PostgresStore(conninfo: locator)
            #expect(try !admin.tableExists("schema_migrations") && !admin.tableExists("files"))
        }
    }

    // MARK: Readers and writers

    /// Verify's chain and anchor checks read several tables; on one snapshot, a file that lands
    /// between their reads is not seen at all (before, verify reported it as rows "added behind the
    /// program's back"), and the next verify sees it whole.
    @Test(arguments: StoreFlavor.all)
    func checksOnOneSnapshotDoNotSeeAFileLandingMidway(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            let reader = try openLedgerStore(locator: locator, mode: .existingOnly)
            let (filesSeen, breaks) = try reader.readingOneSnapshot { () throws -> ([Int], [AnchorBreak]) in
                let before = try reader.files().count
                // Another process lands a file after the snapshot's first read.
                try append(store, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2), posLine("B1", 2, row: 3)])
                return ([before, try reader.files().count], try reader.verifyAnchors())
            }
            #expect(filesSeen == [1, 1])
            #expect(breaks.isEmpty, "\(breaks)")
            #expect(try reader.files().count == 2)
            #expect(try reader.verifyAnchors().isEmpty)
            #expect(try LedgerVerifier.verify(reader).passed)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func readersAndOpeningNeverWaitForAWriter(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            _ = try store.refreshCostCache(rebuild: false)
            for lock in [WriteLock.ledger, .schema, .costCache] where flavor == .postgres || lock == .ledger {
                let holder = try LockHolder(flavor, locator: locator, lock: lock)
                defer { try? holder.release() }
                // Opening a current ledger reads its schema version and takes no lock: a write would
                // wait the whole busy timeout and fail.
                var reader: (any LedgerStore)?
                let opening = try Self.seconds {
                    reader = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 3)
                }
                #expect(opening < 1.5, "\(lock): opening took \(opening) s")
                let ledger = try #require(reader)
                let reading = try Self.seconds {
                    #expect(try ledger.files().map(\.name) == ["a.csv"])
                    #expect(try ledger.rows(of: .posLines, knownAt: nil).count == 1)
                    #expect(try ledger.latestRecordedAt() == instant(1))
                    #expect(try ledger.costCacheThroughFileID() == 1)
                    #expect(try !ledger.cachedPositions(through: instant(9), sku: nil).isEmpty)
                    #expect(try ledger.closedPeriods().isEmpty)
                    // An up-to-date cache: the refresh writes nothing and waits for no one.
                    let refresh = try ledger.refreshCostCache(rebuild: false, lockWait: .noWait)
                    #expect(refresh.skusRepriced == 0 && refresh.throughFileID == 1)
                    #expect(try ledger.migrate().appliedVersions.isEmpty)
                }
                #expect(reading < 1.5, "\(lock): reading took \(reading) s")
            }
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aSecondWriterWaitsTheBusyTimeoutThenFails(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            let writer = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 1)
            let holder = try LockHolder(flavor, locator: locator, lock: .ledger)
            var thrown: (any Error)?
            let waited = Self.seconds {
                do {
                    try append(writer, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
                } catch {
                    thrown = error
                }
            }
            #expect(thrown.map(Self.isBusy) == true, "\(String(describing: thrown))")
            #expect(thrown.map { "\($0)".contains("after waiting for 1 s") } == true)
            #expect(waited >= 0.9 && waited < 5, "waited \(waited) s")
            try holder.release()
            // Nothing of the refused file stayed, and it lands once the lock is free.
            #expect(try writer.files().map(\.name) == ["a.csv"])
            #expect(appended(try append(writer, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])) != nil)
        }
    }

    /// PostgreSQL: an earlier program's ingest or close locked `files` itself (SHARE ROW EXCLUSIVE),
    /// and a run's record `runs`; this program's writers wait for those too, though they serialise
    /// among themselves on advisory locks.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func writersWaitForTheTableLocksOfAnEarlierProgram() throws {
        try withStore(.postgres) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            let writer = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 1)
            for table in ["files", "runs"] {
                let earlier = try PostgresStore(conninfo: locator, mode: .existingOnly)
                try earlier.execute("BEGIN; LOCK TABLE \(table) IN SHARE ROW EXCLUSIVE MODE")
                #expect(performing: {
                    if table == "files" {
                        try append(writer, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
                    } else {
                        _ = try writer.appendRun(RunRecord(
                            startedAt: instant(2), endedAt: instant(2), status: "done", exitStatus: 0,
                            businessDate: try #require(CivilDate(text: "2026-09-22")), knowledgeTime: instant(2),
                            message: "ok", details: "{}"))
                    }
                }, throws: Self.isBusy)
                try earlier.execute("ROLLBACK")
            }
            #expect(appended(try append(writer, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])) != nil)
        }
    }

    @Test(arguments: StoreFlavor.all)
    func aNoWaitRefreshFailsAtOnceWhileAnotherWriterHoldsTheLock(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            // The cache is behind the ledger: the refresh has work to do.
            let reader = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 5)
            let holder = try LockHolder(flavor, locator: locator, lock: .costCache)
            var thrown: (any Error)?
            let waited = Self.seconds {
                do {
                    _ = try reader.refreshCostCache(rebuild: false, lockWait: .noWait)
                } catch {
                    thrown = error
                }
            }
            #expect(thrown.map(Self.isBusy) == true, "\(String(describing: thrown))")
            #expect(thrown.map { "\($0)".contains("holds its write lock; nothing was written. Run the command again") } == true)
            #expect(waited < 1, "waited \(waited) s")
            #expect(try reader.costCacheThroughFileID() == nil)
            try holder.release()
            #expect(try reader.refreshCostCache(rebuild: false, lockWait: .noWait).throughFileID == 1)
        }
    }

    // MARK: Read-only and unreachable ledgers

    /// SQLite: tests run as root here, where chmod does not stop writes; `PRAGMA query_only` makes
    /// SQLite refuse writes the way a read-only file does (SQLITE_READONLY).
    @Test func aReadOnlySQLiteLedgerSaysSo() throws {
        try withStore(.sqlite) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            let reader = try openLedgerStore(locator: locator, mode: .existingOnly)
            try execute(reader, "PRAGMA query_only = 1")
            #expect(try reader.files().count == 1)
            #expect {
                try append(reader, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
            } throws: { error in
                guard case StoreError.readOnly(locator, _) = error else { return false }
                return "\(error)".hasPrefix("the ledger \(locator) is read-only: SQLite refused to write")
            }
        }
    }

    /// The same with a file whose permissions refuse writes (only where they do: not as root).
    @Test(.enabled(if: getuid() != 0)) func aSQLiteFileWithoutWritePermissionSaysItIsReadOnly() throws {
        try withStore(.sqlite) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: locator)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: locator) }
            let reader = try openLedgerStore(locator: locator, mode: .existingOnly)
            #expect(try reader.files().count == 1)
            #expect {
                try append(reader, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
            } throws: { error in
                guard case StoreError.readOnly = error else { return false }
                return true
            }
        }
    }

    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func aReadOnlyPostgreSQLLedgerSaysSo() throws {
        try withStore(.postgres) { store, locator in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            // A session whose transactions are read-only, as on a standby.
            let readOnly = locator + "%20-cdefault_transaction_read_only%3Don"
            let reader = try openLedgerStore(locator: readOnly, mode: .existingOnly)
            #expect(try reader.files().count == 1)
            #expect {
                try append(reader, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
            } throws: { error in
                guard case StoreError.readOnly = error else { return false }
                return "\(error)".contains("is read-only: the server refused to write")
            }
        }
    }

    @Test func anUnreachableServerSaysWhatToFix() {
        #expect {
            try openLedgerStore(
                locator: "postgresql://nobody:hunter2@/ledger?host=/nonexistent-countinghouse-socket", mode: .existingOnly)
        } throws: { error in
            guard case StoreError.unreachable(let ledger, let detail) = error else { return false }
            return ledger.contains("/nonexistent-countinghouse-socket") && !"\(error)".contains("hunter2")
                && detail.contains("is the server running") && "\(error)".contains("cannot be reached")
        }
    }

    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func aConnectionLostMidRunSaysSo() throws {
        try withStore(.postgres) { store, _ in
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            let postgres = try #require(store as? PostgresStore)
            let pid = try #require(try postgres.scalar("SELECT pg_backend_pid()"))
            let admin = try PostgresStore(conninfo: try #require(StoreFlavor.postgresURL))
            try admin.execute("SELECT pg_terminate_backend(\(pid))")
            #expect {
                try store.files()
            } throws: { error in
                guard case StoreError.unreachable(_, let detail) = error else { return false }
                return detail.contains("the connection was lost mid-run")
            }
        }
    }

    /// Lost while committing, the outcome is unknown, and the message says so (and that a rerun is
    /// safe) instead of promising that nothing was kept.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func aConnectionLostAtCommitSaysTheOutcomeIsUnknown() throws {
        try withStore(.postgres) { store, _ in
            let postgres = try #require(store as? PostgresStore)
            let pid = try #require(try postgres.scalar("SELECT pg_backend_pid()"))
            let admin = try PostgresStore(conninfo: try #require(StoreFlavor.postgresURL))
            #expect {
                try postgres.inWriteTransaction(.costCache) {
                    try admin.execute("SELECT pg_terminate_backend(\(pid))")
                }
            } throws: { error in
                guard case StoreError.unreachable(_, let detail) = error else { return false }
                return detail.contains("the connection was lost while committing")
                    && detail.contains("whether the change was kept is unknown")
            }
        }
    }

    /// Passwords never reach a message, in any form libpq reads: a URL's user info (the URL keeps
    /// its form), a URL parameter, key=value with spaces or quotes.
    @Test func passwordsAreRedactedInEveryFormLibpqReads() {
        #expect(redactPassword("postgresql://ana:s3cret@db.example/books") == "postgresql://ana:***@db.example/books")
        #expect(redactPassword("postgresql://ana@db.example/books") == "postgresql://ana@db.example/books")
        #expect(redactPassword("host=/tmp dbname=books") == "host=/tmp dbname=books")
        for locator in [
            "postgresql://ana@db.example/books?password=s3cret", "postgresql://ana:s3cret@db.example/books?password=s3cret",
            "host=db.example dbname=books user=ana password=s3cret", "host=db.example dbname=books user=ana password = s3cret",
            "host=db.example dbname=books user=ana password='s3cret word'",
        ] {
            let shown = redactPassword(locator)
            #expect(!shown.contains("s3cret"), "\(locator) → \(shown)")
            #expect(shown.contains("password=***") || shown.contains(":***@"), "\(locator) → \(shown)")
            #expect(shown.contains("db.example") && shown.contains("books"), "\(locator) → \(shown)")
        }
        #expect(redactPassword("host=x password='unclosed") == "(a connection string libpq cannot read)")
    }
}
