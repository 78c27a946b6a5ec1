// The run lock: one `countinghouse run` at a time per ledger, refused at once when another run
// holds it.
//
// Place in the pipeline: `countinghouse run` takes it before anything else
// (`LedgerStore.acquireRunLock`) and holds it until it ends. Invariants: it never waits; it is
// independent of the ledger's write lock (a run ingests, closes and refreshes costs under the write
// lock like any other writer, and an ingest by hand while a run holds the run lock goes on as
// before); it is held by something the system takes back when the process ends, however it ends (an
// open descriptor, a database session), so a crashed run never leaves its ledger locked.
//  - SQLite: an exclusive, non-blocking flock(2) on `<database path>.run-lock`, created when missing
//    and never deleted (a run deleting it could let the next lock a new file while another still
//    holds the old one), held by a descriptor that child processes do not inherit (O_CLOEXEC), so
//    a program a run starts cannot outlive it holding the lock. A temporary or in-memory database
//    (`""`, `:memory:`) is private to its store's connection, so no other process can run on it:
//    its run lock is a flag of that store.
//  - PostgreSQL: a session advisory lock (`pg_try_advisory_lock`) taken on a connection opened for
//    it alone, so nothing the run's own transactions do (commit, roll back, lose the store's
//    connection) takes it away. Its key is derived from the name "countinghouse run" and the schema
//    that holds the ledger: advisory locks are per database, and one database may hold several
//    ledgers, each in its own schema (reached through `search_path`), which must not refuse each
//    other's runs. Release unlocks explicitly before closing the connection: the server drops a
//    closed session's locks only once its backend has exited, a moment later, and a run started
//    right after would find the lock still held.
// Errors a user can see: `StoreError.busy(lock: .run)` ("another countinghouse run holds the ledger
// …"); `StoreError.unreachable` (or `.ledgerMissing(.noDatabase)`) when the lock's connection to the
// server cannot be made, as for any connection of the store; `StoreError.readOnly` or `.cannotOpen`
// when the lock file cannot be created or opened.
import Crypto
import CountinghouseCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The run lock, held until `release()`, the lock's deinit, or the end of the process.
public final class RunLock: Sendable {
    /// The ledger the lock is on, as messages name it.
    public let ledger: String
    private let holder: Mutex<(any RunLockHolder)?>

    init(ledger: String, holder: sending any RunLockHolder) {
        self.ledger = ledger
        self.holder = Mutex(holder)
    }

    /// Releases the lock (a second call does nothing).
    public func release() {
        holder.withLock { holder in
            holder?.release()
            holder = nil
        }
    }

    deinit { release() }
}

extension SQLLedgerStore {
    public func acquireRunLock() throws -> RunLock {
        RunLock(ledger: database.ledgerName, holder: try database.acquireRunLock())
    }
}

/// What holds a run lock for a driver: `release()` gives it up (once; again does nothing), and so
/// does deinit.
protocol RunLockHolder: AnyObject {
    func release()
}

extension StoreError {
    /// Another run holds the run lock of `ledger`.
    static func runLockHeld(_ ledger: String) -> StoreError { .busy(ledger: ledger, waitedSeconds: 0, lock: .run) }
}

// MARK: SQLite

/// An exclusive flock(2) on a file, held by the descriptor open on it.
final class LockFile: RunLockHolder {
    let path: String
    private var descriptor: Int32

    /// Opens the file (creating it when missing) and locks it without waiting;
    /// `StoreError.busy(lock: .run)` when another open descriptor holds it, in this process or another.
    init(path: String, ledger: String) throws {
        self.path = path
        var opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if opened < 0 && [EACCES, EROFS, EPERM].contains(errno) {
            // Made by another user, or in a directory this one cannot write: flock needs no write access.
            opened = open(path, O_RDONLY | O_CLOEXEC)
        }
        guard opened >= 0 else {
            let error = errno
            let detail = "cannot open or create the run lock file \(path) (\(Self.text(error)))"
            if [EACCES, EROFS, EPERM].contains(error) {
                throw StoreError.readOnly(ledger: ledger, detail: detail + "; check that this user may write the ledger's directory")
            }
            throw StoreError.cannotOpen(detail)
        }
        while flock(opened, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if error == EINTR { continue }
            close(opened)
            if error == EWOULDBLOCK || error == EAGAIN { throw StoreError.runLockHeld(ledger) }
            throw StoreError.cannotOpen("cannot lock the run lock file \(path) (\(Self.text(error)))")
        }
        descriptor = opened
    }

    /// Closing the descriptor releases the lock; the file stays.
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }

    private static func text(_ error: Int32) -> String { String(cString: strerror(error)) }
}

/// The run lock of a database private to one store's connection (a temporary or in-memory SQLite
/// database): a flag of that store.
final class PrivateRunLock: Sendable {
    private let held = Mutex(false)

    /// A holder of the flag; `StoreError.busy(lock: .run)` when it is already held.
    func acquire(ledger: String) throws -> sending any RunLockHolder {
        let taken = held.withLock { held in
            if held { return false }
            held = true
            return true
        }
        guard taken else { throw StoreError.runLockHeld(ledger) }
        return Holder(self)
    }

    private final class Holder: RunLockHolder {
        private var flag: PrivateRunLock?

        init(_ flag: PrivateRunLock) { self.flag = flag }

        func release() {
            flag?.held.withLock { $0 = false }
            flag = nil
        }

        deinit { release() }
    }
}

// MARK: PostgreSQL

/// A session advisory lock on a connection of its own, open until release.
final class PostgresRunLock: RunLockHolder {
    private var connection: PGConnection?
    let key: Int64

    /// The advisory lock key of the ledger whose tables are in `schema`: the first eight bytes,
    /// big-endian, of the SHA-256 of "countinghouse run", a NUL and the schema's name. It must never
    /// change: the runs of two versions of the program exclude each other through it.
    static func key(schema: String) -> Int64 { key(name: "countinghouse run", schema: schema) }

    /// The first eight bytes, big-endian, of the SHA-256 of the name, a NUL and the schema's name
    /// (also the keys of the writers' transaction locks, PostgresStore.swift).
    static func key(name: String, schema: String) -> Int64 {
        let digest = SHA256.hash(data: Array("\(name)\u{0}\(schema)".utf8))
        return Int64(bitPattern: digest.prefix(8).reduce(UInt64(0)) { ($0 << 8) | UInt64($1) })
    }

    /// Connects (as the store did: the same locator, so the same database and search path) and
    /// tries the lock once.
    init(conninfo: String) throws {
        let connection = try PGConnection(conninfo: conninfo)
        // The connection sits idle for the whole run: a server set to end idle sessions
        // (idle_session_timeout, PostgreSQL 14 and later) would end it, and the lock with it. The
        // name shows in pg_stat_activity.
        try connection.execute(
            "SET application_name = 'countinghouse run'; SELECT CASE WHEN current_setting('server_version_num')::int >= 140000 "
                + "THEN set_config('idle_session_timeout', '0', false) END")
        let schema = try connection.query(
            "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass('runs')", [])
        guard schema.rowCount == 1 else { throw StoreError.ledgerMissing(ledger: connection.locator, reason: .noSchema) }
        key = Self.key(schema: schema.text(0, 0))
        let taken = try connection.query("SELECT CASE WHEN pg_try_advisory_lock($1::bigint) THEN 1 ELSE 0 END", [String(key)])
        guard try taken.int64(0, 0) == 1 else { throw StoreError.runLockHeld(connection.locator) }
        self.connection = connection
    }

    func release() {
        guard let connection else { return }
        // When this fails the connection is gone, and the lock with its session.
        _ = try? connection.query("SELECT pg_advisory_unlock($1::bigint)", [String(key)])
        self.connection = nil
    }

    deinit { release() }
}
