// The database's own protection of what was recorded: the append-only triggers on the ledger
// tables, `files`, `file_anchors`, the posted periods and the runs (SEMANTICS §1: the database itself refuses
// UPDATE and DELETE).
//
// Place in the pipeline: migrations create the triggers (LedgerMigrations.swift, in the driver's
// dialect); `verify` compares every protected table's triggers with what the program creates (the
// driver reads its catalog: `sqlite_master` on SQLite, `pg_trigger` and the trigger function on
// PostgreSQL) and lists each one missing, altered or disabled; `migrate()` on a store opened for
// `init` re-creates exactly those (idempotent: nothing is written when all are in place) and says
// which. Invariant: opening a ledger for any other command never repairs a trigger, so that
// `verify` sees what was done behind the program's back.
// Errors a user can see: `AppendOnlyProblem`s, listed by `verify` under "ledger hash chains" (§7.7).
import CountinghouseCore

/// A protected table whose append-only trigger is missing, altered or disabled (or, on
/// PostgreSQL, whose trigger function was altered).
public struct AppendOnlyProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case missing
        /// It exists but is not what the program creates (`detail` says how).
        case altered(detail: String)
        /// It exists but does not fire (PostgreSQL's ALTER TABLE … DISABLE TRIGGER).
        case disabled
    }

    /// The protected table (for the trigger function: the function).
    public var table: String
    public var trigger: String
    public var kind: Kind

    public init(table: String, trigger: String, kind: Kind) {
        self.table = table
        self.trigger = trigger
        self.kind = kind
    }

    public var description: String {
        let what: String
        switch kind {
        case .missing: what = "is missing"
        case .altered(let detail): what = "differs from the one countinghouse creates (\(detail))"
        case .disabled: what = "is disabled"
        }
        return "\(table): the append-only trigger \(trigger) \(what), so the database no longer refuses every "
            + "change to what was recorded (done behind the program's back); `countinghouse init` restores it"
    }
}

enum AppendOnlyTables {
    /// Every table the program makes append-only, in the current schema.
    static let all =
        ["files"] + LedgerKind.allCases.map(\.schema.tableName) + PostedPeriodSQL.tables + ["file_anchors", "runs"]
}

extension SQLLedgerStore {
    /// Every protected table whose append-only trigger is missing, altered or disabled.
    public func verifyAppendOnlyTriggers() throws -> [AppendOnlyProblem] {
        try database.appendOnlyProblems(AppendOnlyTables.all + database.layoutTables())
    }

    /// For `init`: re-creates the triggers that are missing, altered or disabled, under the schema
    /// lock; nothing is written (and no lock taken) when all are in place. Returns what it restored.
    func restoreAppendOnlyTriggers() throws -> [AppendOnlyProblem] {
        guard try !verifyAppendOnlyTriggers().isEmpty else { return [] }
        return try inWriteTransaction(.schema) {
            // Again under the lock: another init may have restored them meanwhile.
            let problems = try verifyAppendOnlyTriggers()
            for statement in database.restoringAppendOnly(problems) { try database.execute(statement) }
            return problems
        }
    }
}
