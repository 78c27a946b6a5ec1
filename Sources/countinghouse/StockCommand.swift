import ArgumentParser
import CountinghouseCore

struct StockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stock",
        abstract: "On-hand units per SKU and location, derived from the movements (never stored).",
        discussion: "Goods shipped and not yet received are listed at location IN_TRANSIT.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Only this SKU.") var sku: String?
    @Option(help: "Only this location (IN_TRANSIT for goods in transit).") var location: String?
    @Option(name: .customLong("as-of"), help: "Stock at this instant (a date means the end of that day).")
    var asOf: String?
    @Option(name: .customLong("as-known-at"), help: "Use only rows recorded by then (a date means the end of that day).")
    var asKnownAt: String?
    @Option(help: "table, csv or json.") var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let asOf = try asOf.map { try environment.instant(argument: $0, option: "--as-of") }
        let knownAt = try asKnownAt.map { try environment.instant(argument: $0, option: "--as-known-at") }
        let store = try openLedgerStoreForCommand(environment)
        let ledger = try loadStockLedger(store, knownAt: knownAt ?? environment.now, sku: sku)
        var table = Table(columns: ["sku", "location", "quantity_on_hand"])
        for (key, quantity) in ledger.onHand(asOf: asOf) {
            if let location, key.location != location { continue }
            table.append([.text(key.sku), .text(key.location), .integer(quantity)])
        }
        print(table.render(format), terminator: "")
    }
}
