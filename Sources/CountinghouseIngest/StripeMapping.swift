// Stripe's itemized balance-transaction reports and payouts report → settlements (FORMATS §3.1).
//
// Place in the pipeline: `VendorReader.read` calls `mapStripe` for each record of a Stripe file;
// the canonical row it drafts goes through the settlements validator.
// Invariants: payment_method stays empty (FORMATS §3.1 maps no Stripe column to it; `card_brand`
// spells brands its own way, `mastercard`, where a fee schedule says `mc`); `created`,
// `available_on`, `effective_at` and the other columns without `_utc` are never read (their zone is a report-run parameter); amounts keep Stripe's own text (the canonical
// money rules apply: signed, `.` decimals, at most the currency's decimals, net = gross − fee).
// Errors a user can see: `created_utc "8/6/2026 12:00": is not YYYY-MM-DD HH:MM:SS (was the file
// re-saved by a spreadsheet?)` (also effective_at_utc, available_on_utc), `gross "1,50": decimal
// comma: run the report with decimal_separator '.'` (also fee, net), the spreadsheet-number error
// on balance_transaction_id, charge_id, payment_intent_id, source_id, automatic_payout_id,
// payout_id, and the canonical validator's (e.g. "net must equal gross - fee (…)", "foreign
// currency EUR (the ledger's currency is USD)").

import CountinghouseCore

struct StripeColumns {
    let balanceTransactionID, reportingCategory, currency, gross, fee, net: Int?
    /// `created_utc` (itemized) or `effective_at_utc` (payouts).
    let occurredAt: Int?
    let availableOn: Int?
    let chargeID, paymentIntentID, sourceID, automaticPayoutID, payoutID: Int?
    /// `payment_metadata[<stripe.order_metadata_key>]`, the key compared case-sensitively.
    let orderMetadata: Int?
    let processorName: String
    /// The id columns checked for spreadsheet damage, and the amounts checked for a decimal comma.
    let identifiers: [Int?]
    let amounts: [Int]

    init(_ header: HeaderColumns, rawNames: [String], settings: IngestSettings) {
        func position(_ name: String) -> Int? { header.position(of: name) }
        let isPayouts = header.has("payout_id") && (header.has("effective_at_utc") || header.has("effective_at"))
        balanceTransactionID = position("balance_transaction_id")
        reportingCategory = position("reporting_category")
        currency = position("currency")
        gross = position("gross")
        fee = position("fee")
        net = position("net")
        occurredAt = isPayouts ? position("effective_at_utc") : position("created_utc")
        availableOn = isPayouts ? nil : position("available_on_utc")
        chargeID = isPayouts ? nil : position("charge_id")
        paymentIntentID = isPayouts ? nil : position("payment_intent_id")
        sourceID = isPayouts ? nil : position("source_id")
        automaticPayoutID = isPayouts ? nil : position("automatic_payout_id")
        payoutID = isPayouts ? position("payout_id") : nil
        let wanted = "payment_metadata[" + settings.vendors.stripeOrderMetadataKey + "]"
        orderMetadata =
            isPayouts
            ? nil
            : rawNames.firstIndex { name in
                name.utf8.count == wanted.utf8.count
                    && HeaderColumns.normalise(String(name.prefix(17))) == "payment_metadata["
                    && name.dropFirst(17) == wanted.dropFirst(17)
            }
        processorName = settings.vendors.stripeProcessorName
        identifiers = [balanceTransactionID, chargeID, paymentIntentID, sourceID, automaticPayoutID, payoutID]
        amounts = [gross, fee, net].compactMap { $0 }
    }

    /// The canonical type of a `reporting_category`.
    static func type(of category: String) -> SettlementType {
        switch category {
        case "charge", "partial_capture_reversal": return .capture
        case "refund", "charge_failure": return .refund
        case "refund_failure": return .refundFailure
        case "dispute": return .chargeback
        case "dispute_reversal": return .chargebackReversal
        case "fee", "network_cost", "tax": return .fee
        case "payout": return .payout
        case "payout_reversal": return .payoutFailure
        default: return .adjustment
        }
    }
}

extension VendorReader {
    mutating func mapStripe(_ record: CSVRecord, errors: inout [RowError]) {
        guard let columns = stripe else { return }
        let settlement = SettlementColumns.shared
        checkIdentifiers(record, columns.identifiers, errors: &errors)
        func field(_ position: Int?) -> Bytes {
            guard let position else { return Bytes(start: nil, count: 0) }
            return trimmed(record.bytes(position))
        }
        for position in columns.amounts where field(position).contains(UInt8(ascii: ",")) {
            errors.append(error(record, position, "decimal comma: run the report with decimal_separator '.'"))
        }
        /// A UTC time column: nil when empty (the validator says it is required, where it is).
        func timestamp(_ position: Int?) -> Int? {
            guard let position, field(position).count > 0 else { return nil }
            if isWallClock(field(position)) { return position }
            errors.append(error(record, position, "is not YYYY-MM-DD HH:MM:SS (was the file re-saved by a spreadsheet?)"))
            return nil
        }
        let occurredAt = timestamp(columns.occurredAt)
        let availableOn = timestamp(columns.availableOn)
        let category = text(field(columns.reportingCategory))
        let type = StripeColumns.type(of: category)

        let index = newDraft()
        drafts[index].set(settlement.processor, .text(columns.processorName), from: nil)
        drafts[index].copy(settlement.recordID, from: columns.balanceTransactionID)
        drafts[index].set(settlement.type, category.isEmpty ? .empty : .text(type.rawValue), from: columns.reportingCategory)
        drafts[index].set(
            settlement.occurredAt, occurredAt.map { .wallClock($0, suffix: "Z") } ?? .empty, from: columns.occurredAt, showingSource: true)
        drafts[index].copy(settlement.currency, from: columns.currency)
        drafts[index].copy(settlement.gross, from: columns.gross)
        drafts[index].copy(settlement.fee, from: columns.fee)
        drafts[index].copy(settlement.net, from: columns.net)
        if let payout = columns.payoutID {
            // Payouts report: the payout's own id; its date is the day it takes effect.
            drafts[index].copy(settlement.payoutID, from: payout)
            drafts[index].set(
                settlement.availableOn, occurredAt.map { .prefix($0, count: 10) } ?? .empty, from: columns.occurredAt, showingSource: true)
        } else {
            drafts[index].copy(settlement.payoutID, from: columns.automaticPayoutID)
            drafts[index].set(
                settlement.availableOn, availableOn.map { .prefix($0, count: 10) } ?? .empty, from: columns.availableOn, showingSource: true)
            var reference: Int?
            if category == "payout_reversal" {
                reference = columns.sourceID
            } else if let charge = columns.chargeID, field(charge).count > 0 {
                reference = charge
            } else if let intent = columns.paymentIntentID, field(intent).count > 0 {
                reference = intent
            } else if category == "charge" {
                reference = columns.sourceID
            }
            drafts[index].copy(settlement.paymentRef, from: reference)
            drafts[index].copy(settlement.orderID, from: columns.orderMetadata)
        }
        drafts[index].copy(settlement.vendorCategory, from: columns.reportingCategory)
    }
}
