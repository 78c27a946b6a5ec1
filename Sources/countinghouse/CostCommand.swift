import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Writes cogs.csv (every stock outflow in the span) and valuation.csv (stock at the span's end).",
        discussion: """
            Costs are FIFO per SKU and location over everything known at --as-known-at (default now); the span \
            selects from that one run, it never cuts the sequence at the span's end. The folder is written whole \
            and replaces an earlier one.
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
        let (cogs, valuation) = try CostJobs.costFiles(session, span: span, knownAt: knownAt)
        try FolderWriter.replace(out, with: [("cogs.csv", CSVWriter.render(cogs)), ("valuation.csv", CSVWriter.render(valuation))])
        print("\(span): \(cogs.rows.count) outflows in \(out)/cogs.csv, \(valuation.rows.count) positions in \(out)/valuation.csv (as known at \(context.describe(knownAt)))")
    }
}
