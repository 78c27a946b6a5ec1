// The sample generator: a small retail chain's source files, as its systems would deliver them.
//
// Place in the pipeline: nothing reads it at run time. It writes the committed `sample-data/` (the
// demo and the end-to-end tests) and, at any scale, the inputs of the benchmarks. It is pure: no
// clock, no system randomness, no file system (except `SampleFileWriter`). The same parameters
// always give the same bytes.
//
// The chain: a warehouse `WH1` and stores `S01`…, all in US Eastern time (the POS and the
// warehouse write local times with their offset, `-04:00` until the first Sunday of November and
// `-05:00` after it; Stripe writes UTC, Adyen New York wall time with EDT/EST), and with three
// stores or more a Square pop-up `P01`. Stores open 09:00–19:00. One folder per business day,
// delivered the next morning, holds that day's files; see `SampleChain.generate(_:)` for the
// notable cases and the days they fall on, and `CardStory` for the card money's stories.
import CountinghouseCore

/// One generated file: a path relative to the output folder, and its bytes.
public struct SampleFile: Sendable, Hashable {
    public let relativePath: String
    public let bytes: [UInt8]

    public init(relativePath: String, bytes: [UInt8]) {
        self.relativePath = relativePath
        self.bytes = bytes
    }
}

public enum SampleChain {
    /// What to generate. The defaults give the committed `sample-data/`.
    public struct Parameters: Sendable, Hashable {
        public var seed: UInt64
        /// Stores besides the warehouse (1…999).
        public var storeCount: Int
        /// SKUs in the catalogue, the seasonal item included (2 or more).
        public var skuCount: Int
        /// Business days to generate, from `startDate` (1 or more).
        public var dayCount: Int
        /// POS lines per day over all stores, about (weekends differ, returns add a few).
        public var linesPerDay: Int
        public var startDate: CivilDate

        public init(
            seed: UInt64 = 20_261_001, storeCount: Int = 3, skuCount: Int = 40, dayCount: Int = 61,
            linesPerDay: Int = 60, startDate: CivilDate = CivilDate(year: 2026, month: 10, day: 1)!
        ) {
            self.seed = seed
            self.storeCount = storeCount
            self.skuCount = skuCount
            self.dayCount = dayCount
            self.linesPerDay = linesPerDay
            self.startDate = startDate
        }

        public static let standard = Parameters()

        /// Why these parameters cannot be generated, or nil.
        public var problem: String? {
            if !(1...999).contains(storeCount) { return "stores must be between 1 and 999 (got \(storeCount))" }
            if skuCount < 2 { return "skus must be at least 2 (got \(skuCount))" }
            if dayCount < 1 { return "days must be at least 1 (got \(dayCount))" }
            if linesPerDay < 0 { return "lines per day must not be negative (got \(linesPerDay))" }
            return nil
        }
    }

    /// Days (counted from the start date, 0-based) on which the notable cases happen. A case whose
    /// day is past the last generated day is left out.
    public enum CaseDay {
        /// `RN-…` purchase return at the warehouse naming the first opening receipt.
        public static let purchaseReturn = 12
        /// Monthly Stripe fees.
        public static let stripeFees = [14, 44]
        /// The seasonal SKU launches: a catalogue update, a sale at the second store from empty
        /// stock at 11:15, and that store's receipt at 15:30 which arrives three days late.
        public static let seasonalLaunch = 19
        /// The first transfer line received on or after this day (3 units or more) arrives 2 short.
        public static let shortReceiptFrom = 20
        /// Stock take at the first store, 07:30, with one shrinkage and one found unit.
        public static let stockCount = 44
        /// Late supplier receipts: this many days between occurrence and delivery.
        public static let seasonalReceiptDelay = 3
    }

    /// Days (0-based, as `CaseDay`) and places of the card stories (`CardStory`).
    public enum CardStoryDay {
        /// The store whose cards Adyen settles (S03); the others' go to Stripe.
        public static let adyenStore = 2
        /// The ambiguous pair at S03 (Oct 27): two sales of the same item at 14:00 and 14:04, settled in
        /// the batch of Oct 29, so October closes with them ambiguous.
        public static let ambiguousPair = 26
        public static let ambiguousPairSecond = 14 * 3600
        /// S01's last single-card sale of October 31, captured in November.
        public static let inTransit = 30
        /// Adyen invoices October's transaction fees on November 1.
        public static let adyenMonthlyFee = 31
        /// The first Adyen payout from this day on pays 2.50 less than its batch.
        public static let payoutShortFrom = 31
        /// The chargeback's and its reversal's days.
        public static let chargeback = 22
        public static let chargebackReversal = 40
        /// The refund made from Stripe's dashboard.
        public static let dashboardRefund = 35
        /// The folder with `overrides.csv`.
        public static let overrides = 49
    }

    /// The card money an accountant meets in a real month, each placed on purpose (README, "Sample
    /// data and the nightly job"). `storyReferences` gives each story's ids: order ids first, then
    /// the processor's record ids.
    public enum CardStory: String, CaseIterable, Sendable {
        /// S01's first card refund from Oct 6: Stripe returns the fee's percentage with it.
        case refundWithFeeReturned
        /// S01's first card refund from Oct 9 of less than its payment.
        case partialRefund
        /// The first single-card sale at S02 on Nov 3 of 15.00 or more, refunded from the
        /// dashboard on Nov 5 without a POS return.
        case dashboardRefund
        /// S02's first return of a card sale from Oct 13, refunded in cash.
        case cashRefundOfCardSale
        /// S01's first card sale on Oct 11 of 40.00 or more, paid on two cards.
        case splitOnTwoCards
        /// S02's first single-card sale on Oct 16 of 30.00 or more: disputed Oct 23, won Nov 10.
        case chargebackReversed
        /// S03's first card refund from Oct 10: Adyen's refund fails two days later.
        case failedRefund
        /// Fees not tied to a sale: Stripe's monthly fees (Oct 15, Nov 14) and Adyen's invoice.
        case standaloneFee
        /// The first Adyen payout of November, 2.50 short of its batch.
        case payoutShort
        /// S01's first single-card sale on Nov 7 of 20.00 or more, captured twice.
        case duplicateCapture
        /// S03's first single-card sale on Nov 8 of 10.00 or more, settled without references.
        case amountAndTime
        /// Two S03 sales of Oct 27 and their two captures without references.
        case ambiguousPair
        /// S01's last single-card sale of Oct 31.
        case inTransit
        /// S02's first single-card sale on Nov 9 of 20.00 or more, captured 0.75 short.
        case shortCaptureWrittenOff
        /// The pop-up's Square refunds.
        case popUpRefund

        struct Rule {
            let store: Int
            let days: ClosedRange<Int>
            let minimumMinor: Int64
        }

        /// Which ticket or return a story claims: the first at `store` on `days` of at least
        /// `minimumMinor`; nil for the stories placed otherwise.
        var rule: Rule? {
            switch self {
            case .refundWithFeeReturned: return Rule(store: 0, days: 5...60, minimumMinor: 0)
            case .partialRefund: return Rule(store: 0, days: 8...60, minimumMinor: 0)
            case .dashboardRefund: return Rule(store: 1, days: 33...33, minimumMinor: 1_500)
            case .cashRefundOfCardSale: return Rule(store: 1, days: 12...60, minimumMinor: 0)
            case .splitOnTwoCards: return Rule(store: 0, days: 10...10, minimumMinor: 4_000)
            case .chargebackReversed: return Rule(store: 1, days: 15...15, minimumMinor: 3_000)
            case .failedRefund: return Rule(store: 2, days: 9...60, minimumMinor: 0)
            case .duplicateCapture: return Rule(store: 0, days: 37...37, minimumMinor: 2_000)
            case .amountAndTime: return Rule(store: 2, days: 38...38, minimumMinor: 1_000)
            case .shortCaptureWrittenOff: return Rule(store: 1, days: 39...39, minimumMinor: 2_000)
            case .standaloneFee, .payoutShort, .ambiguousPair, .inTransit, .popUpRefund: return nil
            }
        }
    }

    /// Each card story's ids in the generation of `parameters` (order ids, then record ids).
    public static func storyReferences(_ parameters: Parameters) -> [CardStory: [String]] {
        let simulation = ChainSimulation(parameters: parameters, unbounded: false)
        for dayIndex in 0..<parameters.dayCount { _ = simulation.simulateDay(dayIndex) }
        return simulation.storyReferences
    }

    static func monthName(_ month: Int64) -> String {
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
         "December"][Int(month) - 1]
    }

    /// The header columns the generator writes for each kind (FORMATS §2).
    public static func columns(of kind: LedgerKind) -> [String] {
        switch kind {
        case .posLines:
            return ["order_id", "line_no", "occurred_at", "location", "sku", "type", "quantity", "unit_price",
                    "discount", "tax", "currency", "original_order_id", "original_line_no"]
        case .posTenders:
            return ["order_id", "tender_no", "occurred_at", "location", "tender", "type", "amount", "currency",
                    "processor", "payment_ref"]
        case .purchases:
            return ["document_id", "line_no", "occurred_at", "location", "sku", "type", "quantity", "unit_cost",
                    "total_cost", "currency", "supplier", "original_document_id"]
        case .transfers:
            return ["transfer_id", "line_no", "type", "occurred_at", "from_location", "to_location", "sku",
                    "quantity", "receipt_no"]
        case .counts:
            return ["count_id", "occurred_at", "location", "sku", "counted_quantity", "unit_cost"]
        case .settlements:
            return ["processor", "record_id", "type", "occurred_at", "currency", "gross", "fee", "net",
                    "payment_ref", "order_id", "available_on", "payout_id"]
        case .items:
            return ["sku", "name", "category", "standard_cost", "reorder_point", "reorder_quantity"]
        case .overrides:
            return ["override_id", "action", "processor", "payment_ref", "order_id", "tender_no", "record_id", "effective_on",
                    "note", "author"]
        }
    }

    /// The kinds a day folder may hold, in the order the files are listed (and ingested).
    public static let dailyKinds: [LedgerKind] = [
        .items, .purchases, .transfers, .counts, .posLines, .posTenders, .settlements, .overrides,
    ]

    /// The kinds `bulkRows` can stream.
    public static let bulkKinds: [LedgerKind] = [
        .posLines, .posTenders, .purchases, .transfers, .counts, .settlements, .items,
    ]

    /// Every day folder's files: `YYYY-MM-DD/<kind>.csv`, only kinds with rows that day.
    ///
    /// The folder is the business day; its files are delivered the next morning. Notable cases
    /// (with the defaults: start 2026-10-01, three stores):
    /// - `2026-10-01/items.csv`: the catalogue (all but the seasonal SKU); `2026-10-20/items.csv`
    ///   adds the seasonal SKU and revises two standard costs.
    /// - Opening receipts on the first day at the warehouse (06:00) and every store (07:00).
    /// - Warehouse receipts now and then arrive 2–4 days late (the row's day is before its folder's).
    /// - Customer returns 2–6 days after the sale, on their own ticket, naming the sale line; card
    ///   sales are refunded to the card (same payment_ref), others in cash.
    /// - COMP lines (a free snack, price 0), discounts, 8.875 % tax (snacks are exempt), split
    ///   tenders (20.00 cash, the rest by card).
    /// - Card settlements in each processor's layout (`CardSettlements.swift`): S01 and S02 through
    ///   Stripe (a capture 1–2 days later at 2.9 % + 0.30, monthly fees, payouts every Tuesday and
    ///   Friday: `stripe_payout_reconciliation.itemized_<day>.csv` and `stripe_payouts.itemized_<day>.csv`),
    ///   S03 through Adyen (2.5 % + 0.11, amex 3.3 % + 0.11, a batch paid out every Monday and
    ///   Thursday: `adyen_settlement_detail_report_batch_<n>.csv`), the Square pop-up P01
    ///   (`square_items_detail_<day>.csv`, `square_transactions_<day>.csv`) settled daily in
    ///   canonical `settlements.csv` at 2.6 % + 0.10. Records not yet paid out at the end are not
    ///   delivered.
    /// - The card stories of `CardStory` and `CardStoryDay`, and `2026-11-19/overrides.csv` with
    ///   one MATCH, one WRITE_OFF and one IGNORE.
    /// - The cases of `CaseDay`.
    public static func generate(_ parameters: Parameters) -> [SampleFile] {
        var files: [SampleFile] = []
        generate(parameters) { files.append($0) }
        return files
    }

    /// Streams the day folders' files in day order (for scales that should not sit in memory).
    public static func generate(_ parameters: Parameters, _ emit: (SampleFile) throws -> Void) rethrows {
        if let problem = parameters.problem { preconditionFailure("invalid sample parameters: " + problem) }
        let simulation = ChainSimulation(parameters: parameters, unbounded: false)
        for dayIndex in 0..<parameters.dayCount {
            let day = simulation.simulateDay(dayIndex)
            let folder = parameters.startDate.adding(days: Int64(dayIndex)).description
            for kind in dailyKinds {
                guard let table = day[kind], !table.isEmpty else { continue }
                try emit(SampleFile(relativePath: folder + "/" + kind.rawValue + ".csv", bytes: table.fileBytes()))
            }
            let vendorFiles = simulation.takeVendorFiles()
            for name in vendorFiles.keys.sorted() {
                try emit(SampleFile(relativePath: folder + "/" + name, bytes: vendorFiles[name]!.fileBytes()))
            }
        }
    }

    /// One big file of a kind with exactly `rows` data rows, streamed in chunks: first the header,
    /// then rows, from the same simulation as the day folders, run for as many days as it takes
    /// (`dayCount` is ignored). `items` gives a catalogue of `rows` SKUs; `counts` counts every
    /// store every morning.
    public static func bulkRows(
        kind: LedgerKind, rows: Int, parameters: Parameters = .standard, _ emit: ([UInt8]) throws -> Void
    ) rethrows {
        precondition(bulkKinds.contains(kind), "no bulk generator for \(kind.rawValue)")
        precondition(rows >= 0, "a negative row count")
        if let problem = parameters.problem { preconditionFailure("invalid sample parameters: " + problem) }
        try emit(Array(CSVTable.header(of: kind).utf8))
        if kind == .items {
            var random = SplitMix64(seed: parameters.seed)
            let catalogue = makeCatalogue(skuCount: max(rows, 2), unitsPerStorePerDayMilli: 100, random: &random)
            var table = CSVTable(kind: .items)
            for item in catalogue.prefix(rows) {
                ChainSimulation.writeItem(item, to: &table)
                if table.bytes.count >= 1 << 20 { try emit(table.drain()) }
            }
            try emit(table.drain())
            return
        }
        let simulation = ChainSimulation(parameters: parameters, unbounded: true, countEveryDay: kind == .counts)
        var remaining = rows
        var dayIndex = 0
        var emptyDays = 0
        while remaining > 0 {
            let day = simulation.simulateDay(dayIndex)
            dayIndex += 1
            guard let table = day[kind], !table.isEmpty else {
                emptyDays += 1
                precondition(emptyDays < 10_000, "the simulation produces no \(kind.rawValue) rows")
                continue
            }
            emptyDays = 0
            if table.rowCount <= remaining {
                try emit(table.bytes)
                remaining -= table.rowCount
            } else {
                // Cut after the `remaining`-th line end.
                var cut = 0
                var lines = 0
                for (offset, byte) in table.bytes.enumerated() where byte == 0x0A {
                    lines += 1
                    if lines == remaining {
                        cut = offset + 1
                        break
                    }
                }
                try emit(Array(table.bytes[..<cut]))
                remaining = 0
            }
        }
    }
}
