// `payment ORDER_ID`: one order's money story (SEMANTICS §6.8) — its tenders, the settlement
// records matched to each card tender and how, the refunds and disputes of its payments, the
// payouts that paid them out, each with its status and its source file and row.
//
// Rules: as known at T, with the statuses of the reconciliation at the end of T's business day
// (everything known by then counts). Errors a user can see: "no tender or settlement names order X
// as known at T".
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore
import Foundation

public struct PaymentStory: Sendable {
    public var orderID: String
    public var knownAt: KnowledgeTime
    /// The day whose end the statuses are as of.
    public var asOf: CivilDate
    /// item, reference, amount, fee, occurred_at, status, how, source.
    public var items: ReportTable
    /// One line per payment: its processor, refs, life and amounts.
    public var payments: [String]
}

public enum PaymentJob {
    public static func story(_ session: Session, orderID typed: String, knownAt: KnowledgeTime) throws -> PaymentStory {
        // Identifiers are compared after trimming surrounding spaces (FORMATS §1), as ingest stored them.
        let orderID = typed.trimmingCharacters(in: .whitespaces)
        let context = session.context
        let books = try BooksAsKnown(session, knownAt: knownAt)
        let exponent = context.currencyExponent
        let offset = context.offset
        let asOf = knownAt.instant.civilDate(offsetSeconds: offset(knownAt.instant))
        let reconciliation = books.reconciliation
        let state = reconciliation.state(atEndOf: max(asOf, reconciliation.itemDays?.upperBound ?? asOf))
        let tenderRows = books.rowsOfKind[.posTenders] ?? []
        let recordRows = books.rowsOfKind[.settlements] ?? []
        func source(_ stored: StoredRow) -> ReportCell { .inputText("\(stored.fileName):\(stored.sourceRow)") }
        func when(_ instant: Instant) -> ReportCell { .dateTime(instant, offsetSeconds: offset(instant)) }
        var table = ReportTable(
            name: "payment",
            columns: [
                ReportColumn("item", .text), ReportColumn("reference", .inputText), ReportColumn("amount", .money),
                ReportColumn("fee", .money), ReportColumn("occurred_at", .dateTime), ReportColumn("status", .text),
                ReportColumn("how", .inputText), ReportColumn("source", .inputText),
            ])
        var shownRecords = Set<Int>()
        var shownTenders = Set<Int>()
        var payments: [PaymentState] = []
        func recordRow(_ index: Int, indent: String, how: String) {
            guard !shownRecords.contains(index) else { return }
            shownRecords.insert(index)
            let record = reconciliation.records[index]
            table.append([
                .text(indent + record.type.rawValue),
                .inputText(record.type == .payout ? "\(record.payout ?? record.recordID) (\(record.recordID))" : record.recordID), .money(record.gross, exponent: exponent),
                .money(record.fee, exponent: exponent), when(record.occurredAt), .text(state.status(of: .record(index))?.rawValue ?? ""),
                .inputText(how), source(recordRows[reconciliation.inputIndex(ofRecord: index)]),
            ])
        }
        func howMatched(_ item: ReconciliationItem) -> String {
            switch state.formation(ofGroupOf: item) {
            case .matchOverride?: return "matched by a MATCH override"
            case .failedRefund?: return "a refund and its failure"
            case .step(1)?: return "matched by payment_ref (step 1)"
            case .step(2)?: return "matched by order_id (step 2)"
            case .step(_)?: return "matched by amount and time (step 3)"
            default: return state.isAmbiguous(item) ? "several candidates by amount and time" : "nothing matched"
            }
        }
        func cardTender(_ index: Int, indent: String) {
            guard !shownTenders.contains(index) else { return }
            shownTenders.insert(index)
            let tender = reconciliation.tenders[index]
            let item = ReconciliationItem.tender(index)
            table.append([
                .text("\(indent)\(tender.orderID == orderID ? "" : "order \(tender.orderID) ")tender \(tender.tenderNumber) CARD \(tender.type.rawValue)"),
                .inputText([tender.processor, tender.paymentRef].compactMap { $0 }.joined(separator: " ")),
                .money(tender.signedAmount, exponent: exponent), .empty, when(tender.occurredAt),
                .text(state.status(of: item)?.rawValue ?? ""), .inputText(howMatched(item)),
                source(tenderRows[reconciliation.inputIndex(ofTender: index)]),
            ])
            for member in state.groupMembers(of: item) {
                if case .record(let record) = member { recordRow(record, indent: indent + "  ", how: howMatched(member)) }
            }
            if let payment = state.payment(of: item), !payments.contains(where: { $0.group == payment.group }) {
                payments.append(payment)
            }
        }
        // The ticket's tenders, in tender_no order: card tenders with their records.
        let ticket = tenderRows.filter { CostRuns.sameBytes(POSTender($0.row).orderID, orderID) }
            .sorted { POSTender($0.row).tenderNumber < POSTender($1.row).tenderNumber }
        for stored in ticket {
            let tender = POSTender(stored.row)
            if tender.tender == .card, let index = reconciliation.tenders.indices.first(where: {
                CostRuns.sameBytes(reconciliation.tenders[$0].orderID, orderID) && reconciliation.tenders[$0].tenderNumber == tender.tenderNumber
            }) {
                cardTender(index, indent: "")
            } else {
                table.append([
                    .text("tender \(tender.tenderNumber) \(tender.tender.rawValue) \(tender.type.rawValue)"), .empty,
                    .money(tender.signedAmount, exponent: exponent), .empty, when(tender.occurredAt), .text(""),
                    .inputText("not reconciled (only card tenders are)"), source(stored),
                ])
            }
        }
        // Settlement records that carry the order id but matched none of its tenders.
        for (index, record) in reconciliation.records.enumerated()
        where record.orderID.map({ CostRuns.sameBytes($0, orderID) }) ?? false && state.isKnown(.record(index)) {
            recordRow(index, indent: "", how: howMatched(.record(index)))
            if let payment = state.payment(of: .record(index)), !payments.contains(where: { $0.group == payment.group }) {
                payments.append(payment)
            }
        }
        // Each payment's refunds and disputes, then the payouts of its records.
        var lines: [String] = []
        for payment in payments {
            // The payment itself (for a refund ticket: the payment it refunds), then its refunds.
            for tender in payment.paymentTenders { cardTender(tender, indent: "") }
            for capture in payment.captures { recordRow(capture, indent: "", how: "a capture of the payment") }
            for tender in payment.refundTenders { cardTender(tender, indent: "") }
            for record in payment.refunds + payment.refundFailures + payment.chargebacks + payment.chargebackReversals {
                recordRow(record, indent: "", how: "carries the payment's ref")
            }
            let refs = payment.paymentRefs.isEmpty ? "" : " " + payment.paymentRefs.joined(separator: ";")
            lines.append(
                "payment \(payment.processor)\(refs): \(payment.life.rawValue), refunded \(formatMinorUnits(sum: payment.refundedAmount.total, exponent: exponent)), chargebacks \(formatMinorUnits(sum: payment.chargebackAmount.total, exponent: exponent))")
        }
        var payouts: [Int] = []
        for index in shownRecords.sorted() {
            guard reconciliation.records[index].type != .payout, let payout = state.payout(of: index), state.isPaidOut(record: index)
            else { continue }
            for record in payout.payoutRecords where !payouts.contains(record) { payouts.append(record) }
        }
        for record in payouts { recordRow(record, indent: "", how: "the payout that paid it out") }
        guard table.rows.count > 0 else {
            throw AppFailure.rejected("no tender or settlement names order \(orderID) as known at \(context.describe(knownAt))")
        }
        return PaymentStory(orderID: orderID, knownAt: knownAt, asOf: state.lastDay, items: table, payments: lines)
    }
}
