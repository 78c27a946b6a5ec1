import Testing

@testable import CountinghouseCore

/// Each entry type of SEMANTICS §5 on a small example worked by hand (reporting zone UTC).
@Suite struct JournalRulesTests {
    static let chart = ChartOfAccounts()

    static func at(_ day: Int64, _ hour: Int64 = 12) -> Instant {
        Instant(nanosecondsSinceEpoch: Instant(date: CivilDate(year: 2026, month: 10, day: day)!).nanosecondsSinceEpoch + hour * 3_600_000_000_000)
    }

    /// A row as ingest stores it: the currency defaults to the functional one.
    static func row(_ kind: LedgerKind, _ values: [String: FieldValue]) -> LedgerRow {
        var values = values
        if kind.schema.index(of: "currency") != nil && values["currency"] == nil { values["currency"] = .text("USD") }
        return LedgerRow(kind: kind, values: kind.schema.columns.map { values[$0.name] ?? .null }, sourceRow: 2)
    }

    static func line(_ order: String, _ number: Int64, _ type: String, quantity: Int64, price: Int64, discount: Int64 = 0, tax: Int64 = 0) -> LedgerRow {
        row(.posLines, [
            "order_id": .text(order), "line_no": .integer(number), "occurred_at": .integer(at(15).nanosecondsSinceEpoch),
            "location": .text("S01"), "sku": .text("A"), "type": .text(type), "quantity": .integer(quantity),
            "unit_price": .integer(price), "discount": .integer(discount), "tax": .integer(tax),
        ])
    }

    static func tender(_ order: String, _ number: Int64, _ tender: String, _ type: String, _ amount: Int64, processor: String? = nil) -> LedgerRow {
        row(.posTenders, [
            "order_id": .text(order), "tender_no": .integer(number), "occurred_at": .integer(at(15).nanosecondsSinceEpoch),
            "location": .text("S01"), "tender": .text(tender), "type": .text(type), "amount": .integer(amount),
            "processor": processor.map(FieldValue.text) ?? .null,
        ])
    }

    static func settlement(_ id: String, _ type: String, day: Int64, gross: Int64, fee: Int64, payout: String? = nil) -> LedgerRow {
        row(.settlements, [
            "processor": .text("stripe"), "record_id": .text(id), "type": .text(type),
            "occurred_at": .integer(at(day).nanosecondsSinceEpoch), "currency": .text("USD"), "gross": .integer(gross),
            "fee": .integer(fee), "net": .integer(gross - fee), "payout_id": payout.map(FieldValue.text) ?? .null,
        ])
    }

    static func input(posLines: [LedgerRow] = [], posTenders: [LedgerRow] = [], settlements: [LedgerRow] = [], stock: [StockPosting] = []) -> JournalInput {
        JournalInput(posLines: posLines, posTenders: posTenders, settlements: settlements, stock: stock, chart: chart, offset: { _ in 0 })
    }

    /// `code@location amount memo` per line, amounts in minor units (debit positive).
    static func lines(_ entry: JournalEntry) -> [String] {
        entry.lines.map { line in
            var text = line.account.code
            if !line.location.isEmpty { text += "@\(line.location)" }
            if !line.processor.isEmpty { text += "/\(line.processor)" }
            return "\(text) \(line.amount) \(line.memo)"
        }
    }

    // T1: 2 × 10.00 less 1.00 discount plus 1.52 tax = 20.52, paid 15.00 by card and 5.52 cash; a
    // COMP line at price 0. T2: a return of 1 × 10.00 less 0.50 plus 0.76 tax = 10.26 refunded in
    // cash. T3: 3.00 paid 2.95 by gift card — 0.05 short. T4: 4.00 by another tender.
    // Credits: gross 20.00 + 3.00 + 4.00 = 27.00, tax 1.52. Debits: discounts 1.00, returns 9.50,
    // tax on returns 0.76, card 15.00, gift card 2.95, other 4.00; cash 5.52 − 10.26 = −4.74.
    // Debits − credits = 1.00 + 9.50 + 0.76 + 15.00 + 2.95 + 4.00 − 4.74 − 27.00 − 1.52 = −0.05:
    // over/short is debited 0.05.
    @Test func salesPerDayAndLocation() throws {
        let entries = try JournalRules.entries(Self.input(
            posLines: [
                Self.line("T1", 1, "SALE", quantity: 2, price: 1000, discount: 100, tax: 152),
                Self.line("T1", 2, "COMP", quantity: 1, price: 0),
                Self.line("T2", 1, "RETURN", quantity: 1, price: 1000, discount: 50, tax: 76),
                Self.line("T3", 1, "SALE", quantity: 1, price: 300),
                Self.line("T4", 1, "SALE", quantity: 1, price: 400),
            ],
            posTenders: [
                Self.tender("T1", 1, "CARD", "PAYMENT", 1500, processor: "stripe"), Self.tender("T1", 2, "CASH", "PAYMENT", 552),
                Self.tender("T2", 1, "CASH", "REFUND", 1026), Self.tender("T3", 1, "GIFT_CARD", "PAYMENT", 295),
                Self.tender("T4", 1, "OTHER", "PAYMENT", 400),
            ]))
        #expect(entries.count == 1)
        let entry = entries[0]
        #expect(entry.id == "SALES:2026-10-15:S01")
        #expect(entry.memo == "POS sales at S01 on 2026-10-15; tickets whose tenders differ from their lines: T3")
        #expect(Self.lines(entry) == [
            "4000@S01 -2700 gross sales", "4020@S01 100 sales discounts", "2100@S01 -152 sales tax",
            "4010@S01 950 sales returns (net of discount)", "2100@S01 76 sales tax on returns",
            "1000@S01 -474 cash", "1100@S01/stripe 1500 card (stripe)", "2200@S01 295 gift cards redeemed",
            "1190@S01 400 other tenders", "6900@S01 5 POS over/short",
        ])
        #expect(entry.imbalance == 0)
    }

    // A sale costing 12.00 of which 4.00 provisional, a COMP costing 3.00 and a customer return
    // valued 5.00, all at S01 on Oct 15: one cost-of-sales entry. GR-1 receives 100.00 at WH1;
    // GR-1R returns goods costing 20.00. Transfer T-1 ships 30.00 from WH1 on the 15th and
    // receives it at S01 on the 16th. Count C-1 loses 6.00 at S01 and finds 2.00 at S02.
    @Test func stockEntries() throws {
        func posting(_ kind: StockPosting.Kind, _ location: String, _ day: Int64, _ document: String, _ value: Int64, provisional: Int64 = 0) -> StockPosting {
            StockPosting(kind: kind, sku: "A", location: location, occurredAt: Self.at(day), documentID: document, value: value, provisional: provisional)
        }
        let entries = try JournalRules.entries(Self.input(stock: [
            posting(.purchaseReceipt, "WH1", 15, "GR-1", 10_000), posting(.purchaseReturn, "WH1", 15, "GR-1R", -2_000),
            posting(.sale, "S01", 15, "O1", -1_200, provisional: 400), posting(.complimentary, "S01", 15, "O2", -300),
            posting(.customerReturn, "S01", 15, "O3", 500), posting(.transferShip, "WH1", 15, "T-1", -3_000),
            posting(.transferReceive, "S01", 16, "T-1", 3_000), posting(.count, "S01", 16, "C-1", -600),
            posting(.count, "S02", 16, "C-1", 200),
        ]))
        let byID = Dictionary(uniqueKeysWithValues: entries.map { ($0.id, $0) })
        #expect(entries.map(\.id) == [
            "COGS:2026-10-15:S01", "GOODS:2026-10-15:GR-1", "GOODS:2026-10-15:GR-1R", "TRANSFER:2026-10-15:T-1:SHIP",
            "COUNT:2026-10-16:C-1", "TRANSFER:2026-10-16:T-1:RECEIVE",
        ])
        #expect(Self.lines(byID["COGS:2026-10-15:S01"]!) == [
            "5000@S01 800 cost of sales", "5000@S01 400 cost of sales, provisional (pending units)",
            "1200@S01 -1200 inventory sold", "5020@S01 300 complimentary goods", "1200@S01 -300 inventory given away",
            "1200@S01 500 inventory returned by customers", "5000@S01 -500 cost of customer returns",
        ])
        #expect(Self.lines(byID["GOODS:2026-10-15:GR-1"]!) == ["1200@WH1 10000 goods received", "2000@WH1 -10000 goods received"])
        #expect(Self.lines(byID["GOODS:2026-10-15:GR-1R"]!) == [
            "1200@WH1 -2000 goods returned to the supplier", "2000@WH1 2000 goods returned to the supplier",
        ])
        #expect(Self.lines(byID["TRANSFER:2026-10-15:T-1:SHIP"]!) == [
            "1200@WH1 -3000 shipped from WH1", "1210@IN_TRANSIT 3000 shipped from WH1",
        ])
        #expect(Self.lines(byID["TRANSFER:2026-10-16:T-1:RECEIVE"]!) == [
            "1200@S01 3000 received at S01", "1210@IN_TRANSIT -3000 received at S01",
        ])
        #expect(Self.lines(byID["COUNT:2026-10-16:C-1"]!) == [
            "1200@S01 -600 count shrinkage", "5010@S01 600 count shrinkage", "1200@S02 200 count gains",
            "5010@S02 -200 count gains",
        ])
        #expect(entries.allSatisfy { $0.imbalance == 0 })
    }

    // Oct 16: a capture of 15.00 with a 0.74 fee (net 14.26), a refund of 5.00, a chargeback of
    // 15.00 with a 15.00 dispute fee (net −30.00) and its reversal (+15.00), a 2.00 fee record, an
    // adjustment of −1.00. Oct 18: payout po_1 of 20.00 to the bank.
    @Test func processorActivityAndPayouts() throws {
        let entries = try JournalRules.entries(Self.input(settlements: [
            Self.settlement("ch_1", "CAPTURE", day: 16, gross: 1_500, fee: 74),
            Self.settlement("re_1", "REFUND", day: 16, gross: -500, fee: 0),
            Self.settlement("dp_1", "CHARGEBACK", day: 16, gross: -1_500, fee: 1_500),
            Self.settlement("dp_2", "CHARGEBACK_REVERSAL", day: 16, gross: 1_500, fee: 0),
            Self.settlement("fee_1", "FEE", day: 16, gross: 0, fee: 200),
            Self.settlement("adj_1", "ADJUSTMENT", day: 16, gross: -100, fee: 0),
            Self.settlement("po_1", "PAYOUT", day: 18, gross: -2_000, fee: 0, payout: "po_1"),
        ]))
        #expect(entries.map(\.id) == ["PROCESSOR:2026-10-16:stripe", "PAYOUT:2026-10-18:stripe:po_1"])
        #expect(Self.lines(entries[0]) == [
            "1110/stripe 1426 capture", "6000/stripe 74 fees (capture)", "1100/stripe -1500 capture",
            "1110/stripe -500 refund", "1100/stripe 500 refund",
            "1110/stripe -3000 chargeback", "6000/stripe 1500 fees (chargeback)", "6010/stripe 1500 chargeback",
            "1110/stripe 1500 chargeback reversal", "6010/stripe -1500 chargeback reversal",
            "1110/stripe -200 fee", "6000/stripe 200 fees (fee)",
            "1110/stripe -100 adjustment", "1100/stripe 100 adjustment",
        ])
        #expect(Self.lines(entries[1]) == ["1110/stripe -2000 payout", "1010/stripe 2000 payout"])
    }

    // The books sum lines, tenders and settlement records as they stream past, whatever order the
    // ledger gives them in: tenders before the lines of their tickets, records out of time order.
    @Test func theSumsDoNotDependOnTheOrderRowsArriveIn() throws {
        let lines = [
            Self.line("T1", 1, "SALE", quantity: 2, price: 1000, discount: 100, tax: 152),
            Self.line("T2", 1, "RETURN", quantity: 1, price: 1000, discount: 50, tax: 76),
            Self.line("T3", 1, "SALE", quantity: 1, price: 300),
        ]
        let tenders = [
            Self.tender("T1", 1, "CARD", "PAYMENT", 1500, processor: "stripe"), Self.tender("T1", 2, "CASH", "PAYMENT", 552),
            Self.tender("T1", 3, "CARD", "PAYMENT", 100, processor: "adyen"),
            Self.tender("T2", 1, "CASH", "REFUND", 1026), Self.tender("T3", 1, "GIFT_CARD", "PAYMENT", 295),
        ]
        let records = [
            Self.settlement("ch_1", "CAPTURE", day: 16, gross: 1_500, fee: 74), Self.settlement("re_1", "REFUND", day: 16, gross: -500, fee: 0),
            Self.settlement("po_1", "PAYOUT", day: 18, gross: -1_000, fee: 0, payout: "po_1"),
            Self.settlement("po_2", "PAYOUT", day: 18, gross: -426, fee: 0, payout: "po_2"),
        ]
        let inOrder = try JournalRules.entries(Self.input(posLines: lines, posTenders: tenders, settlements: records))
        var tendersFirst = POSSums(offset: { _ in 0 })
        for tender in tenders.reversed() { tendersFirst.add(POSTender(tender)) }
        for line in lines.reversed() { tendersFirst.add(line) }
        var recordsReversed = SettlementSums(offset: { _ in 0 })
        for record in records.reversed() { recordsReversed.add(SettlementRecord(record)) }
        let shuffled = try JournalRules.entries(
            JournalInput(
                posSums: tendersFirst, settlementSums: recordsReversed, stockSums: StockPostingSums(offset: { _ in 0 }),
                chart: Self.chart, offset: { _ in 0 }))
        #expect(inOrder.map(\.id) == [
            "SALES:2026-10-15:S01", "PROCESSOR:2026-10-16:stripe", "PAYOUT:2026-10-18:stripe:po_1", "PAYOUT:2026-10-18:stripe:po_2",
        ])
        #expect(inOrder == shuffled)
        // Settled once every row is added (the books let the balanced tickets go): the same entries.
        tendersFirst.settleTickets()
        let settled = try JournalRules.entries(
            JournalInput(
                posSums: tendersFirst, settlementSums: recordsReversed, stockSums: StockPostingSums(offset: { _ in 0 }),
                chart: Self.chart, offset: { _ in 0 }))
        #expect(settled == inOrder)
        #expect(inOrder[0].memo == "POS sales at S01 on 2026-10-15; tickets whose tenders differ from their lines: T1, T3")
        #expect(Self.lines(inOrder[0]).contains("1100@S01/adyen 100 card (adyen)"))
    }

    /// The tickets that do not balance are named only on the days the sums list them; the entries'
    /// amounts are the same either way.
    @Test func ticketsAreListedOnlyOnTheDaysAsked() throws {
        let lines = [Self.line("T1", 1, "SALE", quantity: 2, price: 1000), Self.line("T2", 1, "SALE", quantity: 1, price: 300)]
        let tenders = [Self.tender("T1", 1, "CASH", "PAYMENT", 1900), Self.tender("T2", 1, "CASH", "PAYMENT", 300)]
        func entries(listing: @escaping @Sendable (CivilDate) -> Bool) throws -> [JournalEntry] {
            var sums = POSSums(offset: { _ in 0 }, listingTicketsOn: listing)
            for line in lines { sums.add(line) }
            for tender in tenders { sums.add(POSTender(tender)) }
            return try JournalRules.entries(
                JournalInput(
                    posSums: sums, settlementSums: SettlementSums(offset: { _ in 0 }), stockSums: StockPostingSums(offset: { _ in 0 }),
                    chart: Self.chart, offset: { _ in 0 }))
        }
        let day = CivilDate(year: 2026, month: 10, day: 15)!
        let listed = try entries { $0 == day }
        let notListed = try entries { $0 != day }
        #expect(try entries { _ in true } == listed)
        #expect(listed.map(\.memo) == ["POS sales at S01 on 2026-10-15; tickets whose tenders differ from their lines: T1"])
        #expect(notListed.map(\.memo) == ["POS sales at S01 on 2026-10-15"])
        #expect(listed.map(\.lines) == notListed.map(\.lines))
        #expect(Self.lines(listed[0]).contains("6900@S01 100 POS over/short"))
    }

    @Test func aDayOfOnlyComplimentaryItemsMakesNoSalesEntry() throws {
        #expect(try JournalRules.entries(Self.input(posLines: [Self.line("T5", 1, "COMP", quantity: 1, price: 0)])).isEmpty)
    }

    @Test func businessDatesFollowTheReportingZone() throws {
        // 2026-10-16T02:00Z is still the 15th in New York (UTC−4 in October).
        var sale = Self.line("T9", 1, "SALE", quantity: 1, price: 100)
        sale.values[2] = .integer(Self.at(16, 2).nanosecondsSinceEpoch)
        let input = JournalInput(posLines: [sale], posTenders: [], settlements: [], stock: [], chart: Self.chart, offset: { _ in -4 * 3600 })
        #expect(try JournalRules.entries(input).map(\.id) == ["SALES:2026-10-15:S01"])
    }

    @Test func theChartRenamesAccountsEverywhere() throws {
        var chart = ChartOfAccounts()
        try chart.set(.inventory, to: Account(code: "1300", name: "Stock"))
        #expect(throws: ChartError.self) { try chart.set(.bank, to: Account(code: "1300", name: "Bank")) }
        let input = JournalInput(
            posLines: [], posTenders: [], settlements: [],
            stock: [StockPosting(kind: .purchaseReceipt, sku: "A", location: "S01", occurredAt: Self.at(1), documentID: "G", value: 100, provisional: 0)],
            chart: chart, offset: { _ in 0 })
        #expect(try JournalRules.entries(input)[0].lines[0].account == Account(code: "1300", name: "Stock"))
        #expect(Account(code: "1300", name: "Stock: on hand").ledgerName == "Assets:1300 Stock- on hand")
    }

    /// A day's sums beyond 64 bits are an error that names what overflowed, never a trap.
    @Test func aSumBeyondSixtyFourBitsIsAnErrorNotATrap() {
        let huge = Int64.max / 2
        let lines = ["T1", "T2", "T3"].map { Self.line($0, 1, "SALE", quantity: 1, price: huge) }
        #expect(throws: OutOfRange.self) { try JournalRules.entries(Self.input(posLines: lines)) }
        do {
            _ = try JournalRules.entries(Self.input(posLines: lines))
        } catch {
            #expect("\(error)".hasPrefix("journal entry SALES:2026-10-15:S01, account 4000 at S01 is out of range ("))
        }
    }
}
