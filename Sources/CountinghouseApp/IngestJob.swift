// `ingest`: files into the ledger, each whole or not at all (SEMANTICS §1).
//
// Each file is checked first (pass 1: every bad row found, nothing written), then streamed into
// one store transaction (pass 2). A rejected file leaves nothing in the ledger; the other files
// still land. Nothing may be recorded at or before the latest close: a close is knowledge too, and
// the closed period's figures "as known at its close" would change after the fact.
// Errors a user can see: every `RowError` of a rejected file (file, row, column, value, reason);
// a knowledge time not after the latest close; the store's errors.
import CountinghouseCore
import CountinghouseReport
import CountinghouseIngest
import CountinghouseStore
import Foundation

/// What happened to one file.
public enum IngestFate: Sendable {
    /// The file landed: its record, with its accepted and duplicate rows.
    case landed(IngestedFile)
    /// The same bytes were ingested before (the earlier file); nothing was done.
    case alreadyIngested(kind: LedgerKind, earlier: IngestedFile)
    /// Nothing of the file entered the ledger: its kind when known, and every error.
    case rejected(kind: LedgerKind?, errors: [RowError])
}

public struct IngestFileOutcome: Sendable {
    /// The file as named on the command line.
    public var path: String
    public var fate: IngestFate

    public var isRejected: Bool {
        if case .rejected = fate { return true }
        return false
    }

    /// What a person reads about the file: a landed or known file on standard output, a rejection on
    /// standard error — the first `listed` errors, then, when there are more, the count of every
    /// error by column and reason.
    public func lines(context: AppContext, listed: Int = 20) -> (output: [String], errors: [String]) {
        switch fate {
        case .landed(let file):
            return ([
                "\(path): \(file.kind.rawValue): \(file.rowsAccepted) accepted, \(file.rowsDuplicate) duplicate\(file.rowsDuplicate == 1 ? "" : "s"), recorded at \(context.display(file.recordedAt))"
            ], [])
        case .alreadyIngested(let kind, let earlier):
            return ([
                "\(path): \(kind.rawValue): already ingested as \(earlier.name) at \(context.display(earlier.recordedAt)) (same sha256); skipped"
            ], [])
        case .rejected(let kind, let errors):
            var lines = ["\(path): REJECTED\(kind.map { " (\($0.rawValue))" } ?? ""): \(errors.count) error\(errors.count == 1 ? "" : "s"); nothing of it entered the ledger"]
            lines += errors.prefix(listed).map { "  \($0)" }
            if errors.count > listed {
                lines.append("  … and \(errors.count - listed) more (--format json lists every one); all \(errors.count) by column and reason:")
                for group in Self.countsByColumnAndReason(errors) {
                    lines.append("    \(group.count) × \(group.column.map { "column \($0): " } ?? "")\(group.reason)")
                }
            }
            return ([], lines)
        }
    }

    /// Errors counted by column and reason, most frequent first (then column, then reason).
    static func countsByColumnAndReason(_ errors: [RowError]) -> [(column: String?, reason: String, count: Int)] {
        struct Key: Hashable {
            var column: String?
            var reason: String
        }
        var counts: [Key: Int] = [:]
        for error in errors { counts[Key(column: error.column, reason: error.reason), default: 0] += 1 }
        return counts.map { (column: $0.key.column, reason: $0.key.reason, count: $0.value) }.sorted { a, b in
            if a.count != b.count { return a.count > b.count }
            if a.column != b.column { return (a.column ?? "") < (b.column ?? "") }
            return a.reason < b.reason
        }
    }

    /// The outcome as a JSON object, every error listed (for scripts).
    public func json(context: AppContext) -> String {
        func quoted(_ text: String) -> String { JSONWriter.string(text) }
        var fields = ["\"file\": \(quoted(path))"]
        switch fate {
        case .landed(let file):
            fields += [
                "\"kind\": \(quoted(file.kind.rawValue))", "\"status\": \"landed\"", "\"rows_accepted\": \(file.rowsAccepted)",
                "\"rows_duplicate\": \(file.rowsDuplicate)", "\"recorded_at\": \(quoted(context.display(file.recordedAt)))",
                "\"sha256\": \(quoted(file.sha256))",
            ]
        case .alreadyIngested(let kind, let earlier):
            fields += [
                "\"kind\": \(quoted(kind.rawValue))", "\"status\": \"already_ingested\"", "\"earlier\": \(quoted(earlier.name))",
                "\"recorded_at\": \(quoted(context.display(earlier.recordedAt)))", "\"sha256\": \(quoted(earlier.sha256))",
            ]
        case .rejected(let kind, let errors):
            fields += ["\"kind\": \(kind.map { quoted($0.rawValue) } ?? "null")", "\"status\": \"rejected\""]
            let listed = errors.map { error in
                "      {\"row\": \(error.row.map(String.init) ?? "null"), \"column\": \(error.column.map(quoted) ?? "null"), "
                    + "\"value\": \(error.value.map(quoted) ?? "null"), \"reason\": \(quoted(error.reason))}"
            }
            fields.append("\"errors\": [\n" + listed.joined(separator: ",\n") + (listed.isEmpty ? "]" : "\n    ]"))
        }
        return "  {\n    " + fields.joined(separator: ",\n    ") + "\n  }"
    }
}

public enum IngestJob {
    /// Ingests `paths` in order, each recorded at `recordedAt` (default: the context's clock), and
    /// tells `report` about each file as soon as its fate is known.
    public static func ingest(
        _ session: Session, paths: [String], kind: LedgerKind?, recordedAt: Instant?, report: (IngestFileOutcome) -> Void
    ) throws -> [IngestFileOutcome] {
        try ingest(session, files: paths.map { (path: $0, displayName: $0) }, kind: kind, recordedAt: recordedAt, report: report)
    }

    /// The same, each file read at `path` and named `displayName` in the ledger and in messages (the
    /// nightly run names a file by its business date and name, not by the inbox it came through).
    public static func ingest(
        _ session: Session, files: [(path: String, displayName: String)], kind: LedgerKind?, recordedAt: Instant?,
        report: (IngestFileOutcome) -> Void
    ) throws -> [IngestFileOutcome] {
        let (store, context) = (session.store, session.context)
        let recordedAt = recordedAt ?? context.now
        if let lastClose = try store.closedPeriods().last, recordedAt <= lastClose.closedAt {
            throw AppFailure.rejected(
                "recorded at \(context.display(recordedAt)) would not be after the close of \(lastClose.period) (\(context.display(lastClose.closedAt))): knowledge never goes backwards")
        }
        // With locations configured, a row naming another one is a row error, found with the others.
        let ingestor = FileIngestor(
            settings: IngestSettings(
                functionalCurrency: context.configuration.currency, locationCodes: context.configuration.locations.map(\.code),
                vendors: context.configuration.vendors))
        var outcomes: [IngestFileOutcome] = []
        for (path, displayName) in files {
            let outcome = IngestFileOutcome(
                path: displayName,
                fate: try ingestFile(path, displayName: displayName, store: store, ingestor: ingestor, kind: kind, recordedAt: recordedAt))
            report(outcome)
            outcomes.append(outcome)
        }
        return outcomes
    }

    static func ingestFile(
        _ path: String, displayName: String, store: any LedgerStore, ingestor: FileIngestor, kind: LedgerKind?, recordedAt: Instant
    ) throws -> IngestFate {
        let valid: ValidFile
        switch ingestor.check(path: path, displayName: displayName, kind: kind) {
        case .invalid(let detected, let errors): return .rejected(kind: detected, errors: errors)
        case .valid(let file): valid = file
        }
        return try load(path, displayName: displayName, checked: valid, store: store, ingestor: ingestor, recordedAt: recordedAt)
    }

    /// Pass 2: loads a file `check` found valid, in one store transaction. A file that changed or
    /// became unreadable since the check is rejected (nothing of it kept), like any other.
    static func load(
        _ path: String, displayName: String? = nil, checked valid: ValidFile, store: any LedgerStore, ingestor: FileIngestor,
        recordedAt: Instant
    ) throws -> IngestFate {
        let displayName = displayName ?? path
        let info = IngestFileInfo(name: displayName, sha256: valid.sha256, kind: valid.kind, byteCount: valid.byteCount, recordedAt: recordedAt)
        let outcome: AppendOutcome
        do {
            outcome = try store.append(info) { emit in
                var emitted = 0
                try ingestor.forEachRow(path: path, displayName: displayName, expected: valid) { row in
                    try emit(row)
                    emitted += 1
                    if emitted == faultKillAfterRows { kill(getpid(), SIGKILL) }
                }
            }
        } catch let error as StoreError {
            throw AppFailure(AppFailure.status(of: error), "\(displayName): \(error.description)")
        } catch let failure as IngestFailure {
            // The second pass found the file changed or unreadable since the check: this file is
            // rejected (rolled back whole), the others still land.
            return .rejected(kind: failure.kind ?? valid.kind, errors: failure.errors)
        }
        switch outcome {
        case .knownFile(let earlier): return .alreadyIngested(kind: valid.kind, earlier: earlier)
        case .appended(let file): return .landed(file)
        case .rejected(let errors): return .rejected(kind: valid.kind, errors: errors)
        }
    }
}

/// Crash testing: `COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS=N` makes an ingest kill itself with SIGKILL
/// (as `kill -9` would) after handing N rows of a file to the store, mid-transaction. Tests use it
/// to prove that a crash leaves no trace of the file.
private let faultKillAfterRows: Int? = ProcessInfo.processInfo.environment["COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS"]
    .flatMap { Int($0) }
