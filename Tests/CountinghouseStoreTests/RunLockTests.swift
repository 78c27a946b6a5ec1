// The run lock, on both stores: a second run is refused at once while the first holds it, from the
// same store or another connection (on SQLite also from another process, through flock(1)); the
// lock comes back on release and on deinit; it keeps no writer out; on PostgreSQL it is an advisory
// lock of its own session, per ledger (schema), and an unreachable server says so.
import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseStore

@Suite struct RunLockTests {
    static func isRunLockBusy(_ error: any Error) -> Bool {
        guard case StoreError.busy(_, 0, .run) = error else { return false }
        return "\(error)".hasPrefix("another countinghouse run holds the ledger ")
            && "\(error)".hasSuffix(": one run at a time, so this one did nothing. Run it again when that run has finished")
    }

    @Test(arguments: StoreFlavor.all)
    func aSecondRunIsRefusedAtOnceUntilTheFirstReleases(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            let other = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 10)
            let first = try store.acquireRunLock()
            let waited = LedgerAccessTests.seconds {
                #expect(performing: { try other.acquireRunLock() }, throws: Self.isRunLockBusy)
                #expect(performing: { try store.acquireRunLock() }, throws: Self.isRunLockBusy)
            }
            #expect(waited < 2, "a held run lock is refused at once, not after the busy timeout")
            first.release()
            first.release()
            let second = try other.acquireRunLock()
            #expect(performing: { try store.acquireRunLock() }, throws: Self.isRunLockBusy)
            second.release()
            // Released on deinit too.
            do { _ = try store.acquireRunLock() }
            try other.acquireRunLock().release()
        }
    }

    /// A run holding the run lock ingests, records itself and refreshes the cost cache like any
    /// writer, and so does another process meanwhile.
    @Test(arguments: StoreFlavor.all)
    func theRunLockKeepsNoWriterOut(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, locator in
            let lock = try store.acquireRunLock()
            defer { lock.release() }
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            _ = try store.refreshCostCache(rebuild: false, lockWait: .noWait)
            let other = try openLedgerStore(locator: locator, mode: .existingOnly, busyTimeoutSeconds: 0)
            try append(other, fileInfo("b.csv", at: 2), [posLine("B1", 1, row: 2)])
            #expect(try other.appendRun(RunRecordTests.record(1)) == 1)
            #expect(try store.appendRun(RunRecordTests.record(2)) == 2)
            #expect(try store.files().map(\.name) == ["a.csv", "b.csv"])
        }
    }

    // MARK: SQLite

    /// The lock is flock(2) on `<path>.run-lock`: another process's `flock -n` fails while a run
    /// holds it, and a process holding it refuses the run; the file stays after release.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func theSQLiteRunLockIsAFlockBesideTheDatabase() throws {
        try withStore(.sqlite) { store, path in
            let lockFile = path + ".run-lock"
            #expect(!FileManager.default.fileExists(atPath: lockFile))
            func flockNoWait() throws -> Int32 {
                let probe = Process()
                probe.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
                probe.arguments = ["-n", lockFile, "true"]
                try probe.run()
                probe.waitUntilExit()
                return probe.terminationStatus
            }
            let lock = try store.acquireRunLock()
            #expect(try flockNoWait() == 1)
            lock.release()
            #expect(try flockNoWait() == 0)
            #expect(FileManager.default.fileExists(atPath: lockFile))

            // Another process holds it (until its standard input closes).
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            holder.arguments = [lockFile, "-c", "echo held; read line"]
            let input = Pipe()
            let output = Pipe()
            holder.standardInput = input
            holder.standardOutput = output
            try holder.run()
            #expect(String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) == "held\n")
            #expect(performing: { try store.acquireRunLock() }, throws: Self.isRunLockBusy)
            try input.fileHandleForWriting.close()
            holder.waitUntilExit()
            try store.acquireRunLock().release()
        }
    }

    /// A temporary or in-memory database is private to its store: its run lock is the store's own.
    @Test(arguments: [":memory:", ""])
    func aPrivateSQLiteDatabaseHasARunLockOfItsOwn(_ path: String) throws {
        let store = try SQLiteStore(path: path)
        try store.migrate()
        let lock = try store.acquireRunLock()
        #expect(performing: { try store.acquireRunLock() }, throws: Self.isRunLockBusy)
        let another = try SQLiteStore(path: path)
        try another.acquireRunLock().release()
        lock.release()
        try store.acquireRunLock().release()
    }

    // MARK: PostgreSQL

    /// The key must never change: runs of two program versions exclude each other through it.
    @Test func thePostgreSQLKeyIsFixedPerSchema() {
        #expect(PostgresRunLock.key(schema: "public") == 6_230_869_718_924_639_234)
        #expect(PostgresRunLock.key(schema: "books") == -8_849_472_495_516_323_155)
    }

    /// An advisory lock on a session of its own: the server lists it while held and not after; the
    /// store's own transactions do not release it; a ledger in another schema of the same database
    /// has its own.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func thePostgreSQLRunLockIsAnAdvisoryLockOfItsOwnSession() throws {
        try withStore(.postgres) { store, locator in
            let postgres = try #require(store as? PostgresStore)
            let schema = try #require(try postgres.queryRows("SELECT current_schema()", integerColumns: [false]).first?[0].description)
            let key = PostgresRunLock.key(schema: schema)
            let admin = try PostgresStore(conninfo: try #require(StoreFlavor.postgresURL))
            func holders() throws -> [String] {
                try admin.queryRows(
                    "SELECT a.application_name FROM pg_locks l "
                        + "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                        + "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                        + "AND ((l.classid::bigint << 32) | l.objid::bigint) = $1 AND l.objsubid = 1",
                    [.integer(key)], integerColumns: [false]
                ).map { $0[0].description }
            }
            let lock = try store.acquireRunLock()
            #expect(try holders() == ["countinghouse run"])
            let storePID = try #require(try postgres.scalar("SELECT pg_backend_pid()"))
            #expect(try postgres.scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = $1", [.integer(storePID)]) == 0)
            // The store's transactions, committed or rolled back, leave it held.
            try append(store, fileInfo("a.csv", at: 1), [posLine("A1", 1, row: 2)])
            try execute(store, "BEGIN; ROLLBACK")
            #expect(performing: { try store.acquireRunLock() }, throws: Self.isRunLockBusy)
            // Another ledger on the same database runs meanwhile.
            try withStore(.postgres) { another, _ in try another.acquireRunLock().release() }
            lock.release()
            #expect(try holders().isEmpty)
        }
    }

    /// The lock's connection cannot be made: the store's unreachable error, with what the server said.
    @Test(.enabled(if: StoreFlavor.postgresURL != nil))
    func aRunLockOnAServerThatRefusesConnectionsIsUnreachable() throws {
        let url = try #require(StoreFlavor.postgresURL)
        let admin = try PostgresStore(conninfo: url)
        let database = "ch_run_lock_\(UUID().uuidString.prefix(8).lowercased())"
        try admin.execute("CREATE DATABASE \(database)")
        defer { try? admin.execute("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
        var components = try #require(URLComponents(string: url))
        components.path = "/\(database)"
        let store = try openLedgerStore(locator: try #require(components.string), mode: .createOrMigrate)
        try admin.execute("ALTER DATABASE \(database) ALLOW_CONNECTIONS false")
        #expect {
            try store.acquireRunLock()
        } throws: { error in
            guard case StoreError.unreachable(_, let detail) = error else { return false }
            return detail.contains("cannot connect") && detail.contains("is not currently accepting connections")
        }
        // The store's own connection is still there.
        #expect(try store.runs().isEmpty)
    }
}
