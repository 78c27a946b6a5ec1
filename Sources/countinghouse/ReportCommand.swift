import ArgumentParser
import CountinghouseApp
import CountinghouseCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Writes the journal, trial balance, cost and valuation files for a span, as known at a time.",
        discussion: """
            Files: journal.csv, trial_balance.csv, journal.ledger (hledger), cogs.csv, valuation.csv, run.json. \
            A closed period's report is what was posted at its close, byte for byte; drift.csv then shows what \
            would differ as known at --as-known-at. The same --as-known-at gives the same bytes every time. The \
            folder is written whole and replaces an earlier report; a folder holding other files is refused.
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
        let report = try ReportJob.make(session, span: span, knownAt: knownAt)
        try ReportJob.write(report, to: out, context: context)
        print(report.summary(folder: out, context: context))
    }
}
