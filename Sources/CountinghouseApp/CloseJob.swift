// `close`: posts a period's journal, trial balance, valuation, hledger journal and reconciliation
// files as known now (SEMANTICS §4), append-only like the ledger.
//
// Rules: a period closes once, after it has ended, in order (months close in order from the
// ledger's first business date); the clock may not be before the latest close (a close is
// knowledge too); what is posted must balance. Errors a user can see: each refusal, with what to
// do instead (exit status `rejected`).
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore

/// What a close posted.
public struct CloseOutcome: Sendable {
    public var period: Period
    public var closedAt: Instant
    public var entries: [JournalEntry]
    public var files: ReportFolder

    /// The closed periods adjusted by prior-period adjustments posted with this close.
    public var adjustedPeriods: [Period] { entries.compactMap(\.aboutPeriod) }

    /// The line `close` prints.
    public func summary(context: AppContext) -> String {
        "closed \(period) as known at \(context.display(closedAt)): \(entries.count) entries, "
            + "\(entries.reduce(0) { $0 + $1.lines.count }) lines posted"
            + (adjustedPeriods.isEmpty ? "" : ", with prior-period adjustments for \(adjustedPeriods.map(\.description).joined(separator: ", "))")
    }
}

public enum CloseJob {
    /// Closes `period` (a month, `2026-10`) as known at the context's clock.
    public static func close(_ session: Session, period: Period) throws -> CloseOutcome {
        let (store, context) = (session.store, session.context)
        let span = period.span
        let now = context.now
        let closed = try store.closedPeriods()
        if closed.contains(where: { $0.period == period }) {
            throw AppFailure.rejected("\(period) is already closed; what is learnt about it now goes into the first open period")
        }
        let end = context.startOfDay(span.endDay)
        guard now >= end else {
            throw AppFailure.rejected("\(period) has not ended (it ends at \(context.display(end)); now is \(context.display(now)))")
        }
        if let last = closed.last {
            guard now >= last.closedAt else {
                throw AppFailure.rejected(
                    "the clock (\(context.display(now))) is before the close of \(last.period) (\(context.display(last.closedAt))): knowledge never goes backwards")
            }
            let next = last.period.next
            guard next == period else {
                throw AppFailure.rejected(
                    span.firstDay < last.span.firstDay
                        ? "\(period) is before \(last.period), which is closed: periods close in order"
                        : "\(next) is open: close it before \(period) (periods close in order)")
            }
        }
        // The period's days in detail: its sales entries, as posted, name the tickets that do not balance.
        let books = try BooksAsKnown(session, knownAt: context.knownNow, detail: .movements(in: span))
        if closed.isEmpty, let first = books.firstBusinessDate, first < span.firstDay {
            throw AppFailure.rejected(
                "\(Period(containing: first)) is open (the ledger's first rows are dated \(first)): close it before \(period) (periods close in order)")
        }
        // What is posted: the period's own entries and the adjustments for the periods before it
        // (which the books date on its first day).
        let posted = JournalOutputs.entries(books.entries, in: span)
        if let unbalanced = posted.first(where: { $0.imbalance != 0 }) {
            throw AppFailure.rejected(
                "\(unbalanced.id) does not balance (debits − credits = \(formatMinorUnits(sum: unbalanced.imbalance, exponent: context.currencyExponent))): the posted periods were altered; run countinghouse verify")
        }
        let closedPeriod = ClosedPeriod(period: period, closedAt: now, entries: posted, programVersion: countinghouseVersion)
        var files = try booksFolder(books, span: span, context: context)
        // The reconciliation as known now is posted with the books: the period's card money as
        // closed, whatever the configuration says later.
        for table in try ReconcileJob.files(books, span: span, context: context).tables { files.add(csv: table) }
        do {
            try store.postClose(
                closedPeriod, files: files.files.map { PostedFile(name: $0.name, content: $0.rendered) },
                filesKnown: books.fileCount)
        } catch let error as PostedPeriodError {
            throw AppFailure.rejected(error.description)
        }
        return CloseOutcome(period: period, closedAt: now, entries: posted, files: files)
    }
}
