import ArgumentParser
import CountinghouseApp
import CountinghouseCore
import CountinghouseReport

struct StockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "On-hand units, value and pending units per SKU and location, derived from the movements.",
        discussion: """
            Nothing is stored: the FIFO engine derives it every time. Goods shipped and not yet received are \
            listed at location IN_TRANSIT. Negative stock has a negative value.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this SKU.") var sku: String?
    @Option(help: "Only this location (IN_TRANSIT for goods in transit).") var location: String?
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "table, csv or json.") var format: OutputFormat = .table

    func run() throws {
        let context = try global.context()
        let asOf = try asOf.instant(context)
        let knownAt = try knownAt.time(context)
        let session = try Session(context)
        let table = try CostJobs.stock(session, sku: sku, location: location, asOf: asOf, knownAt: knownAt)
        print(format.render(table), terminator: "")
    }
}
