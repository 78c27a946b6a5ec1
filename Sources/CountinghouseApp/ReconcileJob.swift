// `reconcile` and the reconciliation files of `report` and `close`: the card money of a span as
// known at a time (SEMANTICS §6), from the same rows as the books.
//
// Rules: the reconciliation of a span is the one at the end of its last day; a closed period's is
// what its close posted (computed as known at its close, for a close made before the files were
// posted), so it is reproduced byte for byte whatever was learnt or configured later; the same
// knowledge time gives the same bytes.
import CountinghouseCore
import CountinghouseReport

public struct ReconciliationFiles: Sendable {
    public var report: ReconciliationReport
    /// reconciliation.csv, rollforward.csv, payments.csv.
    public var tables: [ReportTable]
    /// When the span is a closed period: the instant it was closed at, which the files are as known at.
    public var closedAt: Instant?
    /// The files, in `fileNames` order: `tables` (rendered when written), or for a closed period
    /// the text its close posted (a closed period never changes, whatever the configuration says now).
    public var files: [ReportFile]
}

public enum ReconcileJob {
    /// The files, in the order a report folder lists them.
    public static let fileNames = ["reconciliation.csv", "rollforward.csv", "payments.csv"]

    /// A closed period's posted reconciliation files (nil for a close made before they were
    /// posted: those are recomputed as known at the close).
    static func posted(_ session: Session, _ period: Period) throws -> [(name: String, content: String)]? {
        var files: [(name: String, content: String)] = []
        for name in fileNames {
            guard let file = try session.store.postedFile(period: period, name: name) else { return nil }
            files.append((name, file.content))
        }
        return files
    }

    /// The reconciliation of `span` from books already read.
    public static func files(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> ReconciliationFiles {
        try files(books.reconciliation, span: span, context: context)
    }

    static func files(_ reconciliation: Reconciliation, span: ReportSpan, context: AppContext) throws -> ReconciliationFiles {
        let report = try reconciliation.report(span)
        let exponent = context.currencyExponent
        let tables = [
            ReconciliationTables.reconciliation(report, exponent: exponent, offset: context.offset),
            ReconciliationTables.rollforward(report, exponent: exponent, offset: context.offset),
            ReconciliationTables.payments(report, exponent: exponent),
        ]
        return ReconciliationFiles(
            report: report, tables: tables, closedAt: nil, files: tables.map { ReportFile(name: "\($0.name).csv", content: .csv($0)) })
    }

    /// The reconciliation of `span` as known at `knownAt` (a closed period's as known at its close,
    /// when `knownAt` is after it). Reads only what the reconciliation is made of (tenders,
    /// settlements, overrides): no costs, no journal.
    public static func make(_ session: Session, span: ReportSpan, knownAt: KnowledgeTime) throws -> ReconciliationFiles {
        let closed = try session.store.closedPeriods().first { $0.closedAt <= knownAt.instant && $0.span == span }
        let reconciliation = try reconciliation(session, knownAt: closed?.closedAt ?? knownAt.instant)
        var made = try files(reconciliation, span: span, context: session.context)
        if let closed {
            made.closedAt = closed.closedAt
            if let posted = try posted(session, closed.period) { made.files = posted.map { ReportFile(name: $0.name, content: .text($0.content)) } }
        }
        return made
    }

    /// The reconciliation of everything recorded by `knownAt`.
    public static func reconciliation(_ session: Session, knownAt: Instant) throws -> Reconciliation {
        let store = session.store
        // Packed as they stream past, as the books pack them.
        var tenders = PackedRows<POSTender>()
        try store.forEachRow(of: .posTenders, knownAt: knownAt) { tenders.append(POSTender($0.row)) }
        var records = PackedRows<SettlementRecord>()
        try store.forEachRow(of: .settlements, knownAt: knownAt) { records.append(SettlementRecord($0.row)) }
        return Reconciliation(
            ReconciliationInput(
                tenders: tenders, records: records,
                overrides: try store.rows(of: .overrides, knownAt: knownAt).map {
                    RecordedOverride(Override($0.row), recordedAt: $0.recordedAt)
                },
                settings: session.context.configuration.reconciliation, offset: session.context.offset))
    }

    /// Writes the three files into `folder` (created if missing), replacing the folder whole.
    public static func write(_ files: ReconciliationFiles, to folder: String) throws(AppFailure) {
        // Refused before anything is written beside it.
        try FolderWriter.checkReplaceable(folder)
        let staged = try FolderWriter.stage(files.files, beside: folder)
        try FolderWriter.replace(folder, with: [], moving: staged.map { ($0.name, $0.path) })
    }
}
