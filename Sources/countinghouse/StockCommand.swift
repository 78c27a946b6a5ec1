import ArgumentParser
import CountinghouseCore

struct StockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "On-hand units, value and pending units per SKU and location, derived from the movements.",
        discussion: """
            Nothing is stored: the FIFO engine derives it every time. Goods shipped and not yet received
            are listed at location IN_TRANSIT. Negative stock has a negative value.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this SKU.") var sku: String?
    @Option(help: "Only this location (IN_TRANSIT for goods in transit).") var location: String?
    @OptionGroup var asOf: AsOfOption
    @OptionGroup var knownAt: KnownAtOption
    @Option(help: "table, csv or json.") var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let asOf = try asOf.instant(environment)
        let knownAt = try knownAt.instant(environment)
        let store = try openLedgerStoreForCommand(environment)
        let costs = try CostView(store, environment: environment, knownAt: knownAt, sku: sku)
        var table = Table(columns: ["sku", "location", "quantity_on_hand", "value", "pending_quantity"])
        for position in try costs.positions(through: asOf ?? Instant(nanosecondsSinceEpoch: .max), sku: sku) {
            if let location, position.location != location { continue }
            // Like valuation.csv: a SKU and location with nothing left is not listed, unless asked for.
            if position.isZero && (sku == nil || location == nil) { continue }
            table.append([
                .text(position.sku), .text(position.location), .integer(position.quantityOnHand),
                .money(position.value, exponent: environment.currencyExponent), .integer(position.pendingQuantity),
            ])
        }
        print(table.render(format), terminator: "")
    }
}
