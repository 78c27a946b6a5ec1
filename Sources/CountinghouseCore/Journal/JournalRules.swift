// The journal rules (SEMANTICS §5): ledger rows and a cost run in, balanced entries out.
//
// Place in the pipeline: pure — the CLI loads the rows known at T and the cost run over them,
// this turns them into entries, and the trial balance and writers read the entries. Entries are
// summarised the way retail books are kept (sales and cost of sales per business date × location,
// goods per document, processor activity per processor × date, payouts per payout); each entry's
// source type and reference lead back to the ledger rows behind it.
// Invariants: every entry balances (EntryBuilder asserts it); the inventory lines of an event are
// exactly the change the cost run gives for its location, so the inventory account per location
// equals the valuation, and in transit likewise.

/// What one stock event did to the inventory account of its location, from a cost run.
public struct StockPosting: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case purchaseReceipt, purchaseReturn, sale, complimentary, customerReturn, transferShip, transferReceive, count
    }

    public var kind: Kind
    public var sku: String
    public var location: String
    public var occurredAt: Instant
    public var documentID: String
    /// The change of the location's stock value: an inflow's value (positive), an outflow's cost
    /// (final + provisional, negative), a count's adjustment (either sign).
    public var value: Int64
    /// Of an outflow's cost, the provisional part (≥ 0; zero for inflows).
    public var provisional: Int64
    /// Units moved (a count: the units found or lost).
    public var quantity: Int64
    /// The source file and row (`file.csv:12`), for the drill-down from an entry to its rows.
    public var source: String

    public init(
        kind: Kind, sku: String, location: String, occurredAt: Instant, documentID: String, value: Int64, provisional: Int64,
        quantity: Int64 = 0, source: String = ""
    ) {
        self.quantity = quantity
        self.source = source
        self.kind = kind
        self.sku = sku
        self.location = location
        self.occurredAt = occurredAt
        self.documentID = documentID
        self.value = value
        self.provisional = provisional
    }
}

extension SKUCostRun {
    /// Every event's change of its location's stock value, in sequence order (events that change
    /// no value, such as a count that agrees with the shelf, are left out). Built from `deltas`,
    /// the same numbers the valuation sums.
    public var stockPostings: [StockPosting] {
        var provisionalOfEvent: [Int64: Int64] = [:]
        for line in cogsLines where line.provisionalCost != 0 { provisionalOfEvent[line.sequence] = line.provisionalCost }
        var postings: [StockPosting] = []
        for delta in deltas where delta.location != inTransitLocation && delta.value != 0 {
            let event = events[Int(delta.sequence)]
            let kind: StockPosting.Kind
            switch event.kind {
            case .purchaseReceipt: kind = .purchaseReceipt
            case .purchaseReturn: kind = .purchaseReturn
            case .sale: kind = .sale
            case .complimentary: kind = .complimentary
            case .customerReturn: kind = .customerReturn
            case .transferShip: kind = .transferShip
            case .transferReceive: kind = .transferReceive
            case .count: kind = .count
            }
            postings.append(
                StockPosting(
                    kind: kind, sku: sku, location: delta.location, occurredAt: delta.occurredAt,
                    documentID: event.source.documentID, value: delta.value,
                    provisional: provisionalOfEvent[delta.sequence] ?? 0, quantity: delta.units != 0 ? abs(delta.units) : event.quantity,
                    source: event.source.fileLocation))
        }
        return postings
    }
}

/// Everything the journal is made from, as known at one time.
public struct JournalInput: Sendable {
    public var posLines: [LedgerRow]
    public var posTenders: [LedgerRow]
    public var settlements: [LedgerRow]
    public var stock: [StockPosting]
    public var chart: ChartOfAccounts
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    public var offset: OffsetAtInstant

    public init(
        posLines: [LedgerRow], posTenders: [LedgerRow], settlements: [LedgerRow], stock: [StockPosting],
        chart: ChartOfAccounts, offset: @escaping OffsetAtInstant
    ) {
        self.posLines = posLines
        self.posTenders = posTenders
        self.settlements = settlements
        self.stock = stock
        self.chart = chart
        self.offset = offset
    }

    func businessDate(_ instant: Instant) -> CivilDate { instant.civilDate(offsetSeconds: offset(instant)) }
}

public enum JournalRules {
    /// Every entry, sorted by date then id.
    public static func entries(_ input: JournalInput) -> [JournalEntry] {
        var entries = salesEntries(input) + stockEntries(input) + processorEntries(input)
        entries.sort { a, b in
            a.date != b.date ? a.date < b.date : a.id.utf8.lexicographicallyPrecedes(b.id.utf8)
        }
        return entries
    }

    private struct DateLocation: Hashable, Comparable {
        var date: CivilDate
        var location: String
        static func < (a: DateLocation, b: DateLocation) -> Bool {
            a.date != b.date ? a.date < b.date : a.location.utf8.lexicographicallyPrecedes(b.location.utf8)
        }
    }

    // MARK: Sales (per business date × location)

    /// Tenders to their accounts, lines to sales, discounts, tax and returns; what a ticket's
    /// tenders do not cover (or cover twice) goes to POS over/short.
    static func salesEntries(_ input: JournalInput) -> [JournalEntry] {
        let chart = input.chart
        var builders: [DateLocation: EntryBuilder] = [:]
        // Per bucket and ticket: lines collected − tenders taken (non-zero: the ticket does not balance).
        var ticketGaps: [DateLocation: [String: Int64]] = [:]
        for row in input.posLines {
            guard let occurredAt = row.occurredAt else { continue }
            let key = DateLocation(date: input.businessDate(occurredAt), location: row["location"].description)
            let quantity = row["quantity"].integerValue ?? 0
            let gross = Int64(Int128(quantity) * Int128(row["unit_price"].integerValue ?? 0))
            let discount = row["discount"].integerValue ?? 0
            let tax = row["tax"].integerValue ?? 0
            var builder = builders[key] ?? EntryBuilder()
            let location = key.location
            if row["type"].textValue == "RETURN" {
                builder.post(chart[.salesReturns], gross - discount, location: location, memo: "sales returns (net of discount)")
                builder.post(chart[.salesTaxPayable], tax, location: location, memo: "sales tax on returns")
                ticketGaps[key, default: [:]][row["order_id"].description, default: 0] -= gross - discount + tax
            } else {
                builder.post(chart[.sales], -gross, location: location, memo: "gross sales")
                builder.post(chart[.salesDiscounts], discount, location: location, memo: "sales discounts")
                builder.post(chart[.salesTaxPayable], -tax, location: location, memo: "sales tax")
                ticketGaps[key, default: [:]][row["order_id"].description, default: 0] += gross - discount + tax
            }
            builders[key] = builder
        }
        for row in input.posTenders {
            guard let occurredAt = row.occurredAt else { continue }
            let key = DateLocation(date: input.businessDate(occurredAt), location: row["location"].description)
            let amount = row["amount"].integerValue ?? 0
            let signed = row["type"].textValue == "REFUND" ? -amount : amount
            let processor = row["processor"].textValue ?? ""
            var builder = builders[key] ?? EntryBuilder()
            switch row["tender"].textValue ?? "" {
            case "CASH": builder.post(chart[.cashOnHand], signed, location: key.location, memo: "cash")
            case "CARD":
                builder.post(
                    chart[.cardClearing], signed, location: key.location, processor: processor,
                    memo: processor.isEmpty ? "card" : "card (\(processor))")
            case "GIFT_CARD": builder.post(chart[.giftCardLiability], signed, location: key.location, memo: "gift cards redeemed")
            default: builder.post(chart[.otherTenders], signed, location: key.location, memo: "other tenders")
            }
            ticketGaps[key, default: [:]][row["order_id"].description, default: 0] -= signed
            builders[key] = builder
        }
        return builders.keys.sorted().compactMap { key -> JournalEntry? in
            var builder = builders[key]!
            // Tenders short of the lines: a debit to over/short (a loss); tenders over: a credit.
            let gap = builder.total
            if gap != 0 { builder.post(chart[.overShort], -gap, location: key.location, memo: "POS over/short") }
            // A day of nothing but zero-priced lines (complimentary items) makes no entry.
            guard !builder.isEmpty else { return nil }
            let unbalanced = (ticketGaps[key] ?? [:]).filter { $0.value != 0 }.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            var memo = "POS sales at \(key.location) on \(key.date)"
            if !unbalanced.isEmpty {
                let listed = unbalanced.prefix(5).joined(separator: ", ")
                memo += "; tickets whose tenders differ from their lines: \(listed)"
                if unbalanced.count > 5 { memo += " and \(unbalanced.count - 5) more" }
            }
            return builder.entry(
                id: "SALES:\(key.date):\(key.location)", date: key.date, memo: memo, sourceType: "pos",
                sourceReference: "\(key.location) \(key.date)")
        }
    }

    // MARK: Stock (cost of sales per date × location; goods, transfers and counts per document)

    private struct DocumentKey: Hashable, Comparable {
        var group: String
        var date: CivilDate
        var document: String
        static func < (a: DocumentKey, b: DocumentKey) -> Bool {
            if a.group != b.group { return a.group < b.group }
            if a.date != b.date { return a.date < b.date }
            return a.document.utf8.lexicographicallyPrecedes(b.document.utf8)
        }
    }

    static func stockEntries(_ input: JournalInput) -> [JournalEntry] {
        let chart = input.chart
        var costOfSales: [DateLocation: EntryBuilder] = [:]
        var documents: [DocumentKey: EntryBuilder] = [:]
        for posting in input.stock {
            let date = input.businessDate(posting.occurredAt)
            let location = posting.location
            let inventory = chart[.inventory]
            switch posting.kind {
            case .sale, .complimentary, .customerReturn:
                let key = DateLocation(date: date, location: location)
                var builder = costOfSales[key] ?? EntryBuilder()
                switch posting.kind {
                case .sale:
                    let cost = -posting.value
                    builder.post(chart[.costOfGoodsSold], cost - posting.provisional, location: location, memo: "cost of sales")
                    builder.post(
                        chart[.costOfGoodsSold], posting.provisional, location: location,
                        memo: "cost of sales, provisional (pending units)")
                    builder.post(inventory, -cost, location: location, memo: "inventory sold")
                case .complimentary:
                    builder.post(chart[.complimentaryGoods], -posting.value, location: location, memo: "complimentary goods")
                    builder.post(inventory, posting.value, location: location, memo: "inventory given away")
                default:
                    builder.post(inventory, posting.value, location: location, memo: "inventory returned by customers")
                    builder.post(chart[.costOfGoodsSold], -posting.value, location: location, memo: "cost of customer returns")
                }
                costOfSales[key] = builder
            case .purchaseReceipt, .purchaseReturn:
                let key = DocumentKey(group: "GOODS", date: date, document: posting.documentID)
                var builder = documents[key] ?? EntryBuilder()
                let memo = posting.kind == .purchaseReceipt ? "goods received" : "goods returned to the supplier"
                builder.post(inventory, posting.value, location: location, memo: memo)
                builder.post(chart[.goodsReceivedNotInvoiced], -posting.value, location: location, memo: memo)
                documents[key] = builder
            case .transferShip, .transferReceive:
                let ship = posting.kind == .transferShip
                let key = DocumentKey(group: ship ? "TRANSFER-SHIP" : "TRANSFER-RECEIVE", date: date, document: posting.documentID)
                var builder = documents[key] ?? EntryBuilder()
                let memo = ship ? "shipped from \(location)" : "received at \(location)"
                builder.post(inventory, posting.value, location: location, memo: memo)
                builder.post(chart[.inventoryInTransit], -posting.value, location: inTransitLocation, memo: memo)
                documents[key] = builder
            case .count:
                let key = DocumentKey(group: "COUNT", date: date, document: posting.documentID)
                var builder = documents[key] ?? EntryBuilder()
                let memo = posting.value < 0 ? "count shrinkage" : "count gains"
                builder.post(inventory, posting.value, location: location, memo: memo)
                builder.post(chart[.inventoryShrinkage], -posting.value, location: location, memo: memo)
                documents[key] = builder
            }
        }
        var entries = costOfSales.keys.sorted().compactMap { key -> JournalEntry? in
            let builder = costOfSales[key]!
            guard !builder.isEmpty else { return nil }
            return builder.entry(
                id: "COGS:\(key.date):\(key.location)", date: key.date,
                memo: "cost of sales at \(key.location) on \(key.date) (FIFO)", sourceType: "cost_of_sales",
                sourceReference: "\(key.location) \(key.date)")
        }
        for key in documents.keys.sorted() {
            let builder = documents[key]!
            guard !builder.isEmpty else { continue }
            let (id, memo, sourceType): (String, String, String)
            switch key.group {
            case "GOODS": (id, memo, sourceType) = ("GOODS:\(key.date):\(key.document)", "goods document \(key.document)", "purchases")
            case "TRANSFER-SHIP":
                (id, memo, sourceType) = ("TRANSFER:\(key.date):\(key.document):SHIP", "transfer \(key.document) shipped", "transfers")
            case "TRANSFER-RECEIVE":
                (id, memo, sourceType) = ("TRANSFER:\(key.date):\(key.document):RECEIVE", "transfer \(key.document) received", "transfers")
            default: (id, memo, sourceType) = ("COUNT:\(key.date):\(key.document)", "stock count \(key.document)", "counts")
            }
            entries.append(builder.entry(id: id, date: key.date, memo: memo, sourceType: sourceType, sourceReference: key.document))
        }
        return entries
    }

    // MARK: Processors (activity per processor × date; payouts per payout)

    /// Each settlement record: its net into the processor balance, its fee to fees, and its
    /// gross against what it settles — card clearing for captures, refunds and adjustments (open
    /// items reconciliation clears), chargebacks to their own expense, fee records to fees, payouts
    /// to the bank. Net = gross − fee, so every record balances on its own.
    static func processorEntries(_ input: JournalInput) -> [JournalEntry] {
        let chart = input.chart
        struct ProcessorDay: Hashable, Comparable {
            var date: CivilDate
            var processor: String
            static func < (a: ProcessorDay, b: ProcessorDay) -> Bool {
                a.date != b.date ? a.date < b.date : a.processor.utf8.lexicographicallyPrecedes(b.processor.utf8)
            }
        }
        struct Payout: Hashable, Comparable {
            var date: CivilDate
            var processor: String
            var payout: String
            static func < (a: Payout, b: Payout) -> Bool {
                if a.date != b.date { return a.date < b.date }
                if a.processor != b.processor { return a.processor.utf8.lexicographicallyPrecedes(b.processor.utf8) }
                return a.payout.utf8.lexicographicallyPrecedes(b.payout.utf8)
            }
        }
        var activity: [ProcessorDay: EntryBuilder] = [:]
        var payouts: [Payout: EntryBuilder] = [:]
        for row in input.settlements {
            guard let occurredAt = row.occurredAt else { continue }
            let date = input.businessDate(occurredAt)
            let processor = row["processor"].description
            let type = row["type"].textValue ?? ""
            let gross = row["gross"].integerValue ?? 0
            let fee = row["fee"].integerValue ?? 0
            let net = row["net"].integerValue ?? 0
            let memo = type.lowercased().replacingUnderscores()
            func postRecord(_ builder: inout EntryBuilder, counter: AccountRole) {
                builder.post(chart[.processorBalance], net, processor: processor, memo: memo)
                builder.post(chart[.processingFees], fee, processor: processor, memo: "fees (\(memo))")
                builder.post(chart[counter], -gross, processor: processor, memo: memo)
            }
            switch type {
            case "PAYOUT", "PAYOUT_FAILURE":
                let key = Payout(date: date, processor: processor, payout: row["payout_id"].textValue ?? row["record_id"].description)
                var builder = payouts[key] ?? EntryBuilder()
                postRecord(&builder, counter: .bank)
                payouts[key] = builder
            default:
                let key = ProcessorDay(date: date, processor: processor)
                var builder = activity[key] ?? EntryBuilder()
                let counter: AccountRole
                switch type {
                case "CHARGEBACK", "CHARGEBACK_REVERSAL": counter = .chargebacks
                case "FEE": counter = .processingFees
                default: counter = .cardClearing
                }
                postRecord(&builder, counter: counter)
                activity[key] = builder
            }
        }
        var entries = activity.keys.sorted().compactMap { key -> JournalEntry? in
            let builder = activity[key]!
            guard !builder.isEmpty else { return nil }
            return builder.entry(
                id: "PROCESSOR:\(key.date):\(key.processor)", date: key.date,
                memo: "\(key.processor) activity on \(key.date)", sourceType: "settlements",
                sourceReference: "\(key.processor) \(key.date)")
        }
        for key in payouts.keys.sorted() {
            let builder = payouts[key]!
            guard !builder.isEmpty else { continue }
            entries.append(
                builder.entry(
                    id: "PAYOUT:\(key.date):\(key.processor):\(key.payout)", date: key.date,
                    memo: "\(key.processor) payout \(key.payout)", sourceType: "settlements",
                    sourceReference: "\(key.processor) \(key.payout)"))
        }
        return entries
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
