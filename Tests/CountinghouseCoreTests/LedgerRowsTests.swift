// Typed views over ledger rows: read by property with codes as enums; a row that lacks a value
// ingest requires is a bug the view refuses (an assertion), never a silent default.

import Testing

@testable import CountinghouseCore

@Suite struct LedgerRowsTests {
    static func row(_ kind: LedgerKind, _ values: [String: FieldValue]) -> LedgerRow {
        LedgerRow(kind: kind, values: kind.schema.columns.map { values[$0.name] ?? .null }, sourceRow: 7)
    }

    static let returnLine = row(.posLines, [
        "order_id": .text("R-1"), "line_no": .integer(2), "occurred_at": .integer(1_000), "location": .text("S01"),
        "sku": .text("A"), "type": .text("RETURN"), "quantity": .integer(3), "unit_price": .integer(1250),
        "discount": .integer(100), "tax": .integer(50), "currency": .text("USD"), "original_order_id": .text("O-1"),
    ])

    @Test func aPOSLineByProperty() {
        let line = POSLine(Self.returnLine)
        #expect(line.type == .customerReturn)
        #expect(line.orderID == "R-1" && line.lineNumber == 2 && line.sku == "A" && line.location == "S01")
        #expect(line.gross == 3750 && line.net == 3650 && line.collected == 3700)
        #expect(line.originalOrderID == "O-1" && line.originalLineNumber == nil && line.fulfilledAt == nil)
    }

    @Test func aTenderSignsItsAmountAndASettlementNamesItsPayout() {
        let tender = POSTender(Self.row(.posTenders, [
            "order_id": .text("R-1"), "tender_no": .integer(1), "occurred_at": .integer(1_000), "location": .text("S01"),
            "tender": .text("CARD"), "type": .text("REFUND"), "amount": .integer(3700), "currency": .text("USD"),
            "processor": .text("stripe"),
        ]))
        #expect(tender.tender == .card && tender.signedAmount == -3700 && tender.processor == "stripe" && tender.paymentRef == nil)
        let base: [String: FieldValue] = [
            "processor": .text("stripe"), "record_id": .text("po_1"), "occurred_at": .integer(5), "currency": .text("USD"),
            "gross": .integer(-100), "fee": .integer(0), "net": .integer(-100),
        ]
        var payout = base
        payout["type"] = .text("PAYOUT")
        #expect(SettlementRecord(Self.row(.settlements, payout)).payout == "po_1")
        var capture = base
        capture["type"] = .text("CAPTURE")
        capture["payout_id"] = .text("po_9")
        capture["available_on"] = .text("2026-11-03")
        let record = SettlementRecord(Self.row(.settlements, capture))
        #expect(record.type == .capture && record.payout == "po_9" && !record.type.isPayout)
        #expect(record.availableOn == CivilDate(year: 2026, month: 11, day: 3))
    }

    @Test func aReceiptsValueIsItsTotalOrQuantityTimesUnitCost() {
        var values: [String: FieldValue] = [
            "document_id": .text("GR"), "line_no": .integer(1), "occurred_at": .integer(0), "location": .text("S01"),
            "sku": .text("A"), "type": .text("RECEIVE"), "quantity": .integer(4), "unit_cost": .integer(250),
            "currency": .text("USD"),
        ]
        #expect(PurchaseLine(Self.row(.purchases, values)).receiptValue == 1000)
        values["total_cost"] = .integer(999)
        #expect(PurchaseLine(Self.row(.purchases, values)).receiptValue == 999)
        values["type"] = .text("RETURN")
        #expect(PurchaseLine(Self.row(.purchases, values)).receiptValue == nil)
    }

    /// An override (the reconciliation's input) reads its action as a code and its references as
    /// optional.
    @Test func anOverrideByProperty() {
        let override = Override(Self.row(.overrides, [
            "override_id": .text("OV-1"), "action": .text("WRITE_OFF"), "payment_ref": .text("ch_1"),
            "note": .text("fee dispute settled"), "author": .text("ana"),
        ]))
        #expect(override.overrideID == "OV-1" && override.action == .writeOff)
        #expect(override.paymentRef == "ch_1" && override.orderID == nil && override.recordID == nil)
        #expect(override.note == "fee dispute settled" && override.author == "ana")
    }

    @Test func everyCodeColumnOfTheSchemaNamesItsCodes() {
        #expect(LedgerKind.posLines.schema.columns.first { $0.name == "type" }?.codes == ["SALE", "RETURN", "COMP"])
        #expect(LedgerKind.settlements.schema.columns.first { $0.name == "type" }?.codes == SettlementType.codes)
        #expect(SettlementType.codes == [
            "CAPTURE", "REFUND", "REFUND_FAILURE", "CHARGEBACK", "CHARGEBACK_REVERSAL", "FEE", "PAYOUT", "PAYOUT_FAILURE", "ADJUSTMENT",
        ])
        #expect(LedgerKind.overrides.schema.columns.first { $0.name == "action" }?.codes == ["MATCH", "WRITE_OFF", "IGNORE"])
    }

    @Test func aRowLackingARequiredValueIsABugNotADefault() async {
        await #expect(processExitsWith: .failure) {
            var values = LedgerRowsTests.returnLine.values
            values[LedgerKind.posLines.schema.index(of: "quantity")!] = .null
            _ = POSLine(LedgerRow(kind: .posLines, values: values, sourceRow: 7))
        }
        await #expect(processExitsWith: .failure) {
            _ = POSTender(LedgerRowsTests.returnLine)
        }
    }
}
