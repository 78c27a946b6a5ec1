// The card processors' statements of the sample chain, in each processor's own layout.
//
// `ChainSimulation` decides what each processor does with the card money (captures, refunds,
// disputes, fees, payouts); this file only writes it down: a Stripe account (S01 and S02) as the
// payout reconciliation report (`payout_reconciliation.itemized`, one row per balance transaction
// of the payout) beside the payouts report (`payouts.itemized`, the payout itself); an Adyen
// merchant account (S03) as one Settlement details report per payout batch, its MerchantPayout row
// the payout; and Square (the pop-up P01) as canonical `settlements.csv` rows, since no Square
// settlement report is read yet (FORMATS §3). Times are kept as seconds since the first generated
// day's midnight UTC and written as each layout wants them: Stripe UTC (`created_utc`) beside the
// report run's New York time (`created`), Adyen New York wall time with its abbreviation (EDT/EST).
// Money is integer minor units throughout.
import CountinghouseCore

/// Who settles a store's cards.
enum CardProcessor: String, CaseIterable {
    case stripe, adyen, square
}

/// One balance change at a processor, waiting for its payout.
struct SettlementRecord {
    var recordId: String
    /// The canonical type (FORMATS §2 settlements).
    var type: String
    /// Stripe `reporting_category`, Adyen `Type`; empty for the canonical Square rows.
    var category: String
    var day: Int
    var secondOfDayUTC: Int
    var grossMinor: Int64
    var feeMinor: Int64
    /// Stripe `charge_id`, Adyen `Psp Reference`, Square `Payment ID`; may be empty.
    var paymentRef: String
    /// The merchant's order id the processor carries (Stripe metadata, Adyen Merchant Reference).
    var orderId: String
    var availableDay: Int
    /// Stripe `payment_intent_id` (empty for charges made without one).
    var paymentIntent = ""
    /// Stripe `source_id` (re_…, dp_…), empty where the charge itself is the source.
    var sourceId = ""
    /// Card scheme: Adyen `Payment Method` (visa, mc, amex), Stripe `card_brand`.
    var paymentMethod = ""

    init(
        recordId: String, type: String, category: String, day: Int, secondOfDayUTC: Int, grossMinor: Int64,
        feeMinor: Int64, paymentRef: String, orderId: String, availableDay: Int
    ) {
        self.recordId = recordId
        self.type = type
        self.category = category
        self.day = day
        self.secondOfDayUTC = secondOfDayUTC
        self.grossMinor = grossMinor
        self.feeMinor = feeMinor
        self.paymentRef = paymentRef
        self.orderId = orderId
        self.availableDay = availableDay
    }

    var netMinor: Int64 { grossMinor - feeMinor }
    var secondsUTC: Int { day * 86_400 + secondOfDayUTC }

    /// Moves the record to an instant given in seconds since the first day's midnight UTC.
    mutating func move(toSecondsUTC seconds: Int) {
        day = seconds / 86_400
        secondOfDayUTC = seconds % 86_400
    }
}

/// Writing the processors' files.
struct CardSettlementWriter {
    let startDate: CivilDate

    // MARK: Time

    func dateText(_ day: Int) -> String { startDate.adding(days: Int64(day)).description }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    func utcText(_ seconds: Int) -> String {
        dateText(seconds / 86_400) + " " + ChainSimulation.clock(seconds % 86_400)
    }

    /// New York wall time of an instant, and the abbreviation of its offset. Daylight time ends on
    /// the first Sunday of November at 06:00 UTC.
    func newYorkText(_ seconds: Int) -> (text: String, abbreviation: String) {
        // The date and time in daylight time first; it stands when that date is in daylight time,
        // or is the changeover day before 02:00 (the clocks go back at 02:00 EDT).
        let daylightLocal = seconds - 4 * 3600
        let daylightDay = Int(floorDivide(Int64(daylightLocal), 86_400).quotient)
        let daylightDate = startDate.adding(days: Int64(daylightDay))
        let changeover = !ChainSimulation.isEasternDaylightTime(daylightDate)
            && ChainSimulation.isEasternDaylightTime(daylightDate.adding(days: -1))
        let daylight = ChainSimulation.isEasternDaylightTime(daylightDate)
            || (changeover && daylightLocal - daylightDay * 86_400 < 2 * 3600)
        let local = daylight ? daylightLocal : seconds - 5 * 3600
        let day = Int(floorDivide(Int64(local), 86_400).quotient)
        return (dateText(day) + " " + ChainSimulation.clock(local - day * 86_400), daylight ? "EDT" : "EST")
    }

    // MARK: Stripe

    static let stripeItemizedColumns = [
        "balance_transaction_id", "created_utc", "created", "available_on_utc", "available_on", "currency", "gross", "fee",
        "net", "reporting_category", "source_id", "description", "customer_facing_amount", "customer_facing_currency",
        "automatic_payout_id", "automatic_payout_effective_at_utc", "automatic_payout_effective_at", "charge_id",
        "payment_intent_id", "payment_method_type", "card_brand", "card_funding", "card_country", "statement_descriptor",
        "dispute_reason", "payment_metadata[order_id]",
    ]

    static let stripePayoutsColumns = [
        "payout_id", "effective_at_utc", "effective_at", "currency", "gross", "fee", "net", "reporting_category",
        "balance_transaction_id", "description", "payout_expected_arrival_date", "payout_status", "payout_type",
        "payout_destination_id",
    ]

    /// The payout reconciliation report (itemized) of one payout: its balance transactions.
    func stripeItemized(_ records: [SettlementRecord], payoutId: String, payoutSecondsUTC: Int) -> CSVTable {
        var table = CSVTable(vendorColumns: CardSettlementWriter.stripeItemizedColumns, kind: .settlements)
        for record in records {
            let isCardActivity = record.category != "fee"
            table.text(record.recordId)
            table.text(utcText(record.secondsUTC))
            table.text(newYorkText(record.secondsUTC).text)
            table.text(utcText(record.availableDay * 86_400))
            table.text(newYorkText(record.availableDay * 86_400).text)
            table.text("usd")
            table.money(record.grossMinor)
            table.money(record.feeMinor)
            table.money(record.netMinor)
            table.text(record.category)
            table.text(record.category == "charge" ? record.paymentRef : record.sourceId)
            table.text(stripeDescription(record))
            if isCardActivity { table.money(record.grossMinor) } else { table.empty() }
            if isCardActivity { table.text("usd") } else { table.empty() }
            table.text(payoutId)
            table.text(utcText(payoutSecondsUTC))
            table.text(newYorkText(payoutSecondsUTC).text)
            table.text(record.paymentRef)
            table.text(record.paymentIntent)
            if isCardActivity { table.text("card_present") } else { table.empty() }
            table.text(record.paymentMethod)
            if isCardActivity { table.text("credit") } else { table.empty() }
            if isCardActivity { table.text("US") } else { table.empty() }
            if isCardActivity { table.text("COUNTINGHOUSE") } else { table.empty() }
            if record.category == "dispute" { table.text("fraudulent") } else { table.empty() }
            table.text(record.orderId)
            table.endRow()
        }
        return table
    }

    private func stripeDescription(_ record: SettlementRecord) -> String {
        switch record.category {
        case "charge": return "Payment for order " + record.orderId
        case "refund": return "REFUND FOR CHARGE (order " + record.orderId + ")"
        case "dispute": return "Chargeback withdrawal for " + record.paymentRef
        case "dispute_reversal": return "Chargeback reversal for " + record.paymentRef
        case "fee": return "Billing - Terminal readers and Radar (monthly)"
        default: return ""
        }
    }

    /// The payouts report row of one payout (gross negative: money leaves the balance).
    func stripePayout(
        recordId: String, payoutId: String, secondsUTC: Int, amountMinor: Int64, into table: inout CSVTable
    ) {
        table.text(payoutId)
        table.text(utcText(secondsUTC))
        table.text(newYorkText(secondsUTC).text)
        table.text("usd")
        table.money(-amountMinor)
        table.money(0)
        table.money(-amountMinor)
        table.text("payout")
        table.text(recordId)
        table.text("STRIPE PAYOUT")
        table.text(dateText(secondsUTC / 86_400 + 1))
        table.text("paid")
        table.text("bank_account")
        table.text("ba_1QcH7kCountinghouse01")
        table.endRow()
    }

    // MARK: Adyen

    static let adyenColumns = [
        "Company Account", "Merchant Account", "Psp Reference", "Merchant Reference", "Payment Method", "Creation Date",
        "TimeZone", "Type", "Modification Reference", "Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)",
        "Exchange Rate", "Net Currency", "Net Debit (NC)", "Net Credit (NC)", "Commission (NC)", "Markup (NC)",
        "Scheme Fees (NC)", "Interchange (NC)", "Payment Method Variant", "Modification Merchant Reference",
        "Batch Number", "Reserved4", "Reserved5", "Reserved6", "Reserved7", "Reserved8", "Reserved9", "Reserved10",
        "Booking Date",
    ]
    static let adyenCompanyAccount = "CountinghouseRetail"
    static let adyenMerchantAccount = "CountinghouseRetailUS_S03"

    /// One Settlement details report: the batch's records, then its MerchantPayout (net debit
    /// `payoutMinor`, which a story may make short of the records' sum).
    func adyenBatch(_ records: [SettlementRecord], batch: Int, payoutSecondsUTC: Int, payoutMinor: Int64) -> CSVTable {
        var table = CSVTable(vendorColumns: CardSettlementWriter.adyenColumns, kind: .settlements)
        for record in records {
            let isTransaction = !["Fee", "MerchantPayout"].contains(record.category)
            adyenRow(
                record: record, isTransaction: isTransaction, batch: batch, into: &table)
        }
        var payout = SettlementRecord(
            recordId: "PAYOUT-" + String(batch), type: "PAYOUT", category: "MerchantPayout", day: 0, secondOfDayUTC: 0,
            grossMinor: -payoutMinor, feeMinor: 0, paymentRef: "", orderId: "", availableDay: payoutSecondsUTC / 86_400)
        payout.move(toSecondsUTC: payoutSecondsUTC)
        adyenRow(record: payout, isTransaction: false, batch: batch, into: &table)
        return table
    }

    private func adyenRow(record: SettlementRecord, isTransaction: Bool, batch: Int, into table: inout CSVTable) {
        let local = newYorkText(record.secondsUTC)
        table.text(CardSettlementWriter.adyenCompanyAccount)
        table.text(CardSettlementWriter.adyenMerchantAccount)
        table.text(record.paymentRef)
        table.text(record.orderId)
        table.text(record.paymentMethod)
        table.text(local.text)
        table.text(local.abbreviation)
        table.text(record.category)
        table.text(record.recordId)
        table.text("USD")
        // Debit and credit columns are unsigned; an account-level row has no gross.
        if isTransaction {
            if record.grossMinor < 0 { table.money(-record.grossMinor) } else { table.empty() }
            if record.grossMinor > 0 { table.money(record.grossMinor) } else { table.empty() }
            table.text("1")
        } else {
            table.empty()
            table.empty()
            table.empty()
        }
        table.text("USD")
        if record.netMinor < 0 { table.money(-record.netMinor) } else { table.empty() }
        if record.netMinor > 0 { table.money(record.netMinor) } else { table.empty() }
        // The fee split as Adyen shows it (carried for the reports, never read): its own
        // commission of 0.11 a transaction, the rest interchange and scheme fees.
        if isTransaction && record.feeMinor > 0 {
            let commission = min(Int64(11), record.feeMinor)
            let scheme = (record.feeMinor - commission) / 5
            table.money(commission)
            table.money(0)
            table.money(scheme)
            table.money(record.feeMinor - commission - scheme)
        } else {
            table.empty()
            table.empty()
            table.empty()
            table.empty()
        }
        table.text(isTransaction && !record.paymentMethod.isEmpty ? record.paymentMethod + "credit" : "")
        table.empty()
        table.integer(batch)
        for _ in 0..<7 { table.empty() }
        table.text(utcText(record.availableDay * 86_400))
        table.endRow()
    }

    // MARK: Canonical (Square)

    func canonical(_ record: SettlementRecord, processor: String, payoutId: String, into table: inout CSVTable) {
        table.text(processor)
        table.text(record.recordId)
        table.text(record.type)
        table.text(dateText(record.day) + "T" + ChainSimulation.clock(record.secondOfDayUTC) + "Z")
        table.text("USD")
        table.money(record.grossMinor)
        table.money(record.feeMinor)
        table.money(record.netMinor)
        table.text(record.paymentRef)
        table.text(record.orderId)
        table.text(dateText(record.availableDay))
        table.text(payoutId)
        table.endRow()
    }
}
