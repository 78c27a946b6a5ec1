import ArgumentParser
import CountinghouseCore

struct TrailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "Every movement of one item at one location, with running units and value, and the layers each outflow took.",
        discussion: """
            Under each outflow: the layers it took from (document, file and row, units, unit cost, value) and
            the units still pending at the provisional cost. Use --location IN_TRANSIT for goods in transit.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The SKU.") var sku: String
    @Option(help: "The location (IN_TRANSIT for goods in transit).") var location: String
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "table, csv or json.") var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let asOf = try asOf.instant(environment)
        let knownAt = try knownAt.instant(environment)
        let store = try openLedgerStoreForCommand(environment)
        let runs = try computeCosts(store, knownAt: knownAt ?? environment.now, sku: sku)
        guard let run = runs.first else {
            throw CommandFailure("no stock movements of SKU \(sku) are known")
        }
        let table = CostTrail.table(
            run, location: location, through: asOf, exponent: environment.currencyExponent,
            offset: environment.zone.offsetFunction)
        print(table.render(format), terminator: "")
    }
}
