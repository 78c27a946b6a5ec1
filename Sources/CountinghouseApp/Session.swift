// A use case's world: the context (configuration, clock, reporting time zone) and the ledger it
// names, opened once. Commands make one per invocation; the nightly run makes one for all its
// steps; tests make one over a store they built.
import CountinghouseStore

public final class Session {
    public let context: AppContext
    public let store: any LedgerStore

    /// Opens the ledger the context names and applies pending migrations.
    public convenience init(_ context: AppContext) throws(AppFailure) {
        self.init(context: context, store: try LedgerAccess.open(context))
    }

    public init(context: AppContext, store: any LedgerStore) {
        self.context = context
        self.store = store
    }
}
