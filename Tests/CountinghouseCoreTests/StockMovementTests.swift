import Testing
@testable import CountinghouseCore

@Suite struct StockMovementTests {
    static let day = CivilDate(year: 2026, month: 10, day: 5)!

    static func at(_ hour: Int64) -> FieldValue { .integer(Instant(date: day, secondOfDay: hour * 3600).nanosecondsSinceEpoch) }

    static func sourced(_ row: LedgerRow, recordedHour: Int64 = 20) -> SourcedRow {
        SourcedRow(row: row, fileName: "\(row.kind.rawValue).csv",
                   recordedAt: Instant(date: day, secondOfDay: recordedHour * 3600))
    }

    static func purchase(_ document: String, hour: Int64, quantity: Int64, type: String = "RECEIVE", row: Int = 2) -> LedgerRow {
        LedgerRow(kind: .purchases, values: [
            .text(document), .integer(1), at(hour), .text("S01"), .text("SKU1"), .text(type), .integer(quantity),
            .integer(100), .null, .text("USD"), .null, .null,
        ], sourceRow: row)
    }

    static func sale(_ order: String, hour: Int64, quantity: Int64, type: String = "SALE") -> LedgerRow {
        LedgerRow(kind: .posLines, values: [
            .text(order), .integer(1), at(hour), .text("S01"), .text("SKU1"), .text(type), .integer(quantity),
            .integer(500), .integer(0), .integer(0), .text("USD"), .null, .null, .null,
        ], sourceRow: 2)
    }

    static func count(hour: Int64, counted: Int64) -> LedgerRow {
        LedgerRow(kind: .counts, values: [.text("C1"), at(hour), .text("S01"), .text("SKU1"), .integer(counted), .null],
                  sourceRow: 2)
    }

    static func transfer(_ type: String, hour: Int64, quantity: Int64, receipt: Int64? = nil) -> LedgerRow {
        LedgerRow(kind: .transfers, values: [
            .text("T1"), .integer(1), .text(type), at(hour), .text("WH1"), .text("S01"), .text("SKU1"),
            .integer(quantity), receipt.map(FieldValue.integer) ?? .null,
        ], sourceRow: 2)
    }

    static func ledger(_ rows: [LedgerRow]) -> StockLedger {
        StockLedger(movements: rows.flatMap { StockMovements.movements(of: sourced($0)) })
    }

    @Test func signedSumsPerLocation() {
        // 10 received, 3 sold, 1 returned by a customer, 2 given away, 1 sent back: 10 − 3 + 1 − 2 − 1 = 5.
        let stock = Self.ledger([
            Self.purchase("GR1", hour: 8, quantity: 10),
            Self.sale("O1", hour: 10, quantity: 3),
            Self.sale("O2", hour: 11, quantity: 1, type: "RETURN"),
            Self.sale("O3", hour: 12, quantity: 2, type: "COMP"),
            Self.purchase("RN1", hour: 13, quantity: 1, type: "RETURN"),
        ])
        #expect(stock.onHand().map(\.quantity) == [5])
        #expect(stock.trail(sku: "SKU1", location: "S01").map(\.quantityAfter) == [10, 7, 8, 6, 5])
        #expect(stock.onHand(asOf: Instant(date: Self.day, secondOfDay: 10 * 3600)).map(\.quantity) == [7])
    }

    @Test func aCountIsAnObservationWhoseAdjustmentIsDerived() {
        // 10 in, count 8 at noon: a loss of 2. A late sale of 3 at 11:00 makes the same count a gain of 1.
        var rows = [Self.purchase("GR1", hour: 8, quantity: 10), Self.count(hour: 12, counted: 8)]
        var trail = Self.ledger(rows).trail(sku: "SKU1", location: "S01")
        #expect(trail.map(\.quantityChange) == [10, -2])
        rows.append(Self.sale("O1", hour: 11, quantity: 3))
        trail = Self.ledger(rows).trail(sku: "SKU1", location: "S01")
        #expect(trail.map(\.quantityChange) == [10, -3, 1])
        #expect(trail.last?.quantityAfter == 8)
    }

    @Test func transfersPassThroughInTransit() {
        let stock = Self.ledger([
            Self.transfer("SHIP", hour: 8, quantity: 5),
            Self.transfer("RECEIVE", hour: 12, quantity: 3, receipt: 1),
        ])
        let quantities = Dictionary(uniqueKeysWithValues: stock.onHand().map { ($0.key.location, $0.quantity) })
        #expect(quantities == ["WH1": -5, "IN_TRANSIT": 2, "S01": 3])
    }

    @Test func sameInstantOrdersInflowsBeforeOutflowsBeforeCounts() {
        // All at 09:00: the count sees the receipt and the sale whatever the file order.
        let trail = Self.ledger([
            Self.count(hour: 9, counted: 4), Self.sale("O1", hour: 9, quantity: 2),
            Self.purchase("GR1", hour: 9, quantity: 5),
        ]).trail(sku: "SKU1", location: "S01")
        #expect(trail.map(\.movement.event) == [.purchaseReceipt, .sale, .count])
        #expect(trail.map(\.quantityChange) == [5, -2, 1])
    }
}
