import ArgumentParser
import CountinghouseCore

struct TrailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "Every movement of one item at one location, in order, with the running units and its source row.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "The SKU.") var sku: String
    @Option(help: "The location (IN_TRANSIT for goods in transit).") var location: String
    @Option(name: .customLong("as-of"), help: "Stop at this instant (a date means the end of that day).")
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
        var table = Table(columns: [
            "occurred_at", "event", "document_id", "line_no", "quantity", "quantity_on_hand", "counted", "recorded_at",
            "source",
        ])
        for line in ledger.trail(sku: sku, location: location, asOf: asOf) {
            let movement = line.movement
            table.append([
                .text(environment.display(movement.occurredAt)), .text(movement.event.rawValue),
                .text(movement.source.documentID), movement.source.lineNumber.map(Cell.integer) ?? .empty,
                .integer(line.quantityChange), .integer(line.quantityAfter),
                movement.countedQuantity.map(Cell.integer) ?? .empty,
                .text(environment.display(movement.source.recordedAt)), .text(movement.source.fileLocation),
            ])
        }
        print(table.render(format), terminator: "")
    }
}
