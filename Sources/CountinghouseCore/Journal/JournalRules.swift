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
    /// The event's place in its SKU's sequence (the cost cache's key with the SKU).
    public var sequence: Int64

    public init(
        kind: Kind, sku: String, location: String, occurredAt: Instant, documentID: String, value: Int64, provisional: Int64,
        quantity: Int64 = 0, source: String = "", sequence: Int64 = 0
    ) {
        self.quantity = quantity
        self.source = source
        self.sequence = sequence
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
        var postings: [StockPosting] = []
        postings.reserveCapacity(events.count)
        for delta in deltas where delta.location != inTransitLocation && delta.value != 0 {
            let position = Int(delta.sequence - sequenceOffset)
            let event = events[position]
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
                    provisional: outflowOfEvent[position] >= 0 ? outflows[outflowOfEvent[position]].provisionalCost : 0, quantity: delta.units != 0 ? abs(delta.units) : event.quantity,
                    source: event.source.fileLocation, sequence: delta.sequence))
        }
        return postings
    }
}

/// Everything the journal is made from, as known at one time.
public struct JournalInput: Sendable {
    /// The POS lines and tenders, summed per business date × location (all the sales entries need
    /// of them).
    public var posSums: POSSums
    /// The settlement records, summed per business date × processor and per payout.
    public var settlementSums: SettlementSums
    /// The stock postings, summed per business date × location and per document.
    public var stockSums: StockPostingSums
    public var chart: ChartOfAccounts
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    public var offset: OffsetAtInstant
    /// What WRITE_OFF overrides cleared, from the reconciliation (SEMANTICS §6.3).
    public var writeOffs: [WriteOffClearing]

    /// From the rows themselves.
    public init(
        posLines: [LedgerRow], posTenders: [LedgerRow], settlements: [LedgerRow], stock: [StockPosting],
        chart: ChartOfAccounts, offset: @escaping OffsetAtInstant, writeOffs: [WriteOffClearing] = []
    ) {
        var sums = POSSums(offset: offset)
        for row in posLines { sums.add(row) }
        for row in posTenders { sums.add(POSTender(row)) }
        var settlementSums = SettlementSums(offset: offset)
        for row in settlements { settlementSums.add(SettlementRecord(row)) }
        var stockSums = StockPostingSums(offset: offset)
        for posting in stock { stockSums.add(posting) }
        self.init(posSums: sums, settlementSums: settlementSums, stockSums: stockSums, chart: chart, offset: offset, writeOffs: writeOffs)
    }

    /// From the POS lines and tenders, settlement records and stock postings summed as they were
    /// read (the reader need not hold them).
    public init(
        posSums: POSSums, settlementSums: SettlementSums, stockSums: StockPostingSums, chart: ChartOfAccounts,
        offset: @escaping OffsetAtInstant, writeOffs: [WriteOffClearing] = []
    ) {
        self.writeOffs = writeOffs
        self.posSums = posSums
        self.settlementSums = settlementSums
        self.stockSums = stockSums
        self.chart = chart
        self.offset = offset
    }
}

/// POS lines and tenders summed per business date × location as they are read: what the sales
/// entries take from them (gross, discounts, tax, returns, tenders by kind, and each ticket's lines
/// against its tenders for the over/short check), so that the books need not hold a year of lines
/// and tenders to post them. The order they are added in does not matter.
///
/// Each ticket's lines against its tenders are kept only for the business dates `listsTickets`
/// names: they name the tickets that do not balance in their sales entry's memo, and are the sums'
/// largest part (a ticket each: 1.2 M on three years of a ten-store chain). The entries of other
/// dates name none; their amounts are the same (over/short comes from the day's totals).
public struct POSSums: Sendable {
    fileprivate var days: [JournalRules.DateLocation: JournalRules.SalesDay] = [:]
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    let offset: OffsetAtInstant
    let listsTickets: @Sendable (CivilDate) -> Bool
    /// Whether the tickets' gaps are settled (`settleTickets`).
    private var settled = false

    public init(offset: @escaping OffsetAtInstant, listingTicketsOn listsTickets: @escaping @Sendable (CivilDate) -> Bool = { _ in true }) {
        self.offset = offset
        self.listsTickets = listsTickets
    }

    /// Adds one POS line (a row of kind pos_lines).
    public mutating func add(_ row: LedgerRow) {
        precondition(!settled, "a POS line added after the tickets were settled")
        let line = POSLine(row)
        let key = JournalRules.DateLocation(date: line.occurredAt.civilDate(offsetSeconds: offset(line.occurredAt)), location: OpaqueID(line.location))
        switch line.type {
        case .customerReturn:
            days[key, default: JournalRules.SalesDay()].returnsNet += line.net
            days[key, default: JournalRules.SalesDay()].returnsTax += line.tax
            if listsTickets(key.date) {
                days[key, default: JournalRules.SalesDay()].ticketGaps.subtract(line.collected, from: line.orderID)
            }
        case .sale, .complimentary:
            days[key, default: JournalRules.SalesDay()].gross += line.gross
            days[key, default: JournalRules.SalesDay()].discounts += line.discount
            days[key, default: JournalRules.SalesDay()].tax += line.tax
            if listsTickets(key.date) {
                days[key, default: JournalRules.SalesDay()].ticketGaps.add(line.collected, to: line.orderID)
            }
        }
    }

    /// Adds one tender: to its kind's sum (a card's per processor), and against its ticket's lines.
    public mutating func add(_ tender: POSTender) {
        precondition(!settled, "a tender added after the tickets were settled")
        let key = JournalRules.DateLocation(
            date: tender.occurredAt.civilDate(offsetSeconds: offset(tender.occurredAt)), location: OpaqueID(tender.location))
        let signed = tender.signedAmount
        switch tender.tender {
        case .cash: days[key, default: JournalRules.SalesDay()].cash += signed
        case .card: days[key, default: JournalRules.SalesDay()].cardByProcessor[OpaqueID(tender.processor ?? ""), default: Sum()] += signed
        case .giftCard: days[key, default: JournalRules.SalesDay()].giftCards += signed
        case .other: days[key, default: JournalRules.SalesDay()].otherTenders += signed
        }
        if listsTickets(key.date) {
            days[key, default: JournalRules.SalesDay()].ticketGaps.subtract(signed, from: tender.orderID)
        }
    }

    /// Once every POS row is added: each day keeps only the tickets that do not balance, and lets
    /// go of the others' gaps (every ticket of a month of a large chain, held until the journal was
    /// made, while the reconciliation was made too). Nothing is added after.
    public mutating func settleTickets() {
        settled = true
        for key in Array(days.keys) {
            days[key]?.settleTickets()
        }
    }
}

/// Settlement records summed as they are read, per business date × processor × record type (a
/// payout's per payout): what the processor entries take from them. The order they are added in
/// does not matter.
public struct SettlementSums: Sendable {
    fileprivate var groups: [JournalRules.ProcessorDay: [SettlementType: JournalRules.SettlementTypeSums]] = [:]
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    let offset: OffsetAtInstant

    public init(offset: @escaping OffsetAtInstant) { self.offset = offset }

    /// Adds one settlement record.
    public mutating func add(_ record: SettlementRecord) {
        let key = JournalRules.ProcessorDay(
            date: record.occurredAt.civilDate(offsetSeconds: offset(record.occurredAt)), processor: OpaqueID(record.processor),
            payout: OpaqueID(record.type.isPayout ? (record.payout ?? record.recordID) : ""))
        groups[key, default: [:]][record.type, default: JournalRules.SettlementTypeSums()].net += record.net
        groups[key, default: [:]][record.type, default: JournalRules.SettlementTypeSums()].fee += record.fee
        groups[key, default: [:]][record.type, default: JournalRules.SettlementTypeSums()].gross += record.gross
    }
}

/// Stock postings summed as they are read: cost of sales per business date × location, and each
/// goods, count or transfer document's value changes per location (what the stock entries take
/// from them), so that the books need not hold a year of postings to post them.
public struct StockPostingSums: Sendable {
    fileprivate var costOfSales: [JournalRules.DateLocation: JournalRules.CostOfSalesDay] = [:]
    fileprivate var documents: [JournalRules.DocumentKey: JournalRules.DocumentSums] = [:]
    /// The reporting time zone: business dates are occurred_at's date at this offset.
    let offset: OffsetAtInstant

    public init(offset: @escaping OffsetAtInstant) { self.offset = offset }

    /// Adds one stock event's posting.
    public mutating func add(_ posting: StockPosting) {
        let date = posting.occurredAt.civilDate(offsetSeconds: offset(posting.occurredAt))
        switch posting.kind {
        case .sale, .complimentary, .customerReturn:
            let key = JournalRules.DateLocation(date: date, location: OpaqueID(posting.location))
            switch posting.kind {
            case .sale:
                costOfSales[key, default: JournalRules.CostOfSalesDay()].saleCost -= posting.value
                costOfSales[key, default: JournalRules.CostOfSalesDay()].saleProvisional += posting.provisional
            case .complimentary: costOfSales[key, default: JournalRules.CostOfSalesDay()].complimentary -= posting.value
            default: costOfSales[key, default: JournalRules.CostOfSalesDay()].returned += posting.value
            }
        case .purchaseReceipt, .purchaseReturn, .count:
            // first: receipts (or count gains); second: returns to the supplier (or shrinkage).
            let group: JournalRules.DocumentGroup = posting.kind == .count ? .count : .goods
            let key = JournalRules.DocumentKey(group: group, date: date, document: OpaqueID(posting.documentID))
            let first = posting.kind == .purchaseReceipt || (posting.kind == .count && posting.value > 0)
            let location = OpaqueID(posting.location)
            let current = documents[key, default: [:]][location] ?? (Sum(), Sum())
            documents[key, default: [:]][location] =
                first ? (current.first + Sum(posting.value), current.second) : (current.first, current.second + Sum(posting.value))
        case .transferShip, .transferReceive:
            let group: JournalRules.DocumentGroup = posting.kind == .transferShip ? .transferShip : .transferReceive
            let key = JournalRules.DocumentKey(group: group, date: date, document: OpaqueID(posting.documentID))
            let location = OpaqueID(posting.location)
            let current = documents[key, default: [:]][location] ?? (Sum(), Sum())
            documents[key, default: [:]][location] = (current.first + Sum(posting.value), Sum())
        }
    }
}

public enum JournalRules {
    /// Every entry, sorted by date then id.
    public static func entries(_ input: JournalInput) throws -> [JournalEntry] {
        var entries = try salesEntries(input) + stockEntries(input) + processorEntries(input) + writeOffEntries(input)
        entries.sort(by: JournalEntry.precedes)
        return entries
    }

    /// Identifiers are `OpaqueID`s here and in the keys below (FORMATS §1): two locations,
    /// documents or orders whose bytes differ are two, whatever `String`'s `==` says.
    fileprivate struct DateLocation: Hashable, Comparable {
        var date: CivilDate
        var location: OpaqueID
        static func < (a: DateLocation, b: DateLocation) -> Bool { (a.date, a.location) < (b.date, b.location) }
    }

    // MARK: Sales (per business date × location)

    /// One business date × location of POS activity, summed; each sum becomes one line.
    fileprivate struct SalesDay {
        var gross = Sum()
        var discounts = Sum()
        var tax = Sum()
        var returnsNet = Sum()
        var returnsTax = Sum()
        var cash = Sum()
        var cardByProcessor: [OpaqueID: Sum] = [:]
        var giftCards = Sum()
        var otherTenders = Sum()
        /// Per ticket: lines collected − tenders taken (non-zero: the ticket does not balance).
        var ticketGaps = TicketGaps()
        /// The tickets that do not balance, in byte order, once the gaps are settled.
        var unbalancedTickets: [String]?

        var unbalanced: [String] { unbalancedTickets ?? ticketGaps.unbalanced }

        mutating func settleTickets() {
            guard unbalancedTickets == nil else { return }
            unbalancedTickets = ticketGaps.unbalanced
            ticketGaps = TicketGaps()
        }
    }

    /// Tenders to their accounts, lines to sales, discounts, tax and returns; what a ticket's
    /// tenders do not cover (or cover twice) goes to POS over/short. Lines come in one fixed order.
    static func salesEntries(_ input: JournalInput) throws -> [JournalEntry] {
        let chart = input.chart
        let days = input.posSums.days
        return try days.keys.sorted().compactMap { key throws -> JournalEntry? in
            let day = days[key]!
            let location = key.location.text
            var builder = EntryBuilder()
            builder.post(chart[.sales], -day.gross, location: location, memo: "gross sales")
            builder.post(chart[.salesDiscounts], day.discounts, location: location, memo: "sales discounts")
            builder.post(chart[.salesTaxPayable], -day.tax, location: location, memo: "sales tax")
            builder.post(chart[.salesReturns], day.returnsNet, location: location, memo: "sales returns (net of discount)")
            builder.post(chart[.salesTaxPayable], day.returnsTax, location: location, memo: "sales tax on returns")
            builder.post(chart[.cashOnHand], day.cash, location: location, memo: "cash")
            for key in day.cardByProcessor.keys.sorted() {
                let processor = key.text
                builder.post(
                    chart[.cardClearing], day.cardByProcessor[key] ?? Sum(), location: location, processor: processor,
                    memo: processor.isEmpty ? "card" : "card (\(processor))")
            }
            builder.post(chart[.giftCardLiability], day.giftCards, location: location, memo: "gift cards redeemed")
            builder.post(chart[.otherTenders], day.otherTenders, location: location, memo: "other tenders")
            // Tenders short of the lines: a debit to over/short (a loss); tenders over: a credit.
            let gap = builder.total
            builder.post(chart[.overShort], -gap, location: location, memo: "POS over/short")
            // A day of nothing but zero-priced lines (complimentary items) makes no entry.
            guard !builder.isEmpty else { return nil }
            let unbalanced = day.unbalanced
            var memo = "POS sales at \(location) on \(key.date)"
            if !unbalanced.isEmpty {
                let listed = unbalanced.prefix(5).joined(separator: ", ")
                memo += "; tickets whose tenders differ from their lines: \(listed)"
                if unbalanced.count > 5 { memo += " and \(unbalanced.count - 5) more" }
            }
            return try builder.entry(
                key: .sales(key.date, location: location), date: key.date, memo: memo, sourceType: "pos",
                sourceReference: "\(location) \(key.date)")
        }
    }

    // MARK: Stock (cost of sales per date × location; goods, transfers and counts per document)

    /// The entries made per document: goods, counts, and each side of a transfer.
    fileprivate enum DocumentGroup: Int, Comparable {
        case count, goods, transferReceive, transferShip
        static func < (a: DocumentGroup, b: DocumentGroup) -> Bool { a.rawValue < b.rawValue }
    }

    fileprivate struct DocumentKey: Hashable, Comparable {
        var group: DocumentGroup
        var date: CivilDate
        var document: OpaqueID
        static func < (a: DocumentKey, b: DocumentKey) -> Bool { (a.group, a.date, a.document) < (b.group, b.date, b.document) }
    }

    /// One business date × location of cost of sales, summed.
    fileprivate struct CostOfSalesDay {
        var saleCost = Sum()
        var saleProvisional = Sum()
        var complimentary = Sum()
        var returned = Sum()
    }

    /// One document's value changes per location: `first` receipts (or count gains, or the
    /// transfer side's value), `second` returns to the supplier (or shrinkage).
    fileprivate typealias DocumentSums = [OpaqueID: (first: Sum, second: Sum)]

    static func stockEntries(_ input: JournalInput) throws -> [JournalEntry] {
        let chart = input.chart
        let inventory = chart[.inventory]
        let (costOfSales, documents) = (input.stockSums.costOfSales, input.stockSums.documents)
        var entries = try costOfSales.keys.sorted().compactMap { key throws -> JournalEntry? in
            let day = costOfSales[key]!
            let location = key.location.text
            var builder = EntryBuilder()
            builder.post(chart[.costOfGoodsSold], day.saleCost - day.saleProvisional, location: location, memo: "cost of sales")
            builder.post(
                chart[.costOfGoodsSold], day.saleProvisional, location: location, memo: "cost of sales, provisional (pending units)")
            builder.post(inventory, -day.saleCost, location: location, memo: "inventory sold")
            builder.post(chart[.complimentaryGoods], day.complimentary, location: location, memo: "complimentary goods")
            builder.post(inventory, -day.complimentary, location: location, memo: "inventory given away")
            builder.post(inventory, day.returned, location: location, memo: "inventory returned by customers")
            builder.post(chart[.costOfGoodsSold], -day.returned, location: location, memo: "cost of customer returns")
            guard !builder.isEmpty else { return nil }
            return try builder.entry(
                key: .costOfSales(key.date, location: location), date: key.date, memo: "cost of sales at \(location) on \(key.date) (FIFO)",
                sourceType: "cost_of_sales", sourceReference: "\(location) \(key.date)")
        }
        for key in documents.keys.sorted() {
            var builder = EntryBuilder()
            let sums = documents[key]!
            for locationID in sums.keys.sorted() {
                guard let (first, second) = sums[locationID] else { continue }
                let location = locationID.text
                switch key.group {
                case .goods:
                    builder.post(inventory, first, location: location, memo: "goods received")
                    builder.post(chart[.goodsReceivedNotInvoiced], -first, location: location, memo: "goods received")
                    builder.post(inventory, second, location: location, memo: "goods returned to the supplier")
                    builder.post(chart[.goodsReceivedNotInvoiced], -second, location: location, memo: "goods returned to the supplier")
                case .count:
                    builder.post(inventory, second, location: location, memo: "count shrinkage")
                    builder.post(chart[.inventoryShrinkage], -second, location: location, memo: "count shrinkage")
                    builder.post(inventory, first, location: location, memo: "count gains")
                    builder.post(chart[.inventoryShrinkage], -first, location: location, memo: "count gains")
                case .transferShip, .transferReceive:
                    let memo = key.group == .transferShip ? "shipped from \(location)" : "received at \(location)"
                    builder.post(inventory, first, location: location, memo: memo)
                    builder.post(chart[.inventoryInTransit], -first, location: inTransitLocation, memo: memo)
                }
            }
            guard !builder.isEmpty else { continue }
            let (entryKey, memo, sourceType): (EntryKey, String, String)
            switch key.group {
            case .goods: (entryKey, memo, sourceType) = (.goods(key.date, document: key.document.text), "goods document \(key.document)", "purchases")
            case .transferShip:
                (entryKey, memo, sourceType) = (
                    .transfer(key.date, transfer: key.document.text, side: .ship), "transfer \(key.document) shipped", "transfers"
                )
            case .transferReceive:
                (entryKey, memo, sourceType) = (
                    .transfer(key.date, transfer: key.document.text, side: .receive), "transfer \(key.document) received", "transfers"
                )
            case .count: (entryKey, memo, sourceType) = (.count(key.date, count: key.document.text), "stock count \(key.document)", "counts")
            }
            entries.append(
                try builder.entry(key: entryKey, date: key.date, memo: memo, sourceType: sourceType, sourceReference: key.document.text))
        }
        return entries
    }

    // MARK: Processors (activity per processor × date; payouts per payout)

    /// Each settlement record: its net into the processor balance, its fee to fees, and its
    /// gross against what it settles — card clearing for captures, refunds and adjustments (open
    /// items reconciliation clears), chargebacks to their own expense, fee records to fees, payouts
    /// to the bank. Net = gross − fee, so every record balances on its own; records are summed per
    /// type.
    /// The account a settlement record's gross goes against (SEMANTICS §5): card clearing for the
    /// records that settle card tenders — the card-clearing records of SEMANTICS §6.1 — chargebacks
    /// to their own expense, fee records to fees, payouts to the bank.
    public static func grossAccount(of type: SettlementType) -> AccountRole {
        switch type {
        case .capture, .refund, .refundFailure, .adjustment: return .cardClearing
        case .chargeback, .chargebackReversal: return .chargebacks
        case .fee: return .processingFees
        case .payout, .payoutFailure: return .bank
        }
    }

    /// A processor's activity on a business date, or one of its payouts.
    fileprivate struct ProcessorDay: Hashable, Comparable {
        var date: CivilDate
        var processor: OpaqueID
        /// Empty for the day's activity; the payout id for a payout.
        var payout: OpaqueID
        static func < (a: ProcessorDay, b: ProcessorDay) -> Bool { (a.date, a.processor, a.payout) < (b.date, b.processor, b.payout) }
    }

    /// One record type's sums within a `ProcessorDay`.
    fileprivate struct SettlementTypeSums {
        var net = Sum()
        var fee = Sum()
        var gross = Sum()
    }

    static func processorEntries(_ input: JournalInput) throws -> [JournalEntry] {
        let chart = input.chart
        let groups = input.settlementSums.groups
        return try groups.keys.sorted().compactMap { key throws -> JournalEntry? in
            let byType = groups[key] ?? [:]
            var builder = EntryBuilder()
            // Lines in the order of the types (FORMATS §2's).
            for type in SettlementType.allCases {
                guard let sums = byType[type] else { continue }
                let memo = type.rawValue.lowercased().replacingUnderscores()
                builder.post(chart[.processorBalance], sums.net, processor: key.processor.text, memo: memo)
                builder.post(chart[.processingFees], sums.fee, processor: key.processor.text, memo: "fees (\(memo))")
                builder.post(chart[grossAccount(of: type)], -sums.gross, processor: key.processor.text, memo: memo)
            }
            guard !builder.isEmpty else { return nil }
            if key.payout.text.isEmpty {
                return try builder.entry(
                    key: .processor(key.date, processor: key.processor.text), date: key.date,
                    memo: "\(key.processor) activity on \(key.date)", sourceType: "settlements",
                    sourceReference: "\(key.processor) \(key.date)")
            }
            return try builder.entry(
                key: .payout(key.date, processor: key.processor.text, payout: key.payout.text), date: key.date,
                memo: "\(key.processor) payout \(key.payout)", sourceType: "settlements",
                sourceReference: "\(key.processor) \(key.payout)")
        }
    }
}

extension JournalRules {
    /// One entry per WRITE_OFF and day: Dr reconciliation write-offs, Cr card clearing, per
    /// processor, the residuals it cleared (negative when it clears a credit).
    static func writeOffEntries(_ input: JournalInput) throws(OutOfRange) -> [JournalEntry] {
        struct Key: Hashable {
            var day: CivilDate
            var override: OpaqueID
        }
        var order: [Key] = []
        var byKey: [Key: [WriteOffClearing]] = [:]
        for clearing in input.writeOffs {
            let key = Key(day: clearing.day, override: OpaqueID(clearing.overrideID))
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(clearing)
        }
        var entries: [JournalEntry] = []
        for key in order {
            var builder = EntryBuilder()
            for clearing in byKey[key] ?? [] {
                builder.post(input.chart[.reconciliationWriteOffs], clearing.amount, processor: clearing.processor, memo: "written off")
                builder.post(input.chart[.cardClearing], -Sum(clearing.amount), processor: clearing.processor, memo: "written off")
            }
            guard !builder.isEmpty else { continue }
            entries.append(
                try builder.entry(
                    key: .writeOff(key.day, override: key.override.text), date: key.day, memo: "write-off \(key.override)",
                    sourceType: "overrides", sourceReference: key.override.text))
        }
        return entries
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
