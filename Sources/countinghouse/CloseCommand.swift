import ArgumentParser
import CountinghouseCore
import CountinghouseStore

struct CloseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "close",
        abstract: "Closes a period: posts its journal, trial balance and valuation as known now.",
        discussion: """
            Periods close in order, once each, and only after they have ended. A closed period never changes:
            what is learnt about it later is posted in the first open period as prior-period adjustments.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "The month to close, e.g. 2026-10.") var period: String

    func validate() throws {
        guard ReportSpan.period(period) != nil else {
            throw ValidationError("--period \(period): expected a month YYYY-MM, e.g. 2026-10")
        }
    }

    func run() throws {
        let environment = try CommandEnvironment(global)
        let span = ReportSpan.period(period)!
        let now = environment.now
        let store = try openLedgerStoreForCommand(environment)
        let closed = try store.closedPeriods()
        if closed.contains(where: { $0.period == period }) {
            throw CommandFailure("\(period) is already closed; what is learnt about it now goes into the first open period")
        }
        let end = environment.zone.startOfDay(span.endDay)
        guard now >= end else {
            throw CommandFailure("\(period) has not ended (it ends at \(environment.display(end)); now is \(environment.display(now)))")
        }
        if let last = closed.last {
            guard now >= last.closedAt else {
                throw CommandFailure(
                    "the clock (\(environment.display(now))) is before the close of \(last.period) (\(environment.display(last.closedAt))): knowledge never goes backwards")
            }
            let next = Books.period(of: last.span.endDay)
            guard next == period else {
                throw CommandFailure(
                    span.firstDay < last.span.firstDay
                        ? "\(period) is before \(last.period), which is closed: periods close in order"
                        : "\(next) is open: close it before \(period) (periods close in order)")
            }
        }
        let books = try BooksView(store, environment: environment, knownAt: now)
        if closed.isEmpty, let first = books.firstBusinessDate, first < span.firstDay {
            throw CommandFailure(
                "\(Books.period(of: first)) is open (the ledger's first rows are dated \(first)): close it before \(period) (periods close in order)")
        }
        // What is posted: the period's own entries and the adjustments for the periods before it
        // (which the books date on its first day).
        let posted = JournalOutputs.entries(books.entries, in: span)
        if let unbalanced = posted.first(where: { $0.imbalance != 0 }) {
            throw CommandFailure(
                "\(unbalanced.id) does not balance (\(unbalanced.imbalance) minor units): the posted periods were altered; run countinghouse verify")
        }
        let closedPeriod = ClosedPeriod(period: period, span: span, closedAt: now, entries: posted)
        let files = try ReportFiles.books(books, span: span, environment: environment)
        do {
            try store.postClose(
                closedPeriod, files: files.files.map { PostedFile(name: $0.name, content: $0.content) },
                filesKnown: books.fileCount, programVersion: countinghouseVersion)
        } catch let error as PostedPeriodError {
            throw CommandFailure(error.description)
        }
        let adjustments = posted.filter { !$0.aboutPeriod.isEmpty }
        print(
            "closed \(period) as known at \(environment.display(now)): \(posted.count) entries, "
                + "\(posted.reduce(0) { $0 + $1.lines.count }) lines posted"
                + (adjustments.isEmpty ? "" : ", with prior-period adjustments for \(adjustments.map(\.aboutPeriod).joined(separator: ", "))"))
    }
}
