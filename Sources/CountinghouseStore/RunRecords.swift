// The nightly run's records (`countinghouse run`), in both stores.
//
// Place in the pipeline: a run appends one record when it ends (its times, status and exit status,
// the business date and knowledge time it ran for, a line for people and a JSON document of its
// inputs, outputs, counts and phase durations, which the caller renders and the store keeps
// verbatim); `runs()` and `run(id:)` read them back. Schema version 8 creates the table.
// Invariants: `runs` is append-only like the ledger (the database refuses UPDATE and DELETE, and
// TRUNCATE on PostgreSQL; `verify` checks its triggers and `init` restores them); run ids are 1, 2,
// 3 … in append order, taken as max + 1 under the runs table's write lock (the integer primary key
// is the program's to assign in both stores, as `files.id` is). Runs are not part of the books:
// they carry no hash chain and no anchor, and nothing computed from the ledger reads them.
// Errors a user can see: `StoreError` (busy past the busy timeout, read-only, unreachable, SQL
// failures) and `StoreError.sql` for a stored run that cannot be read back.
import CountinghouseCore

/// One `countinghouse run`, as recorded when it ended.
public struct RunRecord: Sendable, Hashable {
    /// Given by the store on append (ignored on input).
    public var id: Int64
    public var startedAt: Instant
    public var endedAt: Instant
    /// `done`, `done_with_exceptions`, `failed`, …
    public var status: String
    public var exitStatus: Int32
    public var businessDate: CivilDate
    /// The knowledge time the run ingested and reported at.
    public var knowledgeTime: Instant
    /// One line for people.
    public var message: String
    /// A JSON document the caller renders, stored and returned byte for byte.
    public var details: String

    public init(
        id: Int64 = 0, startedAt: Instant, endedAt: Instant, status: String, exitStatus: Int32, businessDate: CivilDate,
        knowledgeTime: Instant, message: String, details: String
    ) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.status = status
        self.exitStatus = exitStatus
        self.businessDate = businessDate
        self.knowledgeTime = knowledgeTime
        self.message = message
        self.details = details
    }
}

enum RunRecordSQL {
    static let columns = [
        "run_id", "started_at", "ended_at", "status", "exit_status", "business_date", "knowledge_time", "message", "details",
    ]
    static let integerColumns = [true, true, true, false, true, false, true, false, false]

    /// Schema version 8 (the append-only triggers are added by the migration, in the driver's
    /// dialect). Instants are nanoseconds since the epoch, as `recorded_at` is; the business date
    /// is `YYYY-MM-DD`, as a closed period's days are.
    static func migration(_ database: any LedgerDatabase) -> [String] {
        [
            """
            CREATE TABLE runs (run_id \(database.integerPrimaryKey), started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL,
            status TEXT NOT NULL, exit_status BIGINT NOT NULL, business_date TEXT NOT NULL, knowledge_time BIGINT NOT NULL,
            message TEXT NOT NULL, details TEXT NOT NULL)
            """
        ]
    }
}

extension SQLLedgerStore {
    /// In one write transaction on the runs table, so that two records never take the same id.
    /// Not the ledger's lock: a run's record must not wait for (and fail on) an ingest that another
    /// process is making meanwhile, which it would on PostgreSQL (SQLite has one writer lock anyway).
    public func appendRun(_ record: RunRecord) throws -> Int64 {
        try inWriteTransaction(.runs) {
            let id = (try scalar("SELECT coalesce(max(run_id), 0) + 1 FROM runs")) ?? 1
            try run(
                "INSERT INTO runs (\(RunRecordSQL.columns.joined(separator: ", "))) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                [
                    .integer(id), .integer(record.startedAt.nanosecondsSinceEpoch), .integer(record.endedAt.nanosecondsSinceEpoch),
                    .text(record.status), .integer(Int64(record.exitStatus)), .text(record.businessDate.description),
                    .integer(record.knowledgeTime.nanosecondsSinceEpoch), .text(record.message), .text(record.details),
                ])
            return id
        }
    }

    public func runs() throws -> [RunRecord] {
        try queryRows(
            "SELECT \(RunRecordSQL.columns.joined(separator: ", ")) FROM runs ORDER BY run_id", integerColumns: RunRecordSQL.integerColumns
        ).map(Self.runRecord)
    }

    public func run(id: Int64) throws -> RunRecord? {
        try queryRows(
            "SELECT \(RunRecordSQL.columns.joined(separator: ", ")) FROM runs WHERE run_id = $1", [.integer(id)],
            integerColumns: RunRecordSQL.integerColumns
        ).first.map(Self.runRecord)
    }

    private static func runRecord(_ row: [FieldValue]) throws -> RunRecord {
        let id = row[0].integerValue ?? 0
        guard let exitStatus = row[4].integerValue.flatMap(Int32.init(exactly:)) else {
            throw StoreError.sql(statement: "SELECT … FROM runs", message: "run \(id) has the exit status \(row[4]), not a 32-bit integer")
        }
        guard let businessDate = CivilDate(text: row[5].description) else {
            throw StoreError.sql(statement: "SELECT … FROM runs", message: "run \(id) has the business date \(row[5]), not a YYYY-MM-DD date")
        }
        return RunRecord(
            id: id, startedAt: Instant(nanosecondsSinceEpoch: row[1].integerValue ?? 0),
            endedAt: Instant(nanosecondsSinceEpoch: row[2].integerValue ?? 0), status: row[3].description, exitStatus: exitStatus,
            businessDate: businessDate, knowledgeTime: Instant(nanosecondsSinceEpoch: row[6].integerValue ?? 0),
            message: row[7].description, details: row[8].description)
    }
}
