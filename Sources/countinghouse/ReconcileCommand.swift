import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Reconciles card money for a span, as known at a time: POS card tenders, settlements, payouts.",
        discussion: """
            Files: reconciliation.csv (every card tender and settlement record of the span, every item open \
            at its start or end, with its status), rollforward.csv (card clearing and processor balance per \
            processor: opening, activity, closing, the open items) and payments.csv (each card payment's life). \
            Prints the counts and amounts by status, then the exceptions, largest and oldest first. A closed \
            period is reconciled as known at its close. Rules: [reconciliation] in countinghouse.toml.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var span: SpanOptions
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "The folder to write into (created if missing).") var out: String

    func run() throws {
        let context = try global.context()
        let span = try span.span()
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let files = try ReconcileJob.make(session, span: span, knownAt: knownAt)
        try ReconcileJob.write(files, to: out)
        print(ReconciliationTables.summary(files.report, exponent: context.currencyExponent), terminator: "")
        let closed = files.closedAt.map { "; \(span) is closed: as known at its close, \(context.display($0))" } ?? ""
        print("files in \(out) (as known at \(context.describe(knownAt))\(closed))")
    }
}
