// The reconciliation's rules (SEMANTICS §6) on small worked examples, the numbers in the test: the
// matching steps and their order, each tender and record status, payouts, disputes, overrides and
// write-offs, payments' lives, and the span's rows and roll-forward.

import Testing

@testable import CountinghouseCore

@Suite struct ReconciliationTests {
    typealias R = Rec

    @Test func stepOneMatchesByPaymentRefWhateverTheAmountAndChecksTheFee() {
        let schedule = ReconciliationSettings(
            tolerance: 1, fees: [FeeScheduleEntry(processor: "stripe", percentNumerator: 29, percentScale: 1, fixed: 30)])
        let reconciliation = R.reconcile(
            [R.card("A1", at: R.at(5), 10000, ref: "ch_1"), R.card("A2", at: R.at(5, 13), 2000, ref: "ch_2"),
             R.card("A3", at: R.at(5, 14), 5000, ref: "ch_3")],
            [R.record("t1", .capture, at: R.at(6), gross: 10000, fee: 320, ref: "ch_1"),
             // 2.9 % of 19.99 = 0.57971 → 0.58, + 0.30 = 0.88; 0.89 is within the tolerance of 0.01.
             R.record("t2", .capture, at: R.at(6), gross: 1999, fee: 89, ref: "ch_2"),
             R.record("t3", .capture, at: R.at(6), gross: 5000, fee: 200, ref: "ch_3")],
            settings: schedule)
        let state = reconciliation.state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .matched)
        #expect(state.status(record: "t1") == .matched)  // 2.9 % of 100.00 + 0.30 = 3.20
        #expect(state.status(order: "A2") == .matched)  // 20.00 against 19.99: within the tolerance
        #expect(state.residual(order: "A2") == 1)
        #expect(state.status(record: "t2") == .matched)
        #expect(state.status(record: "t3") == .feeVariance)  // expected 1.75, charged 2.00
        #expect(state.formation(ofGroupOf: .tender(0)) == .step(1))
    }

    @Test func stepOneTakesAnyAmountSoTheDifferenceIsAMismatch() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(5), 10000, ref: "ch_1")], [R.record("t1", .capture, at: R.at(5), gross: 9925, ref: "ch_1")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .amountMismatch)
        #expect(state.residual(order: "A1") == 75)
        #expect(state.status(record: "t1") == .matched)
    }

    @Test func stepTwoMatchesByOrderWithinTheToleranceSmallestDifferenceFirst() {
        let settings = ReconciliationSettings(tolerance: 50)
        let state = R.reconcile(
            [R.card("A1", at: R.at(5), 10000)],
            [R.record("t1", .capture, at: R.at(5), gross: 9960, order: "A1"),
             R.record("t2", .capture, at: R.at(5), gross: 9990, order: "A1"),
             R.record("t3", .capture, at: R.at(5), gross: 9000, order: "A1")], settings: settings
        ).state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .duplicateSettlement)  // t1 joins as a second capture
        #expect(state.formation(ofGroupOf: .tender(0)) == .step(2))
        #expect(state.status(record: "t2") == .matched)  // the smaller difference pairs first
        #expect(state.status(record: "t1") == .duplicateSettlement)
        #expect(state.status(record: "t3") == .unmatchedSettlement)  // 10.00 away: not within tolerance
        #expect(state.residual(order: "A1") == -9950)  // 100.00 − 99.90 − 99.60
    }

    @Test func stepThreePairsOnlyUniqueCandidatesByAmountAndTime() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(5, 10, 0), 1250), R.card("B1", at: R.at(5, 11, 0), 700), R.card("B2", at: R.at(5, 11, 5), 700),
             R.card("C1", at: R.at(5, 15, 0), 990, ref: "pi_9")],
            [R.record("t1", .capture, at: R.at(5, 10, 15), gross: 1250),  // 15 minutes: inclusive
             R.record("t2", .capture, at: R.at(5, 11, 3), gross: 700),
             R.record("t3", .capture, at: R.at(5, 15, 1), gross: 990, ref: "pi_8")]  // refs both present, different
        ).state(atEndOf: R.date(5))
        #expect(state.status(order: "A1") == .matched)
        #expect(state.formation(ofGroupOf: .tender(0)) == .step(3))
        #expect(state.status(order: "B1") == .ambiguous)
        #expect(state.status(order: "B2") == .ambiguous)
        #expect(state.status(record: "t2") == .ambiguous)
        #expect(state.status(order: "C1") == .inTransit)
        #expect(state.status(record: "t3") == .unmatchedSettlement)
    }

    @Test func aTenderWithNothingSettlingItIsInTransitForTheLagThenUnsettled() {
        let reconciliation = R.reconcile([R.card("A1", at: R.at(13, 20), 4200, ref: "ch_1")], [])
        #expect(reconciliation.state(atEndOf: R.date(16)).status(order: "A1") == .inTransit)
        #expect(reconciliation.state(atEndOf: R.date(17)).status(order: "A1") == .unsettled)
        #expect(reconciliation.state(atEndOf: R.date(12)).status(order: "A1") == nil)  // not yet known
    }

    @Test func aPartialCaptureReversalReducesWhatWasCaptured() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(5), 8000, ref: "ch_1")],
            [R.record("t1", .capture, at: R.at(5), gross: 10000, ref: "ch_1"),
             R.record("t2", .capture, at: R.at(6), gross: -2000, ref: "ch_1")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .matched)
        #expect(state.status(record: "t2") == .matched)
        #expect(state.residual(order: "A1") == 0)
    }

    @Test func aFailedRefundCancelsItsRefundAndLeavesThePOSRefundUnsettled() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(1), 5000, ref: "ch_1"), R.card("R1", at: R.at(3), 3000, refund: true, ref: "ch_1")],
            [R.record("t1", .capture, at: R.at(1), gross: 5000, ref: "ch_1"),
             R.record("t2", .refund, at: R.at(3), gross: -3000, ref: "ch_1"),
             R.record("t3", .refundFailure, at: R.at(8), gross: 3000, ref: "ch_1")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(record: "t2") == .refundFailed)
        #expect(state.status(record: "t3") == .refundFailed)
        #expect(state.residual(record: "t2") == 0)
        #expect(state.status(order: "R1") == .unsettled)
        #expect(state.residual(order: "R1") == -3000)
        #expect(state.life(order: "A1") == .settled)  // the refund failed: nothing refunded
        // Before the failure, the refund matched the POS refund.
        let before = R.reconcile(
            [R.card("A1", at: R.at(1), 5000, ref: "ch_1"), R.card("R1", at: R.at(3), 3000, refund: true, ref: "ch_1")],
            [R.record("t1", .capture, at: R.at(1), gross: 5000, ref: "ch_1"),
             R.record("t2", .refund, at: R.at(3), gross: -3000, ref: "ch_1"),
             R.record("t3", .refundFailure, at: R.at(8), gross: 3000, ref: "ch_1")]
        ).state(atEndOf: R.date(7))
        #expect(before.status(order: "R1") == .matched)
        #expect(before.life(order: "A1") == .partiallyRefunded)
    }

    @Test func payoutsTheirItemsAndAFailure() {
        let records = [
            R.record("t1", .capture, at: R.at(1), gross: 10000, fee: 320, ref: "ch_1", payout: "po_1"),
            R.record("t2", .fee, at: R.at(1), gross: -500, payout: "po_1"),
            R.record("po_1", .payout, at: R.at(3), gross: -9180, payout: "po_1"),
            R.record("t3", .capture, at: R.at(2), gross: 2000, fee: 88, ref: "ch_2", payout: "po_2"),
            R.record("po_2", .payout, at: R.at(4), gross: -1900, payout: "po_2"),
            R.record("t4", .capture, at: R.at(2), gross: 3000, fee: 117, ref: "ch_3"),
        ]
        let tenders = [R.card("A1", at: R.at(1), 10000, ref: "ch_1"), R.card("A2", at: R.at(2), 2000, ref: "ch_2"),
                       R.card("A3", at: R.at(2), 3000, ref: "ch_3")]
        let state = R.reconcile(tenders, records).state(atEndOf: R.date(31))
        #expect(state.status(record: "po_1") == .payoutOK)
        #expect(state.status(record: "po_2") == .payoutMismatch)  // 19.12 of items, 19.00 paid: 0.12 left
        #expect(state.status(record: "t2") == .fee)
        #expect(state.life(order: "A1") == .paidOut)
        #expect(state.life(order: "A3") == .settled)
        #expect(state.isOpen(.record(5)) == true)  // t4 is not paid out (records in record order: t4 is 6th)
        let failed = R.reconcile(
            tenders, records + [R.record("pf_1", .payoutFailure, at: R.at(6), gross: 9180, ref: "po_1")]
        ).state(atEndOf: R.date(31))
        #expect(failed.status(record: "po_1") == .payoutFailed)
        #expect(failed.status(record: "pf_1") == .matched)
        let unknown = R.reconcile(tenders, records + [R.record("pf_1", .payoutFailure, at: R.at(6), gross: 100, ref: "po_9")])
        #expect(unknown.state(atEndOf: R.date(31)).status(record: "pf_1") == .unmatchedSettlement)
    }

    @Test func chargebacksReversalsAndASecondChargeback() {
        let tenders = [R.card("A1", at: R.at(1), 5000, ref: "ch_1")]
        let base = [R.record("t1", .capture, at: R.at(1), gross: 5000, ref: "ch_1"),
                    R.record("d1", .chargeback, at: R.at(10), gross: -5000, fee: 1500, ref: "ch_1")]
        let disputed = R.reconcile(tenders, base).state(atEndOf: R.date(31))
        #expect(disputed.status(record: "d1") == .chargebackOpen)
        #expect(disputed.life(order: "A1") == .disputed)
        let won = R.reconcile(tenders, base + [R.record("d2", .chargebackReversal, at: R.at(20), gross: 5000, ref: "ch_1")])
            .state(atEndOf: R.date(31))
        #expect(won.status(record: "d1") == .chargebackReversed)
        #expect(won.status(record: "d2") == .chargebackReversed)
        #expect(won.life(order: "A1") == .disputeWon)
        let lost = R.reconcile(
            tenders,
            base + [R.record("d2", .chargebackReversal, at: R.at(20), gross: 5000, ref: "ch_1"),
                    R.record("d3", .chargeback, at: R.at(25), gross: -5000, ref: "ch_1")]
        ).state(atEndOf: R.date(31))
        #expect(lost.life(order: "A1") == .disputeLost)
        let accepted = R.reconcile(tenders, base, overrides: [R.override("O1", .ignore, record: "d1")]).state(atEndOf: R.date(31))
        #expect(accepted.life(order: "A1") == .disputeLost)
        #expect(accepted.status(record: "d1") == .overridden)
    }

    @Test func aMatchOverrideGroupsItsItemsFirstAndTwoProcessorsAreRefused() {
        let tenders = [R.card("A1", at: R.at(1), 5000), R.card("B1", at: R.at(1, 13), 800, processor: "adyen")]
        let records = [R.record("t1", .capture, at: R.at(2), gross: 4990, order: "X"),
                       R.record("t2", .capture, at: R.at(2), gross: 800, processor: "stripe")]
        let state = R.reconcile(
            tenders, records,
            overrides: [R.override("O1", .match, order: "A1", record: "t1"), R.override("O2", .match, order: "B1", record: "t2")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .overridden)
        #expect(state.formation(ofGroupOf: .tender(0)) == .matchOverride)
        #expect(state.residual(order: "A1") == 10)  // any residual stays open
        #expect(state.status(order: "B1") == .unsettled)  // O2 names two processors: not applied
        #expect(state.refusedMatches == [1])
    }

    @Test func aWriteOffClearsTheResidualOnItsDayNotTheTender() throws {
        let tenders = [R.card("A1", at: R.at(5), 10000, ref: "ch_1")]
        let short = R.record("t1", .capture, at: R.at(6), gross: 9925, ref: "ch_1")
        let writeOff = R.override("W1", .writeOff, order: "A1", effectiveOn: R.date(20))
        let reconciliation = R.reconcile(tenders, [short], overrides: [writeOff])
        let clearings = try reconciliation.writeOffClearings(throughDay: R.date(31))
        #expect(clearings.map(\.amount) == [75])
        #expect(clearings.map(\.day) == [R.date(20)])
        #expect(reconciliation.state(atEndOf: R.date(19)).status(order: "A1") == .amountMismatch)
        let after = reconciliation.state(atEndOf: R.date(20))
        #expect(after.status(order: "A1") == .overridden)
        #expect(after.residual(order: "A1") == 0)

        // A late capture booked before the write-off's day shrinks it; one booked after reopens.
        let before = R.reconcile(
            tenders, [short, R.record("t2", .capture, at: R.at(7), gross: 50, ref: "ch_1")], overrides: [writeOff])
        #expect(try before.writeOffClearings(throughDay: R.date(31)).map(\.amount) == [25])
        let reopened = R.reconcile(
            tenders, [short, R.record("t2", .capture, at: R.at(25), gross: 50, ref: "ch_1")], overrides: [writeOff])
        #expect(try reopened.writeOffClearings(throughDay: R.date(31)).map(\.amount) == [75])
        #expect(reopened.state(atEndOf: R.date(31)).residual(order: "A1") == -50)
    }

    @Test func anOverrideNamingNothingKnownIsListed() throws {
        let reconciliation = R.reconcile(
            [R.card("A1", at: R.at(5), 100)], [], overrides: [R.override("O1", .ignore, ref: "nothing")])
        let report = try reconciliation.report(ReportSpan(firstDay: R.date(1), lastDay: R.date(31))!)
        #expect(report.overridesNamingNothing == ["O1"])
    }

    /// A tender in transit at the end of October, settled on November 2: October lists it open,
    /// November lists it (open at its start) with its capture, matched. October's other payment is
    /// listed in November too: its capture is not paid out, an open processor balance item.
    @Test func anItemInTransitAtMonthEndIsCarriedIntoTheNextMonth() throws {
        let reconciliation = R.reconcile(
            [R.card("A1", at: R.at(30), 4000, ref: "ch_1"), R.card("A2", at: R.at(10), 1500, ref: "ch_2")],
            [R.record("t1", .capture, at: R.at(2, month: 11), gross: 4000, fee: 146, ref: "ch_1"),
             R.record("t2", .capture, at: R.at(10), gross: 1500, fee: 74, ref: "ch_2")])
        let october = try reconciliation.report(ReportSpan(firstDay: R.date(1), lastDay: R.date(31))!)
        #expect(october.rows.map(\.status) == [.matched, .matched, .inTransit])
        #expect(october.rows.map(\.difference) == [0, nil, 4000])
        let november = try reconciliation.report(ReportSpan(firstDay: R.date(1, month: 11), lastDay: R.date(30, month: 11))!)
        #expect(november.rows.map(\.orderID) == ["A2", nil, "A1", nil])
        #expect(november.rows.map(\.recordID) == ["t2", "t2", "t1", "t1"])
        #expect(november.rows.map(\.status) == [.matched, .matched, .matched, .matched])
        #expect(november.rows.map(\.ageDays) == [nil, 51, nil, 28])  // the records: open, not paid out
        // The roll-forward: card clearing opens at 40.00, the capture takes it to 0.
        let clearing = november.rollforward.filter { $0.account == .cardClearing }
        #expect(clearing.first?.amount == 4000)
        #expect(clearing.first { $0.category == "CAPTURE" }?.amount == -4000)
        #expect(clearing.first { $0.line == .closing }?.amount == 0)
        let octoberItems = october.rollforward.filter { $0.account == .cardClearing && $0.line == .item }
        #expect(octoberItems.map(\.amount) == [4000])
        #expect(octoberItems.map(\.status) == [.inTransit])
        // Processor balance: November's capture is not paid out: one item of 38.54.
        let balance = november.rollforward.filter { $0.account == .processorBalance }
        #expect(balance.first?.amount == 1426)
        #expect(balance.filter { $0.line == .item }.map(\.amount) == [1426, 3854])
    }

    /// An adjustment stands alone in card clearing; a reversal, a refund failure or a payout
    /// failure that has nothing to pair with is unmatched; an ignored unmatched capture stays open.
    @Test func recordsWithNothingToPairWith() {
        let state = R.reconcile(
            [],
            [R.record("a1", .adjustment, at: R.at(3), gross: -1234),
             R.record("v1", .chargebackReversal, at: R.at(3), gross: 500, ref: "ch_9"),
             R.record("f1", .refundFailure, at: R.at(3), gross: 700, ref: "ch_9"),
             R.record("c1", .capture, at: R.at(3), gross: 900, ref: "ch_8")],
            overrides: [R.override("I1", .ignore, record: "c1")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(record: "a1") == .adjustment)
        #expect(state.residual(record: "a1") == 1234)  // card clearing: −gross
        #expect(state.status(record: "v1") == .unmatchedSettlement)
        #expect(state.status(record: "f1") == .unmatchedSettlement)
        #expect(state.residual(record: "f1") == -700)
        #expect(state.status(record: "c1") == .overridden)
        #expect(state.residual(record: "c1") == -900)  // IGNORE changes nothing else: still open
        #expect(state.cardClearingByProcessor == ["stripe": -366])  // 12.34 − 7.00 − 9.00
    }

    /// §6.4: a chargeback after a reversal that reversed nothing (it came first) is not a second
    /// chargeback: the dispute is open, not lost.
    @Test func aReversalThatReversedNothingDoesNotMakeTheNextChargebackASecondOne() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(1), 5000, ref: "ch_1")],
            [R.record("t1", .capture, at: R.at(1), gross: 5000, ref: "ch_1"),
             R.record("v1", .chargebackReversal, at: R.at(5), gross: 5000, ref: "ch_1"),
             R.record("d1", .chargeback, at: R.at(10), gross: -5000, ref: "ch_1")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(record: "v1") == .unmatchedSettlement)
        #expect(state.status(record: "d1") == .chargebackOpen)
        #expect(state.life(order: "A1") == .disputed)
    }

    /// payments.csv is in a total order: two captures without tenders at one instant (no order id,
    /// no tender number) come in record order, whatever order the set of listed items iterates in.
    @Test func paymentsWithEqualSortKeysComeInTheOrderOfTheirLeads() throws {
        let records = (0..<6).map { R.record("t\($0)", .capture, at: R.at(5), gross: 1000 + Int64($0), ref: "ch_\($0)") }
        let span = try #require(ReportSpan(firstDay: R.date(1), lastDay: R.date(31)))
        for _ in 0..<5 {
            let report = try R.reconcile([], records.shuffled()).report(span)
            #expect(report.payments.map(\.paymentRefs) == ["ch_0", "ch_1", "ch_2", "ch_3", "ch_4", "ch_5"])
        }
    }

    /// FORMATS §1: identifiers are compared byte for byte, so a ref written "é" (one code point)
    /// and one written "e" + a combining accent are different refs: no step pairs them (step 3
    /// refuses two present refs that differ), where Swift's `==` would call them equal.
    @Test func identifiersAreComparedByTheirBytes() {
        let state = R.reconcile(
            [R.card("A1", at: R.at(5), 1000, ref: "caf\u{E9}")], [R.record("t1", .capture, at: R.at(5), gross: 1000, ref: "cafe\u{301}")]
        ).state(atEndOf: R.date(31))
        #expect(state.status(order: "A1") == .unsettled)
        #expect(state.status(record: "t1") == .unmatchedSettlement)
    }

    /// Payout ids too: two PAYOUT records whose ids differ only in their normalisation are two
    /// payouts, each paying out the capture that names it.
    @Test func payoutsAreTheirIdsBytes() {
        let (nfc, nfd) = ("po_\u{E9}", "po_e\u{301}")
        let state = R.reconcile(
            [R.card("A1", at: R.at(5), 1000, ref: "ch_1"), R.card("A2", at: R.at(5), 2000, ref: "ch_2")],
            [
                R.record("ch_1", .capture, at: R.at(5), gross: 1000, ref: "ch_1", payout: nfc),
                R.record("ch_2", .capture, at: R.at(5), gross: 2000, ref: "ch_2", payout: nfd),
                R.record(nfc, .payout, at: R.at(7), gross: -1000, payout: nfc),
                R.record(nfd, .payout, at: R.at(7), gross: -2000, payout: nfd),
            ]
        ).state(atEndOf: R.date(31))
        #expect(state.payouts.map { Array($0.payoutID.utf8) }.sorted { $0.lexicographicallyPrecedes($1) } == [Array(nfd.utf8), Array(nfc.utf8)])
        #expect(state.payouts.allSatisfy { $0.residual.isZero && $0.items.count == 1 })
        #expect(state.status(record: "ch_1") == .matched && state.status(record: "ch_2") == .matched)
    }
}

