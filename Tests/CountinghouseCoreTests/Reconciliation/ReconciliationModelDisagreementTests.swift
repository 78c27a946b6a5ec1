// Where the engine and the naive model (ReconciliationModel.swift) first disagreed and the spec's
// words sided with the model: the smallest cases the property test shrank to, the numbers in the
// test. The engine was changed to agree; these keep it so. (The notes on each say what the engine
// did before.)

import Testing

@testable import CountinghouseCore

@Suite struct ReconciliationModelDisagreementTests {
    typealias R = Rec

    /// §6.6: a MATCH applies "as soon as it is known"; §6.5: a record is OVERRIDDEN when "an override
    /// that applies names it"; `record_id` names "one settlement record of any type". A MATCH naming
    /// only a CHARGEBACK is known, names it, and names one processor, so the chargeback is
    /// OVERRIDDEN (it cannot join a match group: nothing else changes). The engine leaves it
    /// CHARGEBACK_OPEN, although it lists the MATCH neither as naming nothing nor as refused, and
    /// although the same chargeback is OVERRIDDEN when the MATCH also names the tender.
    @Test func aMatchNamingOnlyAChargebackOverridesIt() {
        let tenders = [R.card("A1", at: R.at(2), 1000, ref: "ch_1")]
        let records = [
            R.record("c1", .capture, at: R.at(2), gross: 1000, ref: "ch_1"),
            R.record("cb", .chargeback, at: R.at(3), gross: -1000, ref: "ch_1"),
        ]
        let alone = R.reconcile(tenders, records, overrides: [R.override("o1", .match, record: "cb")]).state(atEndOf: R.date(5))
        #expect(alone.overridesNamingNothing.isEmpty)
        #expect(alone.refusedMatches.isEmpty)
        #expect(alone.status(order: "A1") == .matched)
        #expect(alone.status(record: "c1") == .matched)
        #expect(alone.status(record: "cb") == .overridden)  // engine: CHARGEBACK_OPEN

        // The same chargeback named together with the tender: OVERRIDDEN on both sides.
        let together = R.reconcile(tenders, records, overrides: [R.override("o1", .match, order: "A1", record: "cb")])
            .state(atEndOf: R.date(5))
        #expect(together.status(record: "cb") == .overridden)
    }

    /// §6.6: "a MATCH naming items of two processors is not applied"; §6.1: the items are the card
    /// tenders and the settlement records of any type. This MATCH names an adyen tender and a square
    /// PAYOUT, so it is refused: the tender waits for its settlement (IN_TRANSIT) and the payout is
    /// a PAYOUT_MISMATCH. The engine counts only what the MATCH would put in a group (tenders and
    /// card-clearing records), applies it, and makes both OVERRIDDEN.
    @Test func aMatchNamingATenderAndAnotherProcessorsPayoutIsNotApplied() {
        let state = R.reconcile(
            [R.card("A1", 2, at: R.at(2, 10, 15), 1005, processor: "adyen")],
            [R.record("t9", .payout, at: R.at(3, 22, 0), gross: -1552, processor: "square", payout: "po_1")],
            overrides: [R.override("o13", .match, order: "A1", record: "t9", recordedAt: R.at(3, 20))]
        ).state(atEndOf: R.date(3))
        #expect(state.refusedMatches.count == 1)  // engine: []
        #expect(state.status(order: "A1", 2) == .inTransit)  // engine: OVERRIDDEN
        #expect(state.formation(ofGroupOf: .tender(0)) == .alone)  // engine: MATCH
        #expect(state.status(record: "t9") == .payoutMismatch)  // engine: OVERRIDDEN
    }

    /// The same rule when one record_id is used by two processors (ids are unique per processor
    /// only): `record_id` without `processor` names both, a stripe CAPTURE and a square PAYOUT, so
    /// the MATCH names items of two processors and is not applied.
    @Test func aMatchNamingARecordIDTwoProcessorsUseIsNotApplied() {
        let state = R.reconcile(
            [],
            [R.record("t2", .capture, at: R.at(5, 10, 15), gross: 1001, processor: "stripe", order: "A2"),
             R.record("t2", .payout, at: R.at(5, 22, 0), gross: 0, processor: "square", payout: "po_1")],
            overrides: [R.override("o75", .match, record: "t2", recordedAt: R.at(4, 20))]
        ).state(atEndOf: R.date(5))
        #expect(state.refusedMatches.count == 1)  // engine: []
        #expect(state.status(of: .record(0)) == .unmatchedSettlement)  // the stripe capture; engine: OVERRIDDEN
        #expect(state.status(of: .record(1)) == .payoutOK)  // the square payout; engine: OVERRIDDEN
    }

    /// §6.2: a group's lead is "its first tender in tender order, or, when it has none, its first
    /// record in record order"; record order is occurred_at, processor, record_id (byte order). A
    /// REFUND and the REFUND_FAILURE that cancels it, booked at the same instant, with the failure's
    /// id first in byte order: the failure leads their group. The engine lets the REFUND lead (the
    /// lead is the row that shows the group's residual, §6.9, and the item a write-off's clearing
    /// follows, §6.3).
    @Test func aFailedRefundsGroupIsLedByItsFirstRecordInRecordOrder() {
        let reconciliation = R.reconcile(
            [],
            [R.record("t75", .refund, at: R.at(4, 10, 14), gross: -1005, ref: "ch_3"),
             R.record("t56", .refundFailure, at: R.at(4, 10, 14), gross: 1005, ref: "ch_3")])
        #expect(reconciliation.records.map(\.recordID) == ["t56", "t75"])  // record order
        let state = reconciliation.state(atEndOf: R.date(4))
        #expect(state.formation(ofGroupOf: .record(0)) == .failedRefund)
        #expect(state.status(record: "t56") == .refundFailed)
        #expect(state.status(record: "t75") == .refundFailed)
        #expect(state.lead(of: .record(1)) == .record(0))  // engine: .record(1), the REFUND
    }
}
