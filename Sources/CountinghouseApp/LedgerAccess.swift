// Opening the configured ledger for a use case, and what a failure anywhere below the use cases
// means for the person and the scheduler (its exit status and message).
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore

public enum LedgerAccess {
    /// Opens the configured ledger and applies pending migrations (first use initialises it).
    public static func open(_ context: AppContext) throws(AppFailure) -> any LedgerStore {
        do {
            let store = try openLedgerStore(locator: context.configuration.database)
            try store.migrate()
            return store
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
        case .cannotOpen: return .databaseUnreachable
        case .badLocator: return .configuration
        case .sql, .recordedAtBackwards, .schemaTooNew: return .rejected
        }
    }
}

extension LedgerAccess {
    /// `init`: creates the ledger, or brings its schema up to date; returns the schema version.
    public static func initialise(_ context: AppContext) throws(AppFailure) -> Int {
        do {
            return try openLedgerStore(locator: context.configuration.database).migrate()
        } catch {
            throw AppFailure.from(error)
        }
    }
}
