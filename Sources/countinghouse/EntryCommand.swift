import ArgumentParser
import CountinghouseCore
import CountinghouseStore

struct EntryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entry",
        abstract: "Shows one journal entry and the ledger rows behind it (the drill-down from journal.csv).",
        discussion: """
            ID is a journal.csv entry_id, e.g. SALES:2026-10-15:S01 or GOODS:2026-10-12:GR-100031. The lines are
            the books' (posted ones for a closed period); the rows behind them are the ledger's as known at the
            same time, each with its file and row.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var knownAt: KnownAtOption
    @Argument(help: "The entry id (journal.csv's entry_id).") var id: String
    @Option(help: "Output format: table, csv or json.") var format: Table.Format = .table

    func run() throws {
        let environment = try CommandEnvironment(global)
        let knownAt = try knownAt.instant(environment) ?? environment.now
        let store = try openLedgerStoreForCommand(environment)
        let books = try BooksView(store, environment: environment, knownAt: knownAt)
        guard let entry = books.entries.first(where: { $0.id == id }) else {
            throw CommandFailure("no journal entry \(id) as known at \(environment.display(knownAt)) (entry ids are journal.csv's entry_id)")
        }
        let exponent = environment.currencyExponent
        var lines = Table(columns: ["account", "account_name", "debit", "credit", "location", "processor", "memo"])
        for line in entry.lines {
            lines.append([
                .text(line.account.code), .text(line.account.name), .money(line.debit, exponent: exponent),
                .money(line.credit, exponent: exponent), .text(line.location), .text(line.processor), .text(line.memo),
            ])
        }
        if format == .table {
            print("\(entry.id)  \(entry.date)  \(entry.memo)")
            print("source: \(entry.sourceType) \(entry.sourceReference)\(entry.aboutPeriod.isEmpty ? "" : ", about \(entry.aboutPeriod)")")
            print()
            print(lines.render(.table))
            print()
            print("from the ledger (as known at \(environment.display(knownAt))):")
        }
        let rows = sources(of: entry, books: books, environment: environment)
        print(format == .table ? rows.render(.table) : rows.render(format), terminator: format == .table ? "\n" : "")
    }

    /// The rows behind an entry, found by the same grouping the journal rules use: business date
    /// and location for sales and cost of sales, the document for goods, transfers and counts,
    /// processor and date for processor activity, the payout for a payout.
    func sources(of entry: JournalEntry, books: BooksView, environment: CommandEnvironment) -> Table {
        let exponent = environment.currencyExponent
        let offset = environment.zone.offsetFunction
        var table = Table(columns: ["source", "kind", "document", "line", "type", "sku", "quantity", "amount"])
        func date(_ row: LedgerRow) -> CivilDate? { row.occurredAt.map { $0.civilDate(offsetSeconds: offset($0)) } }
        let parts = entry.id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let group = parts.first ?? ""
        switch group {
        case "SALES":
            let location = parts.count > 2 ? parts[2...].joined(separator: ":") : ""
            for kind in [LedgerKind.posLines, .posTenders] {
                for stored in books.rowsOfKind[kind] ?? [] where date(stored.row) == entry.date && stored.row["location"].description == location {
                    let row = stored.row
                    let amount: Int64
                    let number: FieldValue
                    if kind == .posLines {
                        let quantity = row["quantity"].integerValue ?? 0
                        let collected = quantity * (row["unit_price"].integerValue ?? 0) - (row["discount"].integerValue ?? 0)
                            + (row["tax"].integerValue ?? 0)
                        amount = row["type"].textValue == "RETURN" ? -collected : collected
                        number = row["line_no"]
                    } else {
                        let tendered = row["amount"].integerValue ?? 0
                        amount = row["type"].textValue == "REFUND" ? -tendered : tendered
                        number = row["tender_no"]
                    }
                    table.append([
                        .text("\(stored.fileName):\(stored.sourceRow)"), .text(kind.rawValue), .text(row["order_id"].description),
                        .text(number.description), .text(kind == .posLines ? row["type"].description : "\(row["tender"]) \(row["type"])"),
                        .text(row["sku"].description), row["quantity"].integerValue.map(Cell.integer) ?? .empty,
                        .money(amount, exponent: exponent),
                    ])
                }
            }
        case "PROCESSOR", "PAYOUT":
            // PROCESSOR:date:processor, PAYOUT:date:processor:payout (a payout id may hold colons).
            let processor = group == "PAYOUT" ? (parts.count > 2 ? parts[2] : "") : parts.dropFirst(2).joined(separator: ":")
            let payout = group == "PAYOUT" && parts.count > 3 ? parts[3...].joined(separator: ":") : nil
            for stored in books.rowsOfKind[.settlements] ?? [] where date(stored.row) == entry.date {
                let row = stored.row
                let type = row["type"].textValue ?? ""
                let isPayout = type == "PAYOUT" || type == "PAYOUT_FAILURE"
                guard row["processor"].description == processor, isPayout == (group == "PAYOUT") else { continue }
                if let payout, (row["payout_id"].textValue ?? row["record_id"].description) != payout { continue }
                table.append([
                    .text("\(stored.fileName):\(stored.sourceRow)"), .text("settlements"), .text(row["record_id"].description),
                    .empty, .text(type), .empty, .empty, .money(row["gross"].integerValue ?? 0, exponent: exponent),
                ])
            }
        case "ADJUST":
            // The late rows, dated in the period adjusted: for an adjustment posted with closed
            // period Q, those learnt between the close before Q's and Q's; for the one not yet
            // posted, those learnt since the latest close.
            guard let latestClose = books.closed.last?.closedAt else { break }
            var window = (after: latestClose, upTo: books.knownAt)
            if let postedIn = books.closed.firstIndex(where: { $0.entries.contains { $0.id == entry.id } }) {
                guard postedIn > 0 else { break }
                window = (books.closed[postedIn - 1].closedAt, books.closed[postedIn].closedAt)
            }
            for kind in [LedgerKind.purchases, .transfers, .counts, .posLines, .posTenders, .settlements] {
                for stored in books.rowsOfKind[kind] ?? []
                where stored.recordedAt > window.after && stored.recordedAt <= window.upTo {
                    guard let day = date(stored.row), Books.period(of: day) == entry.aboutPeriod else { continue }
                    let row = stored.row
                    let document = kind.schema.naturalKey.map { row.values[$0].description }.joined(separator: " ")
                    table.append([
                        .text("\(stored.fileName):\(stored.sourceRow)"), .text(kind.rawValue), .text(document), .empty,
                        .text(row["type"].description), .text(row["sku"].description),
                        row["quantity"].integerValue.map(Cell.integer) ?? .empty, .empty,
                    ])
                }
            }
        default:
            // Stock entries: the cost run's postings of the date and location (cost of sales) or
            // document. Ids are GROUP:date:key (TRANSFER:date:key:SIDE); the key may hold colons.
            let key = group == "TRANSFER"
                ? (parts.count > 3 ? parts[2..<(parts.count - 1)].joined(separator: ":") : "")
                : (parts.count > 2 ? parts[2...].joined(separator: ":") : "")
            for posting in books.postings {
                let postingDate = posting.occurredAt.civilDate(offsetSeconds: offset(posting.occurredAt))
                guard postingDate == entry.date else { continue }
                let matches: Bool
                switch (group, posting.kind) {
                case ("COGS", .sale), ("COGS", .complimentary), ("COGS", .customerReturn): matches = posting.location == key
                case ("GOODS", .purchaseReceipt), ("GOODS", .purchaseReturn), ("COUNT", .count): matches = posting.documentID == key
                case ("TRANSFER", .transferShip): matches = posting.documentID == key && parts.last == "SHIP"
                case ("TRANSFER", .transferReceive): matches = posting.documentID == key && parts.last == "RECEIVE"
                default: matches = false
                }
                guard matches else { continue }
                table.append([
                    .text(posting.source), .text(posting.kind.rawValue), .text(posting.documentID), .empty,
                    .text(posting.provisional != 0 ? "provisional \(formatMinorUnits(posting.provisional, exponent: exponent))" : ""),
                    .text(posting.sku), .integer(posting.quantity), .money(posting.value, exponent: exponent),
                ])
            }
        }
        return table
    }
}
