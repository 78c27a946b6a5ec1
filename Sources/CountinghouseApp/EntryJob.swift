// `entry`: the drill-down from a journal entry to the ledger rows behind it (SEMANTICS §5: the
// detail one drill-down away). The lines are the books' (posted ones for a closed period); the
// rows are the ledger's as known at the same time, each with its file and row.
import CountinghouseCore
import CountinghouseStore

/// One entry and the rows behind it.
public struct EntryDrillDown: Sendable {
    public var entry: JournalEntry
    public var knownAt: Instant
    /// The entry's lines: account, name, debit, credit, location, processor, memo.
    public var lines: Table
    /// The ledger rows behind it: source (file:row), kind, document, line, type, sku, quantity, amount.
    public var sources: Table
}

public enum EntryJob {
    /// The entry with this id (journal.csv's entry_id) as known at `knownAt`, and its rows.
    public static func drillDown(_ session: Session, id: String, knownAt: Instant) throws -> EntryDrillDown {
        let context = session.context
        let books = try BooksAsKnown(session, knownAt: knownAt)
        guard let entry = books.entries.first(where: { $0.id == id }) else {
            throw AppFailure.rejected("no journal entry \(id) as known at \(context.display(knownAt)) (entry ids are journal.csv's entry_id)")
        }
        let exponent = context.currencyExponent
        var lines = Table(columns: ["account", "account_name", "debit", "credit", "location", "processor", "memo"])
        for line in entry.lines {
            lines.append([
                .text(line.account.code), .text(line.account.name), .money(line.debit, exponent: exponent),
                .money(line.credit, exponent: exponent), .text(line.location), .text(line.processor), .text(line.memo),
            ])
        }
        return EntryDrillDown(entry: entry, knownAt: knownAt, lines: lines, sources: sources(of: entry, books: books, context: context))
    }

    /// The rows behind an entry, found by the same grouping the journal rules use: business date
    /// and location for sales and cost of sales, the document for goods, transfers and counts,
    /// processor and date for processor activity, the payout for a payout.
    static func sources(of entry: JournalEntry, books: BooksAsKnown, context: AppContext) -> Table {
        let exponent = context.currencyExponent
        let offset = context.offset
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
