// Small builders for reconciliation tests: card tenders, settlement records and overrides as ingest
// stores them, dated in October and November 2026 at UTC (business dates are UTC dates).

@testable import CountinghouseCore

enum Rec {
    /// 2026-10-`day` (or a later month's day past 31) at `hour`:`minute` UTC.
    static func at(_ day: Int64, _ hour: Int64 = 12, _ minute: Int64 = 0, month: Int64 = 10) -> Instant {
        Instant(date: CivilDate(year: 2026, month: month, day: day)!, secondOfDay: hour * 3600 + minute * 60)
    }

    static func date(_ day: Int64, month: Int64 = 10) -> CivilDate { CivilDate(year: 2026, month: month, day: day)! }

    static func row(_ kind: LedgerKind, _ values: [String: FieldValue]) -> LedgerRow {
        LedgerRow(kind: kind, values: kind.schema.columns.map { values[$0.name] ?? .null }, sourceRow: 2)
    }

    static func text(_ value: String?) -> FieldValue { value.map(FieldValue.text) ?? .null }

    /// A CARD tender (amount in cents, positive; `refund` makes it a REFUND).
    static func card(
        _ order: String, _ number: Int64 = 1, at instant: Instant, _ cents: Int64, refund: Bool = false, processor: String? = "stripe",
        ref: String? = nil, tender: String = "CARD"
    ) -> POSTender {
        POSTender(
            row(
                .posTenders,
                [
                    "order_id": .text(order), "tender_no": .integer(number), "occurred_at": .integer(instant.nanosecondsSinceEpoch),
                    "location": .text("S01"), "tender": .text(tender), "type": .text(refund ? "REFUND" : "PAYMENT"),
                    "amount": .integer(cents), "currency": .text("USD"), "processor": text(processor), "payment_ref": text(ref),
                ]))
    }

    /// A settlement record (gross and fee in cents, signed; net = gross − fee).
    static func record(
        _ id: String, _ type: SettlementType, at instant: Instant, gross: Int64, fee: Int64 = 0, processor: String = "stripe",
        ref: String? = nil, order: String? = nil, payout: String? = nil, method: String? = nil
    ) -> SettlementRecord {
        SettlementRecord(
            row(
                .settlements,
                [
                    "processor": .text(processor), "record_id": .text(id), "type": .text(type.rawValue),
                    "occurred_at": .integer(instant.nanosecondsSinceEpoch), "currency": .text("USD"), "gross": .integer(gross),
                    "fee": .integer(fee), "net": .integer(gross - fee), "payment_ref": text(ref), "order_id": text(order),
                    "payout_id": text(payout), "payment_method": text(method),
                ]))
    }

    static func override(
        _ id: String, _ action: OverrideAction, ref: String? = nil, order: String? = nil, tender: Int64? = nil, record: String? = nil,
        processor: String? = nil, effectiveOn: CivilDate? = nil, recordedAt: Instant = at(1)
    ) -> RecordedOverride {
        RecordedOverride(
            Override(
                row(
                    .overrides,
                    [
                        "override_id": .text(id), "action": .text(action.rawValue), "payment_ref": text(ref), "order_id": text(order),
                        "record_id": text(record), "note": .text("checked"), "author": .text("ana"), "processor": text(processor),
                        "tender_no": tender.map(FieldValue.integer) ?? .null, "effective_on": text(effectiveOn?.description),
                    ])), recordedAt: recordedAt)
    }

    static func reconcile(
        _ tenders: [POSTender], _ records: [SettlementRecord], overrides: [RecordedOverride] = [],
        settings: ReconciliationSettings = ReconciliationSettings()
    ) -> Reconciliation {
        Reconciliation(ReconciliationInput(tenders: tenders, records: records, overrides: overrides, settings: settings, offset: { _ in 0 }))
    }
}

extension ReconciliationState {
    /// The status of the tender with this order id and number.
    func status(order: String, _ number: Int64 = 1) -> ReconciliationStatus? {
        guard let index = reconciliation.tenders.firstIndex(where: { $0.orderID == order && $0.tenderNumber == number }) else { return nil }
        return status(of: .tender(index))
    }

    func status(record id: String) -> ReconciliationStatus? {
        guard let index = reconciliation.records.firstIndex(where: { $0.recordID == id }) else { return nil }
        return status(of: .record(index))
    }

    func residual(order: String, _ number: Int64 = 1) -> Int128? {
        guard let index = reconciliation.tenders.firstIndex(where: { $0.orderID == order && $0.tenderNumber == number }) else { return nil }
        return residual(ofGroupOf: .tender(index))?.total
    }

    func residual(record id: String) -> Int128? {
        guard let index = reconciliation.records.firstIndex(where: { $0.recordID == id }) else { return nil }
        return residual(ofGroupOf: .record(index))?.total
    }

    func life(order: String, _ number: Int64 = 1) -> PaymentLife? {
        guard let index = reconciliation.tenders.firstIndex(where: { $0.orderID == order && $0.tenderNumber == number }) else { return nil }
        return payment(of: .tender(index))?.life
    }

    /// Σ residuals per processor (card clearing by §6.7) and, per processor, the nets not paid out
    /// plus the payouts' residuals.
    var cardClearingByProcessor: [String: Int128] {
        var sums: [String: Int128] = [:]
        for (lead, residual) in openGroups { sums[reconciliation.processor(of: lead), default: 0] += residual.total }
        return sums
    }
}
