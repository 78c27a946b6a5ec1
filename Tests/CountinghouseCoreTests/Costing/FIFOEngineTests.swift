import Testing
@testable import CountinghouseCore

/// One test per rule of SEMANTICS §3.3–3.4, with the numbers worked by hand in the comments.
/// Money is in cents.
@Suite struct FIFOEngineTests {
    @Test func theSeedCaseShowsProvisionalThenFinalCost() {
        // Last week: 1 unit for 2.00, sold. Monday 12th: 10 units for 30.00 arrive, but the receipt
        // is entered only on Wednesday 14th. Tuesday 13th: one unit sold.
        var story = CostStory()
        story.receive("GR0", day: 5, quantity: 1, value: 200)
        story.sell("O0", day: 6, quantity: 1)
        story.receive("GR1", day: 12, quantity: 10, value: 3000, recordedDay: 14)
        story.sell("O1", day: 13, quantity: 1)
        // Tuesday's run: no stock, so the unit is pending at the fallback — the latest receipt here
        // with occurred_at ≤ the sale: GR0, 2.00 a unit.
        let tuesday = story.run(knownDay: 13).outflow("O1")!
        #expect(tuesday.costedQuantity == 0 && tuesday.cost == 0)
        #expect(tuesday.pendingQuantity == 1 && tuesday.provisionalCost == 200)
        #expect(tuesday.flags == ["FALLBACK_PURCHASE_HERE"])
        // Wednesday's run: GR1 is known and came first: 30.00 / 10 = 3.00.
        let wednesday = story.run(knownDay: 14).outflow("O1")!
        #expect(wednesday.costedQuantity == 1 && wednesday.cost == 300)
        #expect(wednesday.pendingQuantity == 0 && wednesday.provisionalCost == 0)
        #expect(wednesday.flags == [])
        #expect(wednesday.allocations.map(\.layerSource.documentID) == ["GR1"])
    }

    @Test func aSaleFromEmptyStockIsFilledByAPurchaseDaysLater() {
        // Day 1: 2 sold, nothing there: a deficit of 2. Day 3: 4 units for 10.00 arrive; the fill
        // takes round(10.00 × 2 / 4) = 5.00; the layer keeps 2 units worth 5.00.
        var story = CostStory()
        story.sell("O1", day: 1, quantity: 2)
        story.receive("GR1", day: 3, quantity: 4, value: 1000)
        let run = story.run()
        let sale = run.outflow("O1")!
        #expect(sale.costedQuantity == 2 && sale.cost == 500 && sale.pendingQuantity == 0)
        #expect(run.position("S01", day: 2) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: -2, value: -500, pendingQuantity: 2))
        #expect(run.position("S01", day: 3) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: 2, value: 500, pendingQuantity: 0))
    }

    @Test func aUsedUpLayerHandsOutExactlyItsValue() {
        // 3 units for 10.00 sold one at a time: round(1000 × 1/3) = 333, round(667 × 1/2) = 334
        // (333.5 rounds away from zero), then the last unit gets what is left, 333.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 3, value: 1000)
        story.sell("O1", day: 2, quantity: 1)
        story.sell("O2", day: 3, quantity: 1)
        story.sell("O3", day: 4, quantity: 1)
        let run = story.run()
        #expect(["O1", "O2", "O3"].map { run.outflow($0)!.cost } == [333, 334, 333])
        #expect(run.position("S01", day: 4)!.value == 0)
    }

    @Test func aReturnCancelsItsSalesPendingUnits() {
        // Standard cost 4.00. Sale of 3 from empty stock: deficit 3. The customer brings 1 back,
        // naming the sale: it cancels 1 pending unit (no layer). The sale is charged for 2 units,
        // provisionally round(2 × 4.00) = 8.00.
        var story = CostStory()
        story.standardCost = 400
        story.sell("O1", day: 1, quantity: 3)
        story.customerReturn("R1", of: "O1", day: 2, quantity: 1)
        let run = story.run()
        let sale = run.outflow("O1")!
        #expect(sale.cancelledQuantity == 1 && sale.pendingQuantity == 2 && sale.costedQuantity == 0)
        #expect(sale.provisionalCost == 800)
        #expect(sale.flags == ["CANCELLED_BY_RETURN", "FALLBACK_STANDARD_COST"])
        #expect(run.layers.isEmpty)
        #expect(run.position("S01", day: 2) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: -2, value: -800, pendingQuantity: 2))
    }

    @Test func aReturnIsValuedFromASaleSplitOverTwoLayers() {
        // Layers: 2 units for 2.00 and 2 units for 3.20. A sale of 3 takes 2 + 1: 2.00 + 1.60 = 3.60.
        // A return of 1 of them: C(1) = round(3.60 × 1 / 3) = 1.20.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 2, value: 200)
        story.receive("GR2", day: 2, quantity: 2, value: 320)
        story.sell("O1", day: 3, quantity: 3)
        story.customerReturn("R1", of: "O1", day: 4, quantity: 1)
        let run = story.run()
        #expect(run.outflow("O1")!.cost == 360)
        #expect(run.outflow("O1")!.allocations.map(\.value) == [200, 160])
        let layer = run.layer("R1")!
        #expect(layer.units == 1 && layer.value == 120 && !layer.provisional)
        // On hand: GR2's 1 unit (1.60) + the returned unit (1.20) = 2.80.
        #expect(run.position("S01", day: 4)!.value == 280)
    }

    @Test func returnsOfOneSaleUseTheCumulativeRule() {
        // A sale of 3 units costing 10.00 (one layer 3 for 10.00) comes back one unit at a time:
        // C(1) = round(1000/3) = 333, C(2) = round(2000/3) = 667 → 334, C(3) = 1000 → 333.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 3, value: 1000)
        story.sell("O1", day: 2, quantity: 3)
        story.customerReturn("R1", of: "O1", day: 3, quantity: 1)
        story.customerReturn("R2", of: "O1", day: 4, quantity: 1)
        story.customerReturn("R3", of: "O1", day: 5, quantity: 1)
        // A fourth return of the same line is more than was sold: unusable, at the fallback (GR1:
        // 10.00/3 a unit → round(1000/3) = 333), flagged on the inflow.
        story.customerReturn("R4", of: "O1", day: 6, quantity: 1)
        let run = story.run()
        #expect(["R1", "R2", "R3", "R4"].map { run.layer($0)!.value } == [333, 334, 333, 333])
        #expect(run.layer("R4")!.origin == .unusableReturn)
        #expect(run.inflowFlags[run.layer("R4")!.event] == ["UNUSABLE_RETURN_REFERENCE"])
    }

    @Test func aTransferShippedFromADeficitAndReceivedBeforeItIsFilled() {
        // WH1 ships 2 units it does not have (deficit 2, pending). S01 receives them: a layer derived
        // from the shipment, provisional while the shipment is pending. S01 sells 1 from it.
        // Known at day 3: the shipment is pending at the fallback (standard 3.00 → 6.00); the
        // receipt is worth C(2) = 6.00, provisional; the sale took 1 unit: round(600/2) = 3.00,
        // pending (FROM_PROVISIONAL_LAYER).
        // Day 4 (occurred day 1, early): WH1 receives 5 units for 10.00. They fill the deficit:
        // round(1000 × 2/5) = 4.00. The shipment is final 4.00, the receipt 4.00, the sale 2.00.
        var story = CostStory()
        story.standardCost = 300
        story.ship("T1", from: "WH1", to: "S01", day: 2, quantity: 2)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 2, hour: 16, quantity: 2)
        story.sell("O1", day: 3, quantity: 1)
        story.receive("GR1", at: "WH1", day: 2, hour: 11, quantity: 5, value: 1000, recordedDay: 4)
        let before = story.run(knownDay: 3)
        #expect(before.outflow("T1")!.pendingQuantity == 2 && before.outflow("T1")!.provisionalCost == 600)
        #expect(before.layer("T1")!.provisional && before.layer("T1")!.value == 600)
        let saleBefore = before.outflow("O1")!
        #expect(saleBefore.pendingQuantity == 1 && saleBefore.provisionalCost == 300)
        #expect(saleBefore.flags == ["FROM_PROVISIONAL_LAYER"])
        #expect(before.position("S01", day: 3)!.pendingQuantity == 1)
        let after = story.run()
        #expect(after.outflow("T1")!.cost == 400 && after.outflow("T1")!.pendingQuantity == 0)
        #expect(!after.layer("T1")!.provisional && after.layer("T1")!.value == 400)
        #expect(after.outflow("O1")!.cost == 200 && after.outflow("O1")!.flags == [])
        #expect(after.position("WH1", day: 3) == StockPosition(sku: "SKU1", location: "WH1", quantityOnHand: 3, value: 600, pendingQuantity: 0))
    }

    @Test func aPartialTransferReceiptInTwoParts() {
        // WH1 ships 3 units costing 10.00. S01 receives 1, then 2: C(1) = round(1000 × 1/3) = 333,
        // C(3) − C(1) = 1000 − 333 = 667. In transit between: 2 units worth 6.67.
        var story = CostStory()
        story.receive("GR1", at: "WH1", day: 1, quantity: 3, value: 1000)
        story.ship("T1", from: "WH1", to: "S01", day: 2, quantity: 3)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 3, quantity: 1, receipt: 1)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 5, quantity: 2, receipt: 2)
        let run = story.run()
        #expect(run.layers.filter { $0.origin == .transferReceipt(shipEvent: 1) }.map(\.value) == [333, 667])
        #expect(run.position("IN_TRANSIT", day: 4) == StockPosition(sku: "SKU1", location: "IN_TRANSIT", quantityOnHand: 2, value: 667, pendingQuantity: 0))
        #expect(run.position("IN_TRANSIT", day: 5) == StockPosition(sku: "SKU1", location: "IN_TRANSIT", quantityOnHand: 0, value: 0, pendingQuantity: 0))
    }

    @Test func aReceiptRecordedBeforeItsShipment() {
        // S01 reports the receipt on day 3; the warehouse's shipment row arrives on day 5.
        // Known at day 3: no shipment, so the receipt is at the fallback (the warehouse's receipt
        // elsewhere: 12.00 / 4 = 3.00 → 2 units 6.00), provisional, flagged; in transit −2.
        // Known at day 5: derived from the shipment (2 of GR1's units: round(1200 × 2/4) = 6.00 —
        // the same here by construction of the numbers, but now final).
        var story = CostStory()
        story.receive("GR1", at: "WH1", day: 1, quantity: 4, value: 1200)
        story.ship("T1", from: "WH1", to: "S01", day: 2, quantity: 2, recordedDay: 5)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 2, hour: 18, quantity: 2, recordedDay: 3)
        let early = story.run(knownDay: 3)
        let layer = early.layer("T1")!
        #expect(layer.origin == .unmatchedTransferReceipt(overReceipt: false) && layer.provisional && layer.value == 600)
        #expect(layer.fallback == .purchaseElsewhere)
        #expect(early.inflowFlags[layer.event] == ["RECEIPT_WITHOUT_SHIPMENT"])
        #expect(early.position("IN_TRANSIT", day: 3)!.quantityOnHand == -2)
        #expect(early.position("S01", day: 3)!.pendingQuantity == 2)
        let late = story.run(knownDay: 5)
        #expect(late.layer("T1")!.origin == .transferReceipt(shipEvent: 1) && !late.layer("T1")!.provisional)
        #expect(late.position("IN_TRANSIT", day: 5)!.quantityOnHand == 0)
        #expect(late.position("S01", day: 5)!.pendingQuantity == 0)
    }

    @Test func goodsShippedAToBToAFillTheirOwnDeficit() {
        // A (WH1) is empty and ships 2 to B (S01): a deficit at A. B receives them (a layer derived
        // from the shipment) and ships them back; A receives them (derived from B's shipment), and
        // that receipt fills A's deficit — the shipment is filled by its own goods: the fill lies on
        // a cycle, so it is cut (§3.4). Its 2 units are pending at the fallback: standard 5.00 →
        // 10.00. With the fill cut, B's take from its receipt is on no cycle: an ordinary take from
        // a provisional layer (its receipt is C(2) of 10.00 = 10.00, provisional while the first
        // shipment is pending), so B's shipment is 2 units pending at 10.00, not self-dependent.
        // A's receipt is C(2) of 10.00 = 10.00, provisional. Nothing outside flowed in, so nothing
        // is final.
        var story = CostStory()
        story.standardCost = 500
        story.ship("T1", from: "WH1", to: "S01", day: 1, quantity: 2)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 2, quantity: 2)
        story.ship("T2", from: "S01", to: "WH1", day: 3, quantity: 2)
        story.receiveTransfer("T2", from: "S01", to: "WH1", day: 4, quantity: 2)
        let run = story.run()
        let first = run.outflow("T1")!
        #expect(first.pendingQuantity == 2 && first.provisionalCost == 1000 && first.cost == 0)
        #expect(first.flags == ["FALLBACK_STANDARD_COST", "SELF_DEPENDENT"])
        #expect(first.allocations.count == 1 && first.allocations[0].selfDependent)
        let second = run.outflow("T2")!
        #expect(second.pendingQuantity == 2 && second.provisionalCost == 1000 && second.cost == 0)
        #expect(second.flags == ["FROM_PROVISIONAL_LAYER"])
        #expect(second.allocations.map(\.selfDependent) == [false])
        #expect(run.layers.allSatisfy { $0.provisional && $0.value == 1000 })
        // WH1: −2 then +2 units; value −10.00 + 10.00 = 0. In transit: 0.
        #expect(run.position("WH1", day: 4) == StockPosition(sku: "SKU1", location: "WH1", quantityOnHand: 0, value: 0, pendingQuantity: 0))
    }

    @Test func theSpecsCycleCutsTheFillAndKeepsTheTakeFromTheProvisionalLayer() {
        // SEMANTICS §3.4's example. A (WH1) bought 1 unit for 7.00 and sent it back to the supplier:
        // empty, with a fallback of its own (7.00 a unit). B (S01) bought 2 units for 9.00.
        // Day 2: A ships 3 from empty stock to B (T1: a deficit of 3). Day 3: B receives them.
        // Day 4: B ships all 5 back (T2). Day 5: A receives them, and that receipt fills T1's deficit.
        var story = CostStory()
        story.receive("GR0", at: "WH1", day: 1, quantity: 1, value: 700)
        story.returnToSupplier("RN0", original: "GR0", at: "WH1", day: 1, quantity: 1)
        story.receive("GR1", at: "S01", day: 1, quantity: 2, value: 900)
        story.ship("T1", from: "WH1", to: "S01", day: 2, quantity: 3)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 3, quantity: 3)
        story.ship("T2", from: "S01", to: "WH1", day: 4, quantity: 5)
        story.receiveTransfer("T2", from: "S01", to: "WH1", day: 5, quantity: 5)
        let run = story.run()

        // The fill of T1's deficit by T2's receipt lies on the cycle T1 → B's receipt → T2 → A's
        // receipt → T1: it is cut. T1's 3 units are pending at A's fallback: round(3 × 7.00) = 21.00.
        let first = run.outflow("T1")!
        #expect(first.costedQuantity == 0 && first.cost == 0)
        #expect(first.pendingQuantity == 3 && first.provisionalCost == 2100)
        #expect(first.flags == ["FALLBACK_PURCHASE_HERE", "SELF_DEPENDENT"])
        #expect(first.allocations.map(\.units) == [3] && first.allocations.map(\.selfDependent) == [true])
        // B's receipt: C(3) = round(21.00 × 3/3) = 21.00, provisional (T1 has pending units).
        let receiptAtB = run.layer("T1")!
        #expect(receiptAtB.value == 2100 && receiptAtB.provisional)
        // T2 takes B's own 2 units at their value (9.00, final) and 3 from B's receipt, a provisional
        // layer: round(21.00 × 3/3) = 21.00, pending — an ordinary take, not a self-dependent one.
        let second = run.outflow("T2")!
        #expect(second.costedQuantity == 2 && second.cost == 900)
        #expect(second.pendingQuantity == 3 && second.provisionalCost == 2100)
        #expect(second.flags == ["FROM_PROVISIONAL_LAYER"])
        #expect(second.allocations.map(\.layerSource.documentID) == ["GR1", "T1"])
        #expect(second.allocations.map(\.units) == [2, 3] && second.allocations.map(\.value) == [900, 2100])
        #expect(second.allocations.map(\.provisionalLayer) == [false, true])
        #expect(second.allocations.map(\.selfDependent) == [false, false])
        // A's receipt: C(5) = 9.00 + 21.00 = 30.00, provisional (T2 has pending units). Its fill of
        // T1 keeps the layer's bookkeeping: round(30.00 × 3/5) = 18.00; 2 units worth 12.00 stay.
        let receiptAtA = run.layer("T2")!
        #expect(receiptAtA.units == 5 && receiptAtA.value == 3000 && receiptAtA.provisional)
        #expect(first.allocations.map(\.value) == [1800])
        let receiptAtAIndex = run.layers.indices.first { run.layerSource($0).documentID == "T2" }!
        #expect(run.remainingValue(ofLayer: receiptAtAIndex) == 1200)

        // Value conservation (§3.5): receipts 7.00 + 9.00 + derived 21.00 + 30.00 = 67.00 = final
        // costs (RN0 7.00 + T2 9.00) + what layers hold (12.00) + the unresolved part (21.00 handed
        // out by B's provisional receipt, 18.00 taken by the self-dependent fill).
        let inflows = run.layers.reduce(Int64(0)) { $0 + $1.value }
        let finalCosts = run.outflowCosts.reduce(Int64(0)) { $0 + $1.cost }
        let remaining = run.layers.indices.reduce(Int64(0)) { $0 + run.remainingValue(ofLayer: $1) }
        let unresolved = run.outflowCosts.flatMap(\.allocations).filter { $0.provisionalLayer || $0.selfDependent }
            .reduce(Int64(0)) { $0 + $1.value }
        #expect(inflows == 6700 && finalCosts == 1600 && remaining == 1200 && unresolved == 3900)
        #expect(inflows == finalCosts + remaining + unresolved)

        // Positions (§3.5). After T2 left B: A is −3 units worth −21.00 (its pending deficit), B is
        // empty, T2's 5 units (30.00) are in transit and pending.
        #expect(run.position("WH1", day: 4) == StockPosition(sku: "SKU1", location: "WH1", quantityOnHand: -3, value: -2100, pendingQuantity: 3))
        #expect(run.position("S01", day: 4) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: 0, value: 0, pendingQuantity: 0))
        #expect(run.position("IN_TRANSIT", day: 4) == StockPosition(sku: "SKU1", location: "IN_TRANSIT", quantityOnHand: 5, value: 3000, pendingQuantity: 5))
        // At the end: A holds 2 units, value 7.00 − 7.00 − 21.00 + 30.00 = 9.00 (its layer's 12.00
        // less the 3.00 by which T1's provisional cost exceeds the fill's 18.00), both pending.
        #expect(run.position("WH1", day: 5) == StockPosition(sku: "SKU1", location: "WH1", quantityOnHand: 2, value: 900, pendingQuantity: 2))
        #expect(run.position("S01", day: 5) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: 0, value: 0, pendingQuantity: 0))
        #expect(run.position("IN_TRANSIT", day: 5) == StockPosition(sku: "SKU1", location: "IN_TRANSIT", quantityOnHand: 0, value: 0, pendingQuantity: 0))
    }

    @Test func aSaleAndItsOwnReturnAtOneInstantAreSelfDependent() {
        // At 12:00 the sale of 1 and its return (inflows first): the return comes first in the
        // sequence, becomes a layer derived from the sale, and the sale takes that very layer.
        // Self-dependent: the sale's unit is pending at the fallback (standard 2.50).
        var story = CostStory()
        story.standardCost = 250
        story.sell("O1", day: 1, hour: 12, quantity: 1)
        story.customerReturn("O0", of: "O1", day: 1, hour: 12, quantity: 1)
        let run = story.run()
        let sale = run.outflow("O1")!
        #expect(sale.pendingQuantity == 1 && sale.provisionalCost == 250)
        #expect(sale.flags == ["FALLBACK_STANDARD_COST", "SELF_DEPENDENT"])
        #expect(run.layer("O0")!.value == 250 && run.layer("O0")!.provisional)
    }

    @Test func aCountsLossTurnsIntoAGainWhenALateSaleBeforeItArrives() {
        // 10 in at 2.00 each (20.00); count 8 on day 5: shrinkage of 2 = 4.00.
        // A sale of 3 on day 4 arrives late: on hand before the count is 7, so the count is a gain
        // of 1, valued at the fallback: the latest receipt here, 2.00.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 10, value: 2000)
        story.count("C1", day: 5, counted: 8)
        story.sell("O1", day: 4, quantity: 3, recordedDay: 6)
        let before = story.run(knownDay: 5)
        let shrinkage = before.outflow("C1")!
        #expect(shrinkage.kind == .shrinkage && shrinkage.quantity == 2 && shrinkage.cost == 400)
        #expect(shrinkage.outflowID == "SHRINKAGE:C1:S01:SKU1" && shrinkage.lineNumber == nil)
        let after = story.run(knownDay: 6)
        #expect(after.outflow("C1") == nil)
        #expect(after.layer("C1")!.origin == .countGain && after.layer("C1")!.units == 1 && after.layer("C1")!.value == 200)
        #expect(after.position("S01", day: 5)!.quantityOnHand == 8)
        #expect(after.position("S01", day: 5)!.value == 2000 - 600 + 200)
    }

    @Test func aCountsGainTurnsIntoALossWhenALatePurchaseArrives() {
        // 10 in for 20.00; count 12 with unit_cost 1.50: a gain of 2 = 3.00. A late receipt of 5 for
        // 12.50 on day 3: on hand 15, so the count is a shrinkage of 3 from the oldest layer:
        // round(2000 × 3/10) = 6.00.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 10, value: 2000)
        story.count("C1", day: 5, counted: 12, unitCost: 150)
        story.receive("GR2", day: 3, quantity: 5, value: 1250, recordedDay: 6)
        let before = story.run(knownDay: 5)
        #expect(before.layer("C1")!.value == 300 && before.layer("C1")!.fallback == nil)
        let after = story.run(knownDay: 6)
        #expect(after.outflow("C1")!.quantity == 3 && after.outflow("C1")!.cost == 600)
        #expect(after.position("S01", day: 5)!.quantityOnHand == 12)
    }

    @Test func negativeStockAtPeriodEndIsValuedNegative() {
        // 1 unit for 3.00 in; 4 sold on the 31st: 1 costed 3.00, 3 pending at the fallback
        // (GR1: 3.00 a unit) = 9.00. At the end of October: −3 units worth −9.00, 3 pending.
        var story = CostStory()
        story.receive("GR1", day: 30, quantity: 1, value: 300)
        story.sell("O1", day: 31, quantity: 4)
        let run = story.run()
        let sale = run.outflow("O1")!
        #expect(sale.costedQuantity == 1 && sale.cost == 300 && sale.pendingQuantity == 3 && sale.provisionalCost == 900)
        #expect(run.position("S01", day: 31) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: -3, value: -900, pendingQuantity: 3))
    }

    @Test func fallbacksInOrderHereElsewhereStandardZero() {
        var story = CostStory()
        story.sell("O1", at: "S02", day: 1, quantity: 1)  // nothing known: zero
        story.standardCost = 700
        let zero = story.run().outflow("O1")!
        #expect(zero.flags == ["FALLBACK_STANDARD_COST"] && zero.provisionalCost == 700)
        story.standardCost = nil
        #expect(story.run().outflow("O1")!.flags == ["FALLBACK_ZERO"])
        #expect(story.run().outflow("O1")!.provisionalCost == 0)
        // A receipt at S01 before the sale: the latest receipt anywhere, 10.00 / 3 → round(333.33) = 333.
        story.receive("GR1", at: "S01", day: 1, hour: 6, quantity: 3, value: 1000)
        let elsewhere = story.run().outflow("O1")!
        #expect(elsewhere.flags == ["FALLBACK_PURCHASE_ELSEWHERE"] && elsewhere.provisionalCost == 333)
    }

    @Test func aPurchaseReturnTakesFromItsReceiptFirst() {
        // GR1: 2 units for 2.00, GR2: 2 units for 3.00. Returning 1 unit of GR2 takes GR2's layer
        // (1.50), not the older GR1. Returning 3 more of GR2: 1 from GR2 (1.50), then FIFO 2 from GR1.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 2, value: 200)
        story.receive("GR2", day: 2, quantity: 2, value: 300)
        story.returnToSupplier("RN1", original: "GR2", day: 3, quantity: 1)
        story.returnToSupplier("RN2", original: "GR2", day: 4, quantity: 3)
        let run = story.run()
        #expect(run.outflow("RN1")!.cost == 150 && run.outflow("RN1")!.kind == .purchaseReturn)
        #expect(run.outflow("RN2")!.allocations.map(\.layerSource.documentID) == ["GR2", "GR1"])
        #expect(run.outflow("RN2")!.cost == 350)
    }

    @Test func complimentaryGoodsAreOutflowsOfTheirOwnKind() {
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 4, value: 1000)
        story.giveAway("O1", day: 2, quantity: 1)
        let comp = story.run().outflow("O1")!
        #expect(comp.kind == .complimentary && comp.cost == 250 && comp.outflowID == "COMP:O1:1")
    }

    @Test func atOneInstantInflowsComeBeforeOutflowsBeforeCounts() {
        // All at 09:00, whatever order the rows arrive in: the receipt of 5 (10.00), the sale of 2
        // (4.00), then the count of 4 sees 3 on hand: a gain of 1 at the fallback, GR1's 2.00.
        var story = CostStory()
        story.count("C1", day: 1, hour: 9, counted: 4)
        story.sell("O1", day: 1, hour: 9, quantity: 2)
        story.receive("GR1", day: 1, hour: 9, quantity: 5, value: 1000)
        let run = story.run()
        #expect(run.events.map(\.source.documentID) == ["GR1", "O1", "C1"])
        #expect(run.outflow("O1")!.cost == 400)
        #expect(run.layer("C1")!.units == 1 && run.layer("C1")!.value == 200)
        #expect(run.position("S01", day: 1)!.quantityOnHand == 4)
    }
}
