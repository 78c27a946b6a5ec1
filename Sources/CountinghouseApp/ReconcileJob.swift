// `reconcile` and the reconciliation files of `report` and `close`: the card money of a span as
// known at a time (SEMANTICS §6), from the same rows as the books.
//
// Rules: the reconciliation of a span is the one at the end of its last day; a closed period's is
// computed as known at its close (so it is reproduced byte for byte, whatever was learnt later);
// the same knowledge time gives the same bytes.
import CountinghouseCore
import CountinghouseReport

public struct ReconciliationFiles: Sendable {
    public var report: ReconciliationReport
    /// reconciliation.csv, rollforward.csv, payments.csv.
    public var tables: [ReportTable]
}

public enum ReconcileJob {
    /// The reconciliation of `span` from books already read.
    public static func files(_ books: BooksAsKnown, span: ReportSpan, context: AppContext) throws -> ReconciliationFiles {
        let report = try books.reconciliation.report(span)
        let exponent = context.currencyExponent
        return ReconciliationFiles(
            report: report,
            tables: [
                ReconciliationTables.reconciliation(report, exponent: exponent, offset: context.offset),
                ReconciliationTables.rollforward(report, exponent: exponent, offset: context.offset),
                ReconciliationTables.payments(report, exponent: exponent),
            ])
    }

    /// The reconciliation of `span` as known at `knownAt` (a closed period's as known at its close,
    /// when `knownAt` is after it).
    public static func make(_ session: Session, span: ReportSpan, knownAt: KnowledgeTime) throws -> ReconciliationFiles {
        let books = try BooksAsKnown(session, knownAt: knownAt)
        if let closed = books.closedPeriod(exactly: span) {
            return try files(try BooksAsKnown(session, knownAt: .at(closed.closedAt)), span: span, context: session.context)
        }
        return try files(books, span: span, context: session.context)
    }

    /// Writes the three files into `folder` (created if missing), replacing the folder whole.
    public static func write(_ files: ReconciliationFiles, to folder: String) throws(AppFailure) {
        try FolderWriter.replace(folder, with: files.tables.map { (name: "\($0.name).csv", content: CSVWriter.render($0)) })
    }
}
