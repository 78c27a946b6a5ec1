import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct TrailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "Every movement of one item at one location, with running units and value, and the layers each outflow took.",
        discussion: """
            Under each outflow: the layers it took from (document, file and row, units, unit cost, value) and the \
            units still pending at the provisional cost. Use --location IN_TRANSIT for goods in transit.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The SKU.") var sku: String
    @Option(help: "The location (IN_TRANSIT for goods in transit).") var location: String
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        let context = try global.context()
        let asOf = try asOf.instant(context)
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let table = try CostJobs.trail(session, sku: sku, location: location, asOf: asOf, knownAt: knownAt)
        print(format.render(table), terminator: "")
    }
}
