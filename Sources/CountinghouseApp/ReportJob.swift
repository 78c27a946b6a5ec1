// `report`: the folder of a span as known at a time — journal.csv, trial_balance.csv,
// journal.ledger, cogs.csv, valuation.csv, drift.csv for a closed period, reconciliation.csv,
// rollforward.csv, payments.csv, run.json — and the same files a close posts.
//
// Rules: a closed period's report is what was posted at its close, byte for byte, with the cost
// lines as known at the close and the drift as known now; a span ending inside a closed period
// takes its valuation and cost lines as known at that period's close (they then agree with the
// posted journal up to there); any other span is computed from the books. The same knowledge time
// gives the same bytes: nothing in the folder depends on the clock.
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore
import Foundation

/// The files of a period's books (what a close posts): journal, trial balance, valuation and the
/// hledger journal of a span. `costsAt`: where the valuation comes from when not `books` (a span
/// ending inside a closed period takes it as known at that period's close, as its posted journal
/// was).
func booksFolder(_ books: BooksAsKnown, span: ReportSpan, context: AppContext, costsAt: BooksAsKnown? = nil) throws -> ReportFolder {
    let exponent = context.currencyExponent
    let chart = context.configuration.chart
    var folder = ReportFolder()
    folder.add(csv: JournalTables.journal(JournalOutputs.entries(books.entries, in: span), exponent: exponent))
    folder.add(csv: JournalTables.trialBalance(try JournalOutputs.trialBalance(books.entries, span: span, chart: chart), exponent: exponent))
    let end = context.startOfDay(span.endDay)
    folder.add(
        csv: CostTables.valuation(
            try (costsAt ?? books).positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)), exponent: exponent))
    folder.add(
        name: "journal.ledger",
        text: LedgerWriter.render(
            try JournalOutputs.spanJournal(books.entries, span: span, chart: chart), currency: context.configuration.currency,
            exponent: exponent,
            header: [
                "Countinghouse journal for \(span), as known at \(context.describe(books.knowledge))",
                "Check it with: hledger -f journal.ledger check -s; hledger -f journal.ledger bal",
            ]))
    return folder
}

/// A report folder's content and what to tell the person who asked for it.
public struct Report: Sendable {
    public var span: ReportSpan
    public var knownAt: KnowledgeTime
    public var files: ReportFolder
    /// Each file's bytes, rendered once (run.json's checksums and the folder are made from them).
    public var rendered: [(name: String, content: String)]
    /// Journal entries dated in the span.
    public var entryCount: Int
    /// What the person should know about where the figures come from (a closed period's posted
    /// figures and drift, a span ending in a closed period).
    public var note: String
}

public enum ReportJob {
    /// The report of `span` as known at `knownAt`.
    public static func make(_ session: Session, span: ReportSpan, knownAt: KnowledgeTime) throws -> Report {
        let (store, context) = (session.store, session.context)
        let books = try BooksAsKnown(session, knownAt: knownAt)
        var files: ReportFolder
        let cogs: ReportTable
        var note = ""
        // A closed period's reconciliation is the one as known at its close, like its books (and
        // its posted files, when its close posted them).
        var reconciliationBooks = books
        var postedReconciliation: [(name: String, content: String)]?
        // Whether the journal shown and the reconciliation are of the same knowledge (not for a span
        // ending inside a closed period: its journal is the posted one, the reconciliation as known now).
        var tiesAreComparable = true
        if let closed = books.closedPeriod(exactly: span) {
            // Posted figures, byte for byte; cost lines as known at the close (the same run that
            // priced the posted journal), and the drift as known now.
            files = ReportFolder()
            for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "journal.ledger"] {
                guard let posted = try store.postedFile(period: closed.period, name: name) else {
                    throw AppFailure.rejected("\(closed.period) is closed but its posted \(name) is missing: run countinghouse verify")
                }
                // Posted bytes, as they were: a closed period never changes.
                files.add(name: name, text: posted.content)
            }
            let atClose = try BooksAsKnown(session, knownAt: .at(closed.closedAt))
            cogs = try cogsTable(atClose.costs, span: span, context: context)
            reconciliationBooks = atClose
            postedReconciliation = try ReconcileJob.posted(session, closed.period)
            let drift = try Books.drift(of: closed, closed: books.closed, computed: books.computed)
            files.add(csv: JournalTables.drift(drift, exponent: context.currencyExponent))
            let asKnown = knownAt.isNow ? "as known now" : "as known at \(context.describe(knownAt))"
            note = "; \(closed.period) is closed (as known at \(context.display(closed.closedAt))): posted figures, "
                + (drift.isEmpty ? "no drift \(asKnown)" : "\(drift.count) accounts drift \(asKnown) (drift.csv)")
        } else if let endClosed = books.closedPeriod(containing: span.lastDay) {
            tiesAreComparable = false
            // A span ending inside a closed period: its journal is the posted one up to there, so
            // its valuation and cost lines are as known at that period's close (they then agree
            // with the trial balance, and do not change after the close).
            let atClose = try BooksAsKnown(session, knownAt: .at(endClosed.closedAt), closesBefore: endClosed.span)
            files = try booksFolder(books, span: span, context: context, costsAt: atClose)
            cogs = try cogsTable(atClose.costs, span: span, context: context)
            note = "; it ends in \(endClosed.period), which is closed: valuation and cost lines as known at its close (\(context.display(endClosed.closedAt)))"
        } else {
            files = try booksFolder(books, span: span, context: context)
            cogs = try cogsTable(books.costs, span: span, context: context)
        }
        files.insert(ReportFile(name: "cogs.csv", content: .csv(cogs)), after: "journal.ledger")
        let reconciliation = try ReconcileJob.files(reconciliationBooks, span: span, context: context)
        for file in postedReconciliation ?? reconciliation.rendered { files.add(name: file.name, text: file.content) }
        // SEMANTICS §6.7 / §7.8 at the span's end: the journal's card clearing and processor balance
        // against the open reconciliation items, per processor.
        if tiesAreComparable, reconciliationBooks.reconciliation.itemDays != nil {
            let ties = BooksChecks.cardMoneyTies(
                reconciliationBooks.entries, reconciliation: reconciliationBooks.reconciliation, periodEnds: [span.lastDay],
                chart: context.configuration.chart, exponent: context.currencyExponent)
            note += ties.isEmpty
                ? "; card clearing and processor balance = open reconciliation items"
                : "; card money does not tie: " + ties.joined(separator: "; ")
        }
        // SEMANTICS §6.6: an override that names nothing known is listed in the run's summary.
        for id in reconciliation.report.overridesNamingNothing {
            note += "; override \(id) names nothing known at the end of \(span.lastDay)"
        }
        var rendered = files.files.map { (name: $0.name, content: $0.rendered) }
        let run = runJSON(span: span, books: books, files: rendered, context: context)
        files.add(name: "run.json", text: run)
        rendered.append((name: "run.json", content: run))
        let entryCount = JournalOutputs.entries(books.entries, in: span).count
        // A folder of empty tables says nothing by itself: the summary says why it is empty.
        if books.fileCount == 0 {
            if let first = try store.files().first {
                note += "; nothing was ingested by then (the first file was recorded at \(context.display(first.recordedAt)))"
            } else {
                note += "; the ledger holds no files yet (countinghouse ingest FILE…)"
            }
        } else if entryCount == 0 && cogs.rows.isEmpty {
            note += "; no journal entry and no stock outflow is dated in \(span)"
        }
        return Report(span: span, knownAt: knownAt, files: files, rendered: rendered, entryCount: entryCount, note: note)
    }

    /// cogs.csv of a span: the outflows that occurred in it.
    static func cogsTable(_ costs: CostView, span: ReportSpan, context: AppContext) throws -> ReportTable {
        let start = context.startOfDay(span.firstDay)
        let end = context.startOfDay(span.endDay)
        return CostTables.cogs(
            try costs.cogs(from: start, to: end), from: start, to: end, exponent: context.currencyExponent, offset: context.offset)
    }

    /// What produced the folder: no wall-clock time in it, so the same knowledge time gives the
    /// same bytes.
    static func runJSON(span: ReportSpan, books: BooksAsKnown, files: [(name: String, content: String)], context: AppContext) -> String {
        func quoted(_ text: String) -> String { JSONWriter.string(text) }
        var json = "{\n"
        json += "  \"program\": \(quoted("countinghouse \(countinghouseVersion)")),\n"
        json += "  \"span\": \(quoted(span.description)),\n"
        json += "  \"first_day\": \(quoted(span.firstDay.description)),\n"
        json += "  \"last_day\": \(quoted(span.lastDay.description)),\n"
        json += "  \"as_known_at\": \(quoted(context.display(books.knownAt))),\n"
        json += "  \"currency\": \(quoted(context.configuration.currency)),\n"
        json += "  \"time_zone\": \(quoted(context.configuration.timeZone)),\n"
        json += "  \"input_files\": \(books.fileCount),\n"
        json += "  \"inputs_sha256\": \(quoted(books.inputsDigest)),\n"
        json += "  \"closed_periods\": [" + books.closed.map { quoted($0.period.description) }.joined(separator: ", ") + "],\n"
        json += "  \"outputs\": {\n"
        json += files.map { "    \(quoted($0.name)): \(quoted("sha256:" + sha256Hex($0.content)))" }.joined(separator: ",\n")
        json += "\n  }\n}\n"
        return json
    }

    /// Writes a report's folder in one step, replacing an earlier one whole (see `FolderWriter`).
    public static func write(_ report: Report, to folder: String) throws(AppFailure) {
        try FolderWriter.replace(folder, with: report.rendered)
    }
}

extension Report {
    /// The line `report` prints: the span, how many entries and files, where, as known when.
    public func summary(folder: String, context: AppContext) -> String {
        "\(span): \(entryCount) journal entries and \(files.files.count) files in \(folder) (as known at \(context.describe(knownAt)))\(note)"
    }
}
