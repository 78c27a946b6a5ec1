import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct EntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Shows one journal entry and the ledger rows behind it (the drill-down from journal.csv).",
        discussion: """
            ID is a journal.csv entry_id, e.g. SALES:2026-10-15:S01 or GOODS:2026-10-12:GR-100031. The lines are \
            the books' (posted ones for a closed period); the rows behind them are the ledger's as known at the \
            same time, each with its file and row.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var knownAt: KnownAtOption
    @Argument(help: "The entry id (journal.csv's entry_id).") var id: String
    @Option(help: "Output format: table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        let context = try global.context()
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let drillDown = try EntryJob.drillDown(session, id: id, knownAt: knownAt)
        let entry = drillDown.entry
        if format == .table {
            print("\(entry.id)  \(entry.date)  \(entry.memo)")
            print("source: \(entry.sourceType) \(entry.sourceReference)\(entry.aboutPeriod.map { ", about \($0)" } ?? "")")
            print()
            print(TextTableWriter.render(drillDown.lines))
            print()
            print("from the ledger (as known at \(context.describe(knownAt))):")
            print(TextTableWriter.render(drillDown.sources))
        } else {
            print(format.render(drillDown.sources), terminator: "")
        }
    }
}
