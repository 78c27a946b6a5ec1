// The store factory: which store a ledger locator names, and opening it.
//
// Place in the pipeline: every command opens its ledger here (`openLedgerStore`); nothing else
// decides between SQLite and PostgreSQL. Invariant: a locator is PostgreSQL when it is a
// `postgres://`/`postgresql://` URL or a libpq conninfo, anything else a SQLite path.
// Errors a user can see: `StoreError.badLocator` for an empty locator; `.ledgerMissing` for a
// ledger that does not exist when opened existing-only; `.unreachable`, `.cannotOpen`,
// `.schemaTooNew`, `.busy` (an old schema to migrate while another writer holds the lock).
import CountinghouseCore

/// Opens the ledger named by a locator: `postgres://…`, `postgresql://…` or a libpq conninfo
/// (`host=… dbname=…`) is PostgreSQL; anything else (optionally prefixed `sqlite:`) is a SQLite
/// file path.
///
/// `mode` says whether a ledger that does not exist is created (`.createOrMigrate`, for `init`)
/// or refused with `StoreError.ledgerMissing` (`.existingOnly`, for every other command; nothing
/// is created). Either way an older schema is migrated (taking the write lock), and a current
/// one is only read: opening takes no lock and never waits for a writer. A writer of the
/// returned store (append, close, cost refresh, migration) waits up to `busyTimeoutSeconds` for
/// another writer, then throws `StoreError.busy`.
public func openLedgerStore(
    locator: String, mode: LedgerOpenMode, busyTimeoutSeconds: Double = defaultBusyTimeoutSeconds
) throws -> any LedgerStore {
    let trimmed = locator.trimmingSpaces
    if trimmed.isEmpty {
        throw StoreError.badLocator(
            "empty ledger locator: give a SQLite file path or a postgresql://… URL")
    }
    let store: SQLLedgerStore
    if isPostgresLocator(trimmed) {
        store = try PostgresStore(conninfo: trimmed, mode: mode, busyTimeoutSeconds: busyTimeoutSeconds)
    } else {
        var path = Substring(trimmed)
        if path.hasPrefix("sqlite://") {
            path = path.dropFirst("sqlite://".count)
        } else if path.hasPrefix("sqlite:") {
            path = path.dropFirst("sqlite:".count)
        }
        if path.isEmpty {
            throw StoreError.badLocator("the locator \(locator) names no SQLite file")
        }
        store = try SQLiteStore(path: String(path), mode: mode, busyTimeoutSeconds: busyTimeoutSeconds)
    }
    try store.prepareSchema()
    return store
}

/// Whether a locator names a PostgreSQL server rather than a SQLite file.
public func isPostgresLocator(_ locator: String) -> Bool {
    if locator.hasPrefix("postgres://") || locator.hasPrefix("postgresql://") { return true }
    // A libpq keyword/value conninfo: `host=/tmp dbname=ledger user=…`.
    let words = locator.split(separator: " ")
    return words.contains { $0.hasPrefix("host=") || $0.hasPrefix("dbname=") }
}

extension String {
    var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
