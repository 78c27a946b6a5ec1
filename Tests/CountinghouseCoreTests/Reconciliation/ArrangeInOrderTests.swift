import Testing

@testable import CountinghouseCore

/// `Array.arrange(inOrder:)` (the reconciliation puts a year of tenders in order where they lie)
/// against the obvious version, `order.map { self[$0] }`, on generated permutations (fixed seed):
/// the identity, one long cycle, many short ones, and random ones, of strings (so that a lost or
/// doubled reference would show).
@Suite struct ArrangeInOrderTests {
    @Test func equalsTheObviousVersion() {
        var random = HistoryRandomness(seed: 91)
        for count in [0, 1, 2, 3, 10, 257, 5_000] {
            let elements = (0..<count).map { "element \($0) " + String(repeating: "x", count: $0 % 40) }
            var orders: [[Int]] = [Array(0..<count), Array(0..<count).reversed()]
            if count > 1 { orders.append(Array(1..<count) + [0]) }
            for _ in 0..<5 { orders.append(random.shuffled(Array(0..<count))) }
            for order in orders {
                var arranged = elements
                arranged.arrange(inOrder: order)
                #expect(arranged == order.map { elements[$0] }, "\(count) elements")
            }
        }
    }

    @Test func theReconciliationKeepsTheBooksTendersInTenderOrder() {
        // Card tenders out of tender order (as a day's file lists one store after another): the
        // reconciliation's items are in (occurred_at, order id, tender number) order, and each
        // names its place in the input.
        func tender(_ order: String, _ number: Int64, _ minute: Int64) -> POSTender { Rec.card(order, number, at: Rec.at(5, 12, minute), 100) }
        let input = [tender("S02-1", 1, 5), tender("S01-1", 1, 9), tender("S01-2", 2, 5), tender("S01-2", 1, 5), tender("S02-2", 1, 1)]
        let reconciliation = Reconciliation(
            ReconciliationInput(tenders: input, records: [], overrides: [], settings: ReconciliationSettings(), offset: { _ in 0 }))
        #expect(reconciliation.tenders.map { "\($0.orderID)#\($0.tenderNumber)" } == ["S02-2#1", "S01-2#1", "S01-2#2", "S02-1#1", "S01-1#1"])
        #expect(reconciliation.tenders.indices.map(reconciliation.inputIndex(ofTender:)) == [4, 3, 2, 0, 1])
    }
}
