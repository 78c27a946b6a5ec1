// §7.8: the journal's card clearing and processor balance tie to the reconciliation's open items
// at every period end, write-offs included; a journal that misses an entry is reported.

import Testing

@testable import CountinghouseCore

@Suite struct CardMoneyTiesTests {
    typealias R = Rec

    static func rows(_ tenders: [POSTender], _ records: [SettlementRecord]) -> ([LedgerRow], [LedgerRow]) {
        let tenderRows = tenders.map { tender in
            R.row(.posTenders, [
                "order_id": .text(tender.orderID), "tender_no": .integer(tender.tenderNumber),
                "occurred_at": .integer(tender.occurredAt.nanosecondsSinceEpoch), "location": .text(tender.location),
                "tender": .text(tender.tender.rawValue), "type": .text(tender.type.rawValue), "amount": .integer(tender.amount),
                "currency": .text("USD"), "processor": R.text(tender.processor), "payment_ref": R.text(tender.paymentRef),
            ])
        }
        let recordRows = records.map { record in
            R.row(.settlements, [
                "processor": .text(record.processor), "record_id": .text(record.recordID), "type": .text(record.type.rawValue),
                "occurred_at": .integer(record.occurredAt.nanosecondsSinceEpoch), "currency": .text("USD"),
                "gross": .integer(record.gross), "fee": .integer(record.fee), "net": .integer(record.net),
                "payment_ref": R.text(record.paymentRef), "payout_id": R.text(record.payoutID),
            ])
        }
        return (tenderRows, recordRows)
    }

    @Test func theJournalTiesToTheOpenItemsAtEveryMonthEndWithAWriteOff() throws {
        let tenders = [R.card("A1", at: R.at(5), 10000, ref: "ch_1"), R.card("A2", at: R.at(30), 2500, ref: "ch_2"),
                       R.card("A3", at: R.at(30), 700, processor: nil)]
        let records = [
            R.record("t1", .capture, at: R.at(6), gross: 9925, fee: 320, ref: "ch_1", payout: "po_1"),
            R.record("po_1", .payout, at: R.at(8), gross: -9500, payout: "po_1"),
            R.record("t2", .capture, at: R.at(2, month: 11), gross: 2500, fee: 103, ref: "ch_2"),
        ]
        let reconciliation = R.reconcile(
            tenders, records, overrides: [R.override("W1", .writeOff, order: "A1", effectiveOn: R.date(20))])
        let writeOffs = try reconciliation.writeOffClearings(throughDay: R.date(30, month: 11))
        let (tenderRows, recordRows) = Self.rows(tenders, records)
        let entries = try JournalRules.entries(
            JournalInput(
                posLines: [], posTenders: tenderRows, settlements: recordRows, stock: [], chart: ChartOfAccounts(), offset: { _ in 0 },
                writeOffs: writeOffs))
        let writeOffEntry = try #require(entries.first { $0.id == "WRITEOFF:2026-10-20:W1" })
        #expect(writeOffEntry.lines.map(\.amount) == [75, -75])
        #expect(writeOffEntry.lines.map(\.account.code) == ["6020", "1100"])
        let ends = [R.date(31), R.date(30, month: 11)]
        #expect(
            BooksChecks.cardMoneyTies(entries, reconciliation: reconciliation, periodEnds: ends, chart: ChartOfAccounts(), exponent: 2)
                == [])
        let withoutWriteOff = entries.filter { $0.id != writeOffEntry.id }
        #expect(
            BooksChecks.cardMoneyTies(
                withoutWriteOff, reconciliation: reconciliation, periodEnds: ends, chart: ChartOfAccounts(), exponent: 2) == [
                    "2026-10-31, stripe: card clearing (1100) is 25.75 in the journal, the open match groups add up to 25.00",
                    "2026-11-30, stripe: card clearing (1100) is 0.75 in the journal, the open match groups add up to 0.00",
                ])
        // A report's end state (whole, not balances only) ties the same at its day; a state of
        // another reconciliation or day is not taken for it.
        let november = try reconciliation.report(try #require(ReportSpan(firstDay: R.date(1, month: 11), lastDay: R.date(30, month: 11))))
        let state = try #require(november.endState)
        let other = R.reconcile(tenders, records).state(atEndOf: R.date(30, month: 11))
        for made in [[state], [other], [reconciliation.state(atEndOf: R.date(31))]] {
            #expect(
                BooksChecks.cardMoneyTies(
                    withoutWriteOff, reconciliation: reconciliation, periodEnds: ends, chart: ChartOfAccounts(), exponent: 2, statesMade: made)
                    == BooksChecks.cardMoneyTies(
                        withoutWriteOff, reconciliation: reconciliation, periodEnds: ends, chart: ChartOfAccounts(), exponent: 2))
        }
    }
}
