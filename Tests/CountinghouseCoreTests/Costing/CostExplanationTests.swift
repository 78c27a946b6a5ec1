// `explain`'s core: one outflow taken apart, each part with the rule that priced it.
@testable import CountinghouseCore
import Testing

@Suite struct CostExplanationTests {
    /// part, units, value (minor units), layer, how.
    static func rows(_ explanation: CostExplanation?) -> [[String]] {
        explanation?.parts.map { part in
            [part.part, String(part.units), part.value.map(String.init) ?? "", part.layer ?? "", part.how]
        } ?? []
    }

    @Test func sharesOfAPurchaseAndOfAReturnPendingAndCancelledUnits() throws {
        // R1: 4 units for 10.00 (Oct 1). O1 sells 3 (Oct 1): 7.50. O9 returns 2 of them (Oct 2): a
        // layer of round(7.50 × 2 / 3) = 5.00. O2 sells 3 (Oct 3): R1's last unit, round(2.50 × 1 / 1)
        // = 2.50, and the return's two, 5.00. O5 sells 2 (Oct 4) from empty stock; O6 returns 1 of
        // O5 (Oct 4, 15:00), cancelling one pending unit; the other stays pending at R1's unit
        // cost, 10.00 / 4 = 2.50.
        var story = CostStory()
        story.receive("R1", day: 1, quantity: 4, value: 1000)
        story.sell("O1", day: 1, quantity: 3)
        story.customerReturn("O9", of: "O1", day: 2, quantity: 2)
        story.sell("O2", day: 3, quantity: 3)
        story.sell("O5", day: 4, quantity: 2)
        story.customerReturn("O6", of: "O5", day: 4, quantity: 1)
        let run = story.run()
        let utc: OffsetAtInstant = { _ in 0 }
        let sale = CostExplanation.explain(run, outflowID: "SALE:O2:1", exponent: 2, offset: utc)
        #expect(sale?.heading.last == "cost 7.50 for 3 units")
        #expect(Self.rows(sale).map { Array($0.prefix(4)) } == [
            ["taken", "1", "250", "R1:1"],
            ["taken", "2", "500", "O9:1"],
        ])
        #expect(Self.rows(sale)[0][4] == "purchase: 4 units for 10.00; remainder rule: round(2.50 × 1 / 1) = 2.50")
        #expect(Self.rows(sale)[1][4] == "customer return of SALE:O1:1: its cost 7.50 shared over 3 units, units 1–2 of them = 5.00; "
            + "remainder rule: round(5.00 × 2 / 2) = 5.00")

        let pending = CostExplanation.explain(run, outflowID: "SALE:O5:1", exponent: 2, offset: utc)
        #expect(pending?.heading.last == "cost 0.00 for 0 units, provisional 2.50 for 1 pending, 1 cancelled by a return "
            + "[CANCELLED_BY_RETURN;FALLBACK_PURCHASE_HERE]")
        #expect(Self.rows(pending).map { Array($0.prefix(3)) } == [["pending", "1", "250"], ["cancelled", "1", "0"]])
        #expect(pending?.parts.map(\.showsUnitCost) == [true, false])
        #expect(CostExplanation.explain(run, outflowID: "SALE:O404:1", exponent: 2, offset: utc) == nil)
    }
}
