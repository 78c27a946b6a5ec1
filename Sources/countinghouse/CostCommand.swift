import ArgumentParser
import CountinghouseCore
import Foundation

struct CostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cost",
        abstract: "Writes cogs.csv (every stock outflow in the span) and valuation.csv (stock at the span's end).",
        discussion: """
            Costs are FIFO per SKU and location over everything known at --as-known-at (default now);
            the span selects from that one run, it never cuts the sequence at the span's end.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var span: SpanOptions
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "The folder to write into (created if missing).") var out: String

    func run() throws {
        let environment = try CommandEnvironment(global)
        let span = try span.span()
        let knownAt = try knownAt.instant(environment)
        let store = try openLedgerStoreForCommand(environment)
        let costs = try CostView(store, environment: environment, knownAt: knownAt, sku: nil)
        let start = environment.zone.startOfDay(span.firstDay)
        let end = environment.zone.startOfDay(span.endDay)
        let offset = environment.zone.offsetFunction
        let cogs = CostTables.cogs(
            try costs.cogs(from: start, to: end), from: start, to: end, exponent: environment.currencyExponent,
            offset: offset)
        let valuation = CostTables.valuation(
            try costs.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1), sku: nil),
            exponent: environment.currencyExponent)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (name, table) in [("cogs.csv", cogs), ("valuation.csv", valuation)] {
            let path = (out as NSString).appendingPathComponent(name)
            guard FileManager.default.createFile(atPath: path, contents: Data(table.renderCSV().utf8)) else {
                throw CommandFailure("\(path): cannot write the file")
            }
        }
        print("\(span): \(cogs.rows.count) outflows in \(out)/cogs.csv, \(valuation.rows.count) positions in \(out)/valuation.csv (as known at \(environment.display(knownAt ?? environment.now)))")
    }
}
