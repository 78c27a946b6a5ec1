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

/// The tables of a period's books (what a close posts and a report's workbook shows): journal,
/// trial balance, valuation and the hledger journal of a span. `costsAt`: where the valuation comes
/// from when not `books` (a span ending inside a closed period takes it as known at that period's
/// close, as its posted journal was).
func booksTables(_ books: BooksAsKnown, span: ReportSpan, context: AppContext, costsAt: BooksAsKnown? = nil) throws -> BooksTables {
    // The span's sales entries name their unbalanced tickets only when the books listed them.
    precondition(books.detail.knowsMovements(in: span), "the books do not list the tickets of \(span)")
    let exponent = context.currencyExponent
    let chart = context.configuration.chart
    let spanEntries = JournalOutputs.entries(books.entries, in: span)
    let trialBalanceRows = try JournalOutputs.trialBalance(books.entries, span: span, chart: chart)
    let end = context.startOfDay(span.endDay)
    let positions = try (costsAt ?? books).positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1))
    let ledger = LedgerWriter.pieces(
        try JournalOutputs.spanJournal(books.entries, span: span, chart: chart), currency: context.configuration.currency,
        exponent: exponent,
        header: [
            "Countinghouse journal for \(span), as known at \(context.describe(books.knowledge))",
            "Check it with: hledger -f journal.ledger check -s; hledger -f journal.ledger bal",
        ])
    return BooksTables(
        spanEntries: spanEntries, journal: JournalTables.journal(spanEntries, exponent: exponent), trialBalanceRows: trialBalanceRows,
        trialBalance: JournalTables.trialBalance(trialBalanceRows, exponent: exponent), positions: positions,
        valuation: CostTables.valuation(positions, exponent: exponent), ledger: ledger)
}

/// The files of a period's books (what a close posts): journal, trial balance, valuation and the
/// hledger journal of a span.
func booksFolder(_ tables: BooksTables) -> ReportFolder {
    var folder = ReportFolder()
    folder.add(csv: tables.journal)
    folder.add(csv: tables.trialBalance)
    folder.add(csv: tables.valuation)
    folder.add(ReportFile(name: "journal.ledger", content: .pieces(tables.ledger)))
    return folder
}

func booksFolder(_ books: BooksAsKnown, span: ReportSpan, context: AppContext, costsAt: BooksAsKnown? = nil) throws -> ReportFolder {
    booksFolder(try booksTables(books, span: span, context: context, costsAt: costsAt))
}

/// A report folder's content and what to tell the person who asked for it.
public struct Report: Sendable {
    public var span: ReportSpan
    public var knownAt: KnowledgeTime
    /// The folder's text files but run.json (which names every file's checksum, the workbook's
    /// too, and is made when the folder is written); a table's rows are made as it is written.
    public var files: ReportFolder
    /// report.xlsx.
    public var workbook: Workbook
    /// What run.json says besides the outputs.
    var run: RunDescription
    /// Journal entries dated in the span.
    public var entryCount: Int
    /// What the person should know about where the figures come from (a closed period's posted
    /// figures and drift, a span ending in a closed period).
    public var note: String
}

/// What produced a report folder (run.json without its outputs).
struct RunDescription: Sendable {
    var span: ReportSpan
    var knownAt: Instant
    var inputFiles: Int
    var inputsDigest: String
    var closedPeriods: [Period]
}

public enum ReportJob {
    /// The report of `span` as known at `knownAt`.
    public static func make(_ session: Session, span: ReportSpan, knownAt: KnowledgeTime) throws -> Report {
        try make(session, span: span, books: try BooksAsKnown(session, knownAt: knownAt, detail: .movements(in: span)))
    }

    /// The report of `span` from books already read (the nightly run reads them once for the day's
    /// and the period-to-date report), which know the SKUs that moved on each day of it.
    public static func make(_ session: Session, span: ReportSpan, books: BooksAsKnown) throws -> Report {
        try make(session, span: span, books: books, rowsHeld: RowsHeld())
    }

    /// How many rows of its longest tables a report holds; beyond, a table is made again as it is
    /// written (`WorkbookData.stockTrailTable`, `SpanCostLines`).
    struct RowsHeld {
        var stockTrail = WorkbookData.stockTrailRowsHeld
        var costLines = SpanCostLines.linesHeld
        var costLinesPerChunk = SpanCostLines.linesPerChunk
    }

    /// The same, holding at most `rowsHeld` rows of the stock trail and of the cost lines.
    static func make(_ session: Session, span: ReportSpan, books: BooksAsKnown, rowsHeld: RowsHeld) throws -> Report {
        let (store, context) = (session.store, session.context)
        let knownAt = books.knowledge
        var phases = PhaseTimer()
        var files: ReportFolder
        let tables: BooksTables
        var costBooks = books
        var postedDifferences: [String] = []
        var note = ""
        // A closed period's reconciliation is the one as known at its close, like its books (and
        // its posted files, when its close posted them).
        var reconciliationBooks = books
        var postedReconciliation: [(name: String, content: String)]?
        // Whether the journal shown and the reconciliation are of the same knowledge (not for a span
        // ending inside a closed period: its journal is the posted one, the reconciliation as known now).
        var tiesAreComparable = true
        // The version that closed the span's period (its posted files are compared with the sheets
        // only when it is this one).
        var closedVersion: String?
        if let closed = books.closedPeriod(exactly: span) {
            closedVersion = closed.programVersion
            // Posted figures, byte for byte; cost lines as known at the close (the same run that
            // priced the posted journal), and the drift as known now.
            let atClose = try BooksAsKnown(session, knownAt: .at(closed.closedAt), detail: .movements(in: span))
            costBooks = atClose
            // The workbook's sheets: the posted entries, priced as at the close (what was posted).
            tables = try booksTables(books, span: span, context: context, costsAt: atClose)
            let recomputed = booksFolder(tables)
            files = ReportFolder()
            for name in ["journal.csv", "trial_balance.csv", "valuation.csv", "journal.ledger"] {
                guard let posted = try store.postedFile(period: closed.period, name: name) else {
                    throw AppFailure.rejected("\(closed.period) is closed but its posted \(name) is missing: run countinghouse verify")
                }
                // Posted bytes, as they were: a closed period never changes.
                files.add(name: name, text: posted.content)
                // Another version may lay the same figures out otherwise (verify compares the entries).
                if closed.programVersion == countinghouseVersion, name != "journal.ledger",
                    recomputed.files.first(where: { $0.name == name })?.rendered != posted.content
                {
                    postedDifferences.append("the posted \(name) differs from the sheet (made by another version?): trust the posted file")
                }
            }
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
            let atClose = try BooksAsKnown(
                session, knownAt: .at(endClosed.closedAt), closesBefore: endClosed.span, detail: .movements(in: span))
            costBooks = atClose
            tables = try booksTables(books, span: span, context: context, costsAt: atClose)
            files = booksFolder(tables)
            note = "; it ends in \(endClosed.period), which is closed: valuation and cost lines as known at its close (\(context.display(endClosed.closedAt)))"
        } else {
            tables = try booksTables(books, span: span, context: context)
            files = booksFolder(tables)
        }
        phases.mark("report: journal, trial balance, valuation")
        let costLines = try SpanCostLines(
            costBooks.costs, span: span, context: context, linesHeld: rowsHeld.costLines, linesPerChunk: rowsHeld.costLinesPerChunk)
        files.insert(ReportFile(name: "cogs.csv", content: .csv(costLines.table)), after: "journal.ledger")
        phases.mark("report: cost lines (\(costLines.count)\(costLines.pages == nil ? "" : ", counted; made again as written"))")
        let reconciliation = try ReconcileJob.files(reconciliationBooks, span: span, context: context)
        phases.mark("report: reconciliation (\(reconciliation.report.rows.count) items)")
        for file in postedReconciliation.map({ $0.map { ReportFile(name: $0.name, content: .text($0.content)) } }) ?? reconciliation.files {
            files.add(file)
        }
        if closedVersion == countinghouseVersion, let posted = postedReconciliation,
            posted.map(\.content) != reconciliation.files.map(\.rendered)
        {
            postedDifferences.append("the posted reconciliation files differ from the sheets (made with another [reconciliation]?): trust the posted files")
        }
        // SEMANTICS §6.7 / §7.8 at the span's end: the journal's card clearing and processor balance
        // against the open reconciliation items, per processor.
        var ties: [String]?
        if tiesAreComparable, reconciliationBooks.reconciliation.itemDays != nil {
            let problems = BooksChecks.cardMoneyTies(
                reconciliationBooks.entries, reconciliation: reconciliationBooks.reconciliation, periodEnds: [span.lastDay],
                chart: context.configuration.chart, exponent: context.currencyExponent,
                statesMade: reconciliation.report.endState.map { [$0] } ?? [])
            ties = problems
            note += problems.isEmpty
                ? "; card clearing and processor balance = open reconciliation items"
                : "; card money does not tie: " + problems.joined(separator: "; ")
        }
        // SEMANTICS §6.6: an override that names nothing known is listed in the run's summary.
        for id in reconciliation.report.overridesNamingNothing {
            note += "; override \(id) names nothing known at the end of \(span.lastDay)"
        }
        let workbook = try WorkbookJob.workbook(
            session, span: span,
            WorkbookJob.Parts(
                books: books, costBooks: costBooks, tables: tables, costLines: costLines, reconciliation: reconciliation,
                cardMoneyTies: ties, postedDifferences: postedDifferences, stockTrailRowsHeld: rowsHeld.stockTrail))
        let entryCount = tables.spanEntries.count
        // A folder of empty tables says nothing by itself: the summary says why it is empty.
        if books.fileCount == 0 {
            if let first = try store.files().first {
                note += "; nothing was ingested by then (the first file was recorded at \(context.display(first.recordedAt)))"
            } else {
                note += "; the ledger holds no files yet (countinghouse ingest FILE…)"
            }
        } else if entryCount == 0 && costLines.count == 0 {
            note += "; no journal entry and no stock outflow is dated in \(span)"
        }
        return Report(
            span: span, knownAt: knownAt, files: files, workbook: workbook,
            run: RunDescription(
                span: span, knownAt: books.knownAt, inputFiles: books.fileCount, inputsDigest: books.inputsDigest,
                closedPeriods: books.closed.map(\.period)),
            entryCount: entryCount, note: note)
    }

    /// What produced the folder: no wall-clock time in it, so the same knowledge time gives the
    /// same bytes. `outputs`: every other file of the folder with its sha256.
    static func runJSON(_ run: RunDescription, outputs: [(name: String, sha256: String)], context: AppContext) -> String {
        func quoted(_ text: String) -> String { JSONWriter.string(text) }
        var json = "{\n"
        json += "  \"program\": \(quoted("countinghouse \(countinghouseVersion)")),\n"
        json += "  \"span\": \(quoted(run.span.description)),\n"
        json += "  \"first_day\": \(quoted(run.span.firstDay.description)),\n"
        json += "  \"last_day\": \(quoted(run.span.lastDay.description)),\n"
        json += "  \"as_known_at\": \(quoted(context.display(run.knownAt))),\n"
        json += "  \"currency\": \(quoted(context.configuration.currency)),\n"
        json += "  \"time_zone\": \(quoted(context.configuration.timeZone)),\n"
        json += "  \"input_files\": \(run.inputFiles),\n"
        json += "  \"inputs_sha256\": \(quoted(run.inputsDigest)),\n"
        json += "  \"closed_periods\": [" + run.closedPeriods.map { quoted($0.description) }.joined(separator: ", ") + "],\n"
        json += "  \"outputs\": {\n"
        json += outputs.map { "    \(quoted($0.name)): \(quoted("sha256:" + $0.sha256))" }.joined(separator: ",\n")
        json += "\n  }\n}\n"
        return json
    }

    /// Writes a report's folder in one step, replacing an earlier one whole (see `FolderWriter`):
    /// its text files, report.xlsx and run.json. Each file is written a piece at a time, beside
    /// the folder, then all are moved in together.
    /// `progress` hears how many of the workbook's rows are written.
    public static func write(_ report: Report, to folder: String, context: AppContext, progress: ((Int) -> Void)? = nil)
        throws(AppFailure)
    {
        // Refused before anything is written beside it (the workbook is written first).
        try FolderWriter.checkReplaceable(folder)
        let workbook = try WorkbookJob.writeStaged(report.workbook, beside: folder, progress: progress)
        var staged: [(name: String, path: String, sha256: String)] = []
        do throws(AppFailure) {
            staged = try FolderWriter.stage(report.files.files, beside: folder)
            // A table made again as its file was written that could not be: the file is not the report.
            if let failure = report.workbook.madeAgain.lazy.compactMap(\.failure).first { throw AppFailure.from(failure) }
        } catch {
            unlink(workbook.path)
            for file in staged { unlink(file.path) }
            throw error
        }
        let outputs = staged.map { (name: $0.name, sha256: $0.sha256) } + [(WorkbookJob.fileName, workbook.sha256)]
        let run = runJSON(report.run, outputs: outputs, context: context)
        try FolderWriter.replace(
            folder, with: [("run.json", run)], moving: staged.map { ($0.name, $0.path) } + [(WorkbookJob.fileName, workbook.path)])
    }
}

extension Report {
    /// The line `report` prints: the span, how many entries and files, where, as known when.
    public func summary(folder: String, context: AppContext) -> String {
        // The text files, report.xlsx and run.json.
        "\(span): \(entryCount) journal entries and \(files.files.count + 2) files in \(folder) (as known at \(context.describe(knownAt)))\(note)"
    }
}
