import Testing

@testable import CountinghouseCore

/// The reconciliation's items: the books' tenders and records, packed in the books' order, seen in
/// item order without moving them.
@Suite struct ReconciliationItemOrderTests {
    @Test func theBooksTendersAreSeenInTenderOrder() {
        // Card tenders out of tender order (as a day's file lists one store after another), and a
        // cash tender among them: the items are the card tenders in (occurred_at, order id, tender
        // number) order, each naming its place in the input.
        func tender(_ order: String, _ number: Int64, _ minute: Int64, _ kind: String = "CARD") -> POSTender {
            Rec.card(order, number, at: Rec.at(5, 12, minute), 100, tender: kind)
        }
        let input = [
            tender("S02-1", 1, 5), tender("S01-1", 1, 9), tender("S01-3", 1, 2, "CASH"), tender("S01-2", 2, 5), tender("S01-2", 1, 5),
            tender("S02-2", 1, 1),
        ]
        let reconciliation = Reconciliation(
            ReconciliationInput(tenders: input, records: [], overrides: [], settings: ReconciliationSettings(), offset: { _ in 0 }))
        #expect(reconciliation.tenders.map { "\($0.orderID)#\($0.tenderNumber)" } == ["S02-2#1", "S01-2#1", "S01-2#2", "S02-1#1", "S01-1#1"])
        #expect(reconciliation.tenders.indices.map(reconciliation.inputIndex(ofTender:)) == [5, 4, 3, 0, 1])
        #expect(Array(reconciliation.tenders) == [input[5], input[4], input[3], input[0], input[1]])
    }
}
