// Opening the configured ledger for a use case, and what a failure anywhere below the use cases
// means for the person and the scheduler (its exit status and message).
//
// Only `init` creates a ledger or repairs its triggers; every other command opens an existing one
// (a mistyped path is refused, not created empty). A second writer waits the busy timeout
// (COUNTINGHOUSE_BUSY_TIMEOUT seconds, default 10), then fails with exit status `ledgerBusy`.
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore
import Foundation

public enum LedgerAccess {
    /// Opens the configured ledger, which must exist; an old schema is brought up to date.
    public static func open(_ context: AppContext) throws(AppFailure) -> any LedgerStore {
        do {
            return try openLedgerStore(
                locator: context.configuration.database, mode: .existingOnly, busyTimeoutSeconds: context.busyTimeoutSeconds)
        } catch {
            throw AppFailure.from(error)
        }
    }

    /// `init`: creates the ledger, or brings its schema up to date and puts back append-only
    /// triggers that were dropped or altered.
    public static func initialise(_ context: AppContext) throws(AppFailure) -> MigrationReport {
        do {
            let store = try openLedgerStore(
                locator: context.configuration.database, mode: .createOrMigrate, busyTimeoutSeconds: context.busyTimeoutSeconds)
            return try store.migrate()
        } catch {
            throw AppFailure.from(error)
        }
    }
}

extension LedgerAccess {
    /// `init --partition-by-month` and `init --roles`: what `initialise` does, then the ledger
    /// tables partitioned by month (`PostgresStore.partitionByMonth`, MonthPartitions.swift), then
    /// the owner and writer roles (`PostgresStore.setUpRoles`, LeastPrivilege.swift), which then
    /// cover the partitions. Both are PostgreSQL's: on a SQLite ledger the request is a usage error,
    /// checked before anything is opened or created.
    public static func initialise(
        _ context: AppContext, partitionByMonth: Bool, roles: Bool, rolePrefix: String?
    ) throws(AppFailure) -> (migration: MigrationReport, partitions: PartitionReport?, roles: LedgerRoles?) {
        guard context.ledgerIsPostgreSQL else {
            if partitionByMonth {
                throw AppFailure(
                    .usage,
                    "--partition-by-month: partitions are a PostgreSQL feature, and this ledger is a SQLite file "
                        + "(\(context.configuration.database))")
            }
            throw AppFailure(
                .usage,
                "--roles: roles are a PostgreSQL feature, and this ledger is a SQLite file "
                    + "(\(context.configuration.database)); on SQLite the file's permissions are the equivalent: let the "
                    + "nightly job's user write the file and its directory, and others at most read them")
        }
        do {
            let store = try openLedgerStore(
                locator: context.configuration.database, mode: .createOrMigrate, busyTimeoutSeconds: context.busyTimeoutSeconds)
            let migration = try store.migrate()
            guard let postgres = store as? PostgresStore else {
                throw AppFailure(.internalError, "internal error: a PostgreSQL locator opened another store")
            }
            let partitions = partitionByMonth ? try postgres.partitionByMonth() : nil
            return (migration, partitions, roles ? try postgres.setUpRoles(prefix: rolePrefix) : nil)
        } catch {
            throw AppFailure.from(error)
        }
    }
}

extension AppFailure {
    /// Any error a use case lets through, as a failure with its exit status: the application's own
    /// as they are, the store's by what went wrong, anything else as an internal error.
    public static func from(_ error: any Error) -> AppFailure {
        switch error {
        case let failure as AppFailure: return failure
        case let error as StoreError: return AppFailure(status(of: error), error.description)
        case let error as PostedPeriodError: return .rejected(error.description)
        case let error as IngestFailure: return .rejected(error.description)
        case let error as OutOfRange: return .rejected(error.description)
        default: return AppFailure(.internalError, "internal error: \(error)")
        }
    }

    /// The exit status of a store error.
    static func status(of error: StoreError) -> ExitStatus {
        switch error {
        case .cannotOpen, .unreachable, .ledgerMissing: return .databaseUnreachable
        case .busy: return .ledgerBusy
        case .readOnly: return .readOnly
        case .badLocator: return .configuration
        case .recordedAtBackwards, .schemaTooNew: return .rejected
        case .sql: return .internalError
        }
    }
}
