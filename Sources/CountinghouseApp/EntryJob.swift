// `entry`: the drill-down from a journal entry to the ledger rows behind it (SEMANTICS §5: the
// detail one drill-down away). The lines are the books' (posted ones for a closed period); the
// rows are the ledger's as known at the same time, each with its file and row.
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore

/// One entry and the rows behind it.
public struct EntryDrillDown: Sendable {
    public var entry: JournalEntry
    public var knownAt: KnowledgeTime
    /// The entry's lines: account, name, debit, credit, location, processor, memo.
    public var lines: ReportTable
    /// The ledger rows behind it: source (file:row), kind, document, line, type, sku, quantity, amount.
    public var sources: ReportTable
}

public enum EntryJob {
    /// The entry with this id (journal.csv's entry_id) as known at `knownAt`, and its rows.
    public static func drillDown(_ session: Session, id: String, knownAt: KnowledgeTime) throws -> EntryDrillDown {
        let context = session.context
        let books = try BooksAsKnown(session, knownAt: knownAt)
        guard let entry = books.entries.first(where: { CostRuns.sameBytes($0.id, id) }) else {
            throw AppFailure.rejected("no journal entry \(id) as known at \(context.describe(knownAt)) (entry ids are journal.csv's entry_id)")
        }
        let exponent = context.currencyExponent
        var lines = ReportTable(
            name: "entry",
            columns: [
                ReportColumn("account", .text), ReportColumn("account_name", .text), ReportColumn("debit", .money),
                ReportColumn("credit", .money), ReportColumn("location", .inputText), ReportColumn("processor", .inputText),
                ReportColumn("memo", .text),
            ])
        for line in entry.lines {
            lines.append([
                .text(line.account.code), .text(line.account.name), .money(line.debit, exponent: exponent),
                .money(line.credit, exponent: exponent), .inputText(line.location), .inputText(line.processor), .text(line.memo),
            ])
        }
        return EntryDrillDown(entry: entry, knownAt: knownAt, lines: lines, sources: sources(of: entry, books: books, context: context))
    }

    /// The rows behind an entry, found from its key by the same grouping the journal rules use:
    /// business date and location for sales and cost of sales, the document for goods, transfers
    /// and counts, processor and date for processor activity, the payout for a payout, and the late
    /// rows for a prior-period adjustment.
    static func sources(of entry: JournalEntry, books: BooksAsKnown, context: AppContext) -> ReportTable {
        let exponent = context.currencyExponent
        let offset = context.offset
        var table = ReportTable(
            name: "sources",
            columns: [
                ReportColumn("source", .inputText), ReportColumn("kind", .text), ReportColumn("document", .inputText),
                ReportColumn("line", .text), ReportColumn("type", .text), ReportColumn("sku", .inputText),
                ReportColumn("quantity", .quantity), ReportColumn("amount", .money),
            ])
        func date(_ instant: Instant) -> CivilDate { instant.civilDate(offsetSeconds: offset(instant)) }
        func rows(_ kind: LedgerKind) -> [StoredRow] { books.rowsOfKind[kind] ?? [] }
        func source(_ stored: StoredRow) -> ReportCell { .inputText("\(stored.fileName):\(stored.sourceRow)") }
        switch entry.key {
        case .sales(let day, let location):
            for stored in rows(.posLines) {
                let line = POSLine(stored.row)
                guard date(line.occurredAt) == day, CostRuns.sameBytes(line.location, location) else { continue }
                table.append([
                    source(stored), .text(LedgerKind.posLines.rawValue), .inputText(line.orderID), .text(String(line.lineNumber)),
                    .text(line.type.rawValue), .inputText(line.sku), .integer(line.quantity),
                    .money(line.type == .customerReturn ? -line.collected : line.collected, exponent: exponent),
                ])
            }
            for stored in rows(.posTenders) {
                let tender = POSTender(stored.row)
                guard date(tender.occurredAt) == day, CostRuns.sameBytes(tender.location, location) else { continue }
                table.append([
                    source(stored), .text(LedgerKind.posTenders.rawValue), .inputText(tender.orderID), .text(String(tender.tenderNumber)),
                    .text("\(tender.tender.rawValue) \(tender.type.rawValue)"), .text(""), .empty,
                    .money(tender.signedAmount, exponent: exponent),
                ])
            }
        case .processor(let day, let processor):
            appendSettlements(to: &table, books: books, exponent: exponent) { record in
                !record.type.isPayout && date(record.occurredAt) == day && record.processor == processor
            }
        case .payout(let day, let processor, let payout):
            appendSettlements(to: &table, books: books, exponent: exponent) { record in
                record.type.isPayout && date(record.occurredAt) == day && record.processor == processor
                    && CostRuns.sameBytes(record.payout ?? record.recordID, payout)
            }
        case .adjustment(_, let about):
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
                for stored in rows(kind) where stored.recordedAt > window.after && stored.recordedAt <= window.upTo {
                    guard let occurredAt = stored.row.occurredAt, Period(containing: date(occurredAt)) == about else { continue }
                    let row = stored.row
                    let document = kind.schema.naturalKey.map { row.values[$0].description }.joined(separator: " ")
                    table.append([
                        source(stored), .text(kind.rawValue), .inputText(document), .empty,
                        .text(row["type"].description), .inputText(row["sku"].description),
                        row["quantity"].integerValue.map(ReportCell.integer) ?? .empty, .empty,
                    ])
                }
            }
        case .costOfSales, .goods, .transfer, .count:
            // Stock entries: the cost run's postings of the date and location (cost of sales) or
            // of the document.
            for posting in books.postings where date(posting.occurredAt) == entry.date && entry.key.covers(posting) {
                table.append([
                    .inputText(posting.source), .text(posting.kind.rawValue), .inputText(posting.documentID), .empty,
                    .text(posting.provisional != 0 ? "provisional \(formatMinorUnits(posting.provisional, exponent: exponent))" : ""),
                    .inputText(posting.sku), .integer(posting.quantity), .money(posting.value, exponent: exponent),
                ])
            }
        case .writeOff(let day, let override):
            // The override, then the lead item of each group it cleared, with the amount.
            for stored in rows(.overrides) where Override(stored.row).overrideID == override {
                let decision = Override(stored.row)
                table.append([
                    source(stored), .text(LedgerKind.overrides.rawValue), .inputText(decision.overrideID), .empty,
                    .text(decision.action.rawValue), .empty, .empty, .empty,
                ])
            }
            let reconciliation = books.reconciliation
            for clearing in books.writeOffs where clearing.day == day && clearing.overrideID == override {
                switch clearing.lead {
                case .tender(let index):
                    let tender = reconciliation.tenders[index]
                    let stored = rows(.posTenders)[reconciliation.inputIndex(ofTender: index)]
                    table.append([
                        source(stored), .text(LedgerKind.posTenders.rawValue), .inputText(tender.orderID),
                        .text(String(tender.tenderNumber)), .text("cleared"), .empty, .empty, .money(clearing.amount, exponent: exponent),
                    ])
                case .record(let index):
                    let record = reconciliation.records[index]
                    let stored = rows(.settlements)[reconciliation.inputIndex(ofRecord: index)]
                    table.append([
                        source(stored), .text(LedgerKind.settlements.rawValue), .inputText(record.recordID), .empty, .text("cleared"),
                        .empty, .empty, .money(clearing.amount, exponent: exponent),
                    ])
                }
            }
        case .unrecognised:
            break
        }
        return table
    }

    private static func appendSettlements(
        to table: inout ReportTable, books: BooksAsKnown, exponent: Int, where include: (SettlementRecord) -> Bool
    ) {
        for stored in books.rowsOfKind[.settlements] ?? [] {
            let record = SettlementRecord(stored.row)
            guard include(record) else { continue }
            table.append([
                .inputText("\(stored.fileName):\(stored.sourceRow)"), .text(LedgerKind.settlements.rawValue), .inputText(record.recordID),
                .empty, .text(record.type.rawValue), .empty, .empty, .money(record.gross, exponent: exponent),
            ])
        }
    }
}

extension EntryKey {
    /// Whether a stock event's posting belongs to this stock entry (same date assumed): cost of
    /// sales by location, goods and counts by document, a transfer by document and side.
    func covers(_ posting: StockPosting) -> Bool {
        switch (self, posting.kind) {
        case (.costOfSales(_, let location), .sale), (.costOfSales(_, let location), .complimentary),
            (.costOfSales(_, let location), .customerReturn):
            return CostRuns.sameBytes(posting.location, location)
        case (.goods(_, let document), .purchaseReceipt), (.goods(_, let document), .purchaseReturn),
            (.count(_, let document), .count):
            return CostRuns.sameBytes(posting.documentID, document)
        case (.transfer(_, let transfer, .ship), .transferShip), (.transfer(_, let transfer, .receive), .transferReceive):
            return CostRuns.sameBytes(posting.documentID, transfer)
        default:
            return false
        }
    }
}
