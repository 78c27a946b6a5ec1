// Customer returns that name only `original_order_id` (FORMATS §2, as Square refunds give it):
// at its place in the sequence such a return names the lowest-numbered SALE line of that order
// (of its SKU) with units not yet returned by the usable returns before it, and from then on it is
// a return naming that line (SEMANTICS §3.3, §3.4). Hand-worked stories with the numbers in the
// comments (money in cents); then checkpoints, whose replays must equal a full run.
@testable import CountinghouseCore
import Testing

@Suite struct OrderOnlyReturnTests {
    /// The links of a run's customer returns: kind, order, line, counted units, layer units.
    static func links(_ run: SKUCostRun) -> [[String]] {
        run.links.filter { $0.kind != .shipment }.map {
            [$0.kind.rawValue, $0.documentID, String($0.lineNumber), String($0.countedUnits), String($0.layerUnits)]
        }
    }

    @Test func twoReturnsNamingOnlyTheOrderTakeLineOneThenLineTwo() {
        // GR1: 1 unit for 3.00; GR2: 2 units for 5.01 (Oct 1). Order O1 (Oct 2) sells 1 on line 1
        // (GR1: 3.00) and 2 on line 2 (GR2: 5.01). Returns naming only O1:
        //  R1 (Oct 3, 1 unit): line 1 has 1 left → a return of O1:1, C(1) = round(3.00 × 1 / 1) = 3.00;
        //  R2 (Oct 4, 1 unit): line 1 has none left → line 2, C(1) = round(5.01 × 1 / 2) = 2.51
        //      (2.505, half away from zero);
        //  R3 (Oct 5, 1 unit): line 2 has 1 left → C(2) − C(1) = 5.01 − 2.51 = 2.50;
        //  R4 (Oct 6, 1 unit): no line has units left → unusable, at the fallback: the latest
        //      purchase here, GR2, 5.01 / 2 a unit → round(2.505) = 2.51, flagged.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 1, value: 300)
        story.receive("GR2", day: 1, quantity: 2, value: 501)
        story.sell("O1", day: 2, quantity: 1, line: 1)
        story.sell("O1", day: 2, quantity: 2, line: 2)
        story.customerReturn("R1", of: "O1", line: nil, day: 3, quantity: 1)
        story.customerReturn("R2", of: "O1", line: nil, day: 4, quantity: 1)
        story.customerReturn("R3", of: "O1", line: nil, day: 5, quantity: 1)
        story.customerReturn("R4", of: "O1", line: nil, day: 6, quantity: 1)
        let run = story.run()
        #expect(run.outflowCosts.map(\.cost) == [300, 501])
        #expect(["R1", "R2", "R3", "R4"].map { run.layer($0)!.value } == [300, 251, 250, 251])
        let lineOne = run.events.firstIndex { $0.source.documentID == "O1" && $0.source.lineNumber == 1 }!
        let lineTwo = run.events.firstIndex { $0.source.documentID == "O1" && $0.source.lineNumber == 2 }!
        #expect(["R1", "R2", "R3", "R4"].map { run.layer($0)!.origin } == [
            .customerReturn(saleEvent: lineOne), .customerReturn(saleEvent: lineTwo), .customerReturn(saleEvent: lineTwo),
            .unusableReturn,
        ])
        #expect(["R1", "R2", "R3"].allSatisfy { run.inflowFlags[run.layer($0)!.event] == nil })
        #expect(run.inflowFlags[run.layer("R4")!.event] == ["UNUSABLE_RETURN_REFERENCE"])
        #expect(run.layer("R4")!.fallback == .purchaseHere)
        // Each link names the line the order resolved to (0: none), as a `SALE_OF_ORDER` link.
        #expect(Self.links(run) == [
            ["SALE_OF_ORDER", "O1", "1", "1", "1"], ["SALE_OF_ORDER", "O1", "2", "1", "1"],
            ["SALE_OF_ORDER", "O1", "2", "1", "1"], ["SALE_OF_ORDER", "O1", "0", "0", "0"],
        ])
        // All four units are back on the shelf: 3.00 + 2.51 + 2.50 + 2.51 = 10.52.
        #expect(run.position("S01", day: 6) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: 4, value: 1052, pendingQuantity: 0))
    }

    @Test func aReturnOfMoreUnitsThanItsLineHasLeftIsUnusableNotSplit() {
        // GR1: 10 units for 10.00. O1 (Oct 2) sells 1 on line 1 (1.00) and 3 on line 2 (3.00).
        // R1 (Oct 3) brings 2 back naming only O1: the first SALE line with units left is line 1,
        // with 1. The reference names that one line, and 2 > 1, so it is unusable (too many
        // units), at the fallback (GR1, 1.00 a unit: 2.00), flagged — though line 2 has 3 units
        // left, the return is neither split over lines 1 and 2 nor moved to line 2. It counts
        // nothing against line 1, so R2 (Oct 4, 1 unit) is still a return of line 1 (1.00), and
        // R3 (Oct 5, 3 units) one of line 2: C(3) = round(3.00 × 3 / 3) = 3.00.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 10, value: 1000)
        story.sell("O1", day: 2, quantity: 1, line: 1)
        story.sell("O1", day: 2, quantity: 3, line: 2)
        story.customerReturn("R1", of: "O1", line: nil, day: 3, quantity: 2)
        story.customerReturn("R2", of: "O1", line: nil, day: 4, quantity: 1)
        story.customerReturn("R3", of: "O1", line: nil, day: 5, quantity: 3)
        let run = story.run()
        #expect(["R1", "R2", "R3"].map { run.layer($0)!.value } == [200, 100, 300])
        #expect(run.layer("R1")!.origin == .unusableReturn)
        #expect(run.inflowFlags[run.layer("R1")!.event] == ["UNUSABLE_RETURN_REFERENCE"])
        #expect(Self.links(run) == [
            ["SALE_OF_ORDER", "O1", "1", "0", "0"], ["SALE_OF_ORDER", "O1", "1", "1", "1"],
            ["SALE_OF_ORDER", "O1", "2", "3", "3"],
        ])
        // explain says which line the order resolved to, and why R1 was not usable.
        let utc: OffsetAtInstant = { _ in 0 }
        var after = story
        after.sell("O7", day: 6, quantity: 12)
        let later = after.run()
        let parts = CostExplanation.explain(later, outflowID: "SALE:O7:1", exponent: 2, offset: utc)?.parts ?? []
        #expect(parts.map(\.layer) == ["GR1:1", "R1:1", "R2:1", "R3:1"])
        #expect(parts[1].how.hasPrefix(
            "customer return without a usable sale reference (it named only order O1; its first SALE line of SKU1 with units "
                + "not yet returned, line 1, had fewer units left than it brought back): 2 units valued 2.00 at the latest purchase here"))
        #expect(parts[2].how.hasPrefix(
            "customer return of SALE:O1:1 (it named only order O1: line 1 is its first SALE line of SKU1 with units not yet "
                + "returned): its cost 1.00 shared over 1 unit, units 1–1 of them = 1.00"))
        #expect(parts[3].how.hasPrefix("customer return of SALE:O1:2 (it named only order O1: line 2 is its first SALE line"))
    }

    @Test func aReturnNamingOnlyTheOrderCancelsItsLinesPendingUnitsFirst() {
        // Standard cost 4.00. O1 (Oct 1) sells 2 on line 1 and 1 on line 2, from empty stock: 3
        // units pending. R1 (Oct 2) brings 2 back naming only O1: line 1 (2 left), whose 2 pending
        // units it cancels (no layer). GR1 (Oct 3): 5 units for 10.00 fills line 2's deficit: 2.00.
        // R2 (Oct 4, 1 unit, only O1): line 1 is all returned → line 2, C(1) = round(2.00 × 1 / 1).
        var story = CostStory()
        story.standardCost = 400
        story.sell("O1", day: 1, quantity: 2, line: 1)
        story.sell("O1", day: 1, quantity: 1, line: 2)
        story.customerReturn("R1", of: "O1", line: nil, day: 2, quantity: 2)
        story.receive("GR1", day: 3, quantity: 5, value: 1000)
        story.customerReturn("R2", of: "O1", line: nil, day: 4, quantity: 1)
        let run = story.run()
        let lines = run.outflowCosts
        #expect(lines.map { [$0.quantity, $0.cancelledQuantity, $0.costedQuantity, $0.pendingQuantity, $0.cost] } == [
            [2, 2, 0, 0, 0], [1, 0, 1, 0, 200],
        ])
        #expect(lines[0].flags == ["CANCELLED_BY_RETURN"])
        #expect(run.layer("R1") == nil)
        #expect(run.layer("R2")!.value == 200)
        #expect(Self.links(run) == [["SALE_OF_ORDER", "O1", "1", "2", "0"], ["SALE_OF_ORDER", "O1", "2", "1", "1"]])
        // On hand at Oct 4: GR1's 4 units left (8.00) and R2's unit (2.00).
        #expect(run.position("S01", day: 4) == StockPosition(sku: "SKU1", location: "S01", quantityOnHand: 5, value: 1000, pendingQuantity: 0))
    }

    @Test func anOrderWithoutASaleLineOfTheSKUIsUnusableFallbackAndFlagged() throws {
        // GR1: 2 units of SKU1 for 6.00 (Oct 1), 3.00 a unit. O1 (Oct 2) gives one away (a COMP line,
        // not a SALE); O2 (Oct 2) sells SKU2, not SKU1; O9 is not known at all. Returns of SKU1 on
        // Oct 3 naming only O1, O2 or O9 find no SALE line of SKU1: each is unusable, at the latest
        // purchase here, 3.00, flagged, and links no line (0).
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 2, value: 600)
        story.giveAway("O1", day: 2, quantity: 1)
        story.customerReturn("R1", of: "O1", line: nil, day: 3, quantity: 1)
        story.customerReturn("R2", of: "O2", line: nil, day: 3, quantity: 1)
        story.customerReturn("R3", of: "O9", line: nil, day: 3, quantity: 1)
        var other = CostStory()
        other.sku = "SKU2"
        other.receive("GR2", day: 1, quantity: 1, value: 999)
        other.sell("O2", day: 2, quantity: 1)
        let runs = try CostRuns.run(events: story.events + other.events, standardCosts: [:])
        #expect(runs.map(\.sku) == ["SKU1", "SKU2"])
        let run = runs[0]
        #expect(["R1", "R2", "R3"].map { run.layer($0)!.value } == [300, 300, 300])
        #expect(["R1", "R2", "R3"].allSatisfy {
            run.layer($0)!.origin == .unusableReturn && run.inflowFlags[run.layer($0)!.event] == ["UNUSABLE_RETURN_REFERENCE"]
        })
        #expect(Self.links(run) == [
            ["SALE_OF_ORDER", "O1", "0", "0", "0"], ["SALE_OF_ORDER", "O2", "0", "0", "0"],
            ["SALE_OF_ORDER", "O9", "0", "0", "0"],
        ])
        // The trail flags them and shows no sale line under them (they resolved to none).
        let trail = try CostTrail.lines(run, location: "S01", through: nil)
        #expect(trail.filter { $0.kind == .movement("CUSTOMER_RETURN") }.map(\.flags) == Array(
            repeating: ["UNUSABLE_RETURN_REFERENCE", "FALLBACK_PURCHASE_HERE"], count: 3))
        #expect(!trail.contains { $0.kind == .returnOfSaleLine })
    }

    @Test func theTrailShowsTheLineAnOrderOnlyReturnResolvedTo() throws {
        // GR1: 3 units for 6.00. O1 sells 1 on line 1 and 1 on line 2 (2.00 each, Oct 2). R1 and R2
        // (Oct 3) each bring 1 back naming only O1: line 1, then line 2. R3 names O1:2 itself: it is
        // more than line 2 has left, unusable, and (naming its line) shows no resolved line.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 3, value: 600)
        story.sell("O1", day: 2, quantity: 1, line: 1)
        story.sell("O1", day: 2, quantity: 1, line: 2)
        story.customerReturn("R1", of: "O1", line: nil, day: 3, quantity: 1)
        story.customerReturn("R2", of: "O1", line: nil, day: 3, hour: 16, quantity: 1)
        story.customerReturn("R3", of: "O1", line: 2, day: 3, hour: 17, quantity: 1)
        let trail = try CostTrail.lines(story.run(), location: "S01", through: nil)
        let returns = trail.filter {
            $0.kind == .movement("CUSTOMER_RETURN") || $0.kind == .returnOfSaleLine
        }.map { [$0.documentID ?? "", $0.lineNumber.map(String.init) ?? "", String($0.quantity), $0.value.map(String.init) ?? ""] }
        #expect(returns == [
            ["R1", "1", "1", "200"], ["O1", "1", "1", ""],
            ["R2", "1", "1", "200"], ["O1", "2", "1", ""],
            ["R3", "1", "1", "200"],
        ])
    }

    // MARK: - Checkpoints and late rows

    @Test func aReturnBeforeItsSaleKnownLaterResolvesOnceTheSaleIsKnown() {
        // GR1: 2 units for 2.00 (Oct 1); GR2: 1 unit for 3.00 (Oct 2, 08:00). R1 (Oct 2, 15:00)
        // brings 1 back naming only O1; O2 sells 1 on Oct 3; O1 line 1 sold 2 on Oct 4, 10:00 but
        // is recorded only on Oct 5.
        // Known on Oct 4: O1 is unknown, so R1 is unusable, at the latest purchase here (GR2):
        // 3.00, flagged; O2 takes GR1's first unit, 1.00.
        // Known on Oct 5: R1 comes before its sale in the sequence and is derived from it (it
        // cancels nothing): O2 still takes 1.00; O1 takes GR1's last unit and GR2, 1.00 + 3.00 =
        // 4.00; R1 = round(4.00 × 1 / 2) = 2.00.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 2, value: 200)
        story.receive("GR2", day: 2, quantity: 1, value: 300)
        story.customerReturn("R1", of: "O1", line: nil, day: 2, quantity: 1)
        story.sell("O2", day: 3, quantity: 1)
        story.sell("O1", day: 4, hour: 10, quantity: 2, recordedDay: 5)
        let early = story.run(knownDay: 4)
        #expect(early.layer("R1").map { [$0.value, $0.units] } == [300, 1])
        #expect(early.inflowFlags[early.layer("R1")!.event] == ["UNUSABLE_RETURN_REFERENCE"])
        #expect(early.outflow("O2")?.cost == 100)
        let late = story.run()
        #expect(late.layer("R1").map { [$0.value, $0.units] } == [200, 1])
        #expect(late.inflowFlags.isEmpty)
        #expect(late.outflow("O1")?.cost == 400 && late.outflow("O2")?.cost == 100)
        #expect(Self.links(late) == [["SALE_OF_ORDER", "O1", "1", "1", "1"]])

        // The cache's way: the first run's checkpoints (Oct 2 and Oct 3), then the late sale. The
        // last checkpoint before it, Oct 3, has R1 before it, linked to no line: O1's line after
        // it is one R1 could name, so the replay from Oct 3 would differ from a full run and is
        // refused (the SKU is replayed whole).
        let first = FIFOEngine.run(
            sku: story.sku, events: story.events.filter { $0.source.recordedAt <= CostStory.at(4, 23) }, standardCost: nil,
            checkpointSpacing: 1)
        #expect(first.checkpoints.map(\.boundary) == [CostStory.at(2, 0), CostStory.at(3, 0)])
        let fromOctober3 = story.events.filter { $0.occurredAt >= CostStory.at(3, 0) }
        #expect(FIFOCheckpointTests.replay(fromOctober3, from: first.checkpoints[1], earlier: first) == nil)
        // From Oct 2 (before R1), a replay sees R1 and its sale both and equals a full run.
        let full = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: nil, checkpointSpacing: 1)
        let fromOctober2 = story.events.filter { $0.occurredAt >= CostStory.at(2, 0) }
        let replay = FIFOCheckpointTests.replay(fromOctober2, from: first.checkpoints[0], earlier: first)
        #expect(replay.map { FIFOCheckpointTests.After($0, from: 1) } == FIFOCheckpointTests.After(full, from: 1))
        // The full run holds no checkpoint between R1 and its sale (R1's value waits for O1).
        #expect(full.checkpoints.map(\.boundary) == [CostStory.at(2, 0)])
    }

    @Test func aReplayCountsEarlierOrderOnlyReturnsAgainstTheLinesTheyResolvedTo() {
        // GR1: 4 units for 4.00 (Oct 1). O1 sells 1 on line 1 (1.00, Oct 1). R1 (Oct 2) brings 1
        // back naming only O1: line 1 (1.00). O1 line 2 sells 1 on Oct 3 (a line after the
        // checkpoint, numbered above the one R1 resolved to: R1 cannot change). R2 (Oct 3, 16:00,
        // only O1): line 1 is all returned (R1, before the checkpoint, counted against it) → line
        // 2, round(1.00 × 1 / 1) = 1.00. A replay from the Oct 3 checkpoint equals the full run.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 4, value: 400)
        story.sell("O1", day: 1, quantity: 1, line: 1)
        story.customerReturn("R1", of: "O1", line: nil, day: 2, quantity: 1)
        story.sell("O1", day: 3, quantity: 1, line: 2)
        story.customerReturn("R2", of: "O1", line: nil, day: 3, hour: 16, quantity: 1)
        let full = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: nil, checkpointSpacing: 1)
        let checkpoint = full.checkpoints.first { $0.boundary == CostStory.at(3, 0) }!
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        let sources = CostReplay.priorSources(
            named: CostReplay.namedLines(after), priorLines: full.cogsLines.filter { $0.sequence < checkpoint.sequenceOffset },
            priorLinks: full.links.filter { $0.sequence < checkpoint.sequenceOffset })
        // O1's line before the checkpoint, with R1's unit counted against it.
        #expect(sources.map { [$0.documentID, String($0.lineNumber), String($0.quantity), String($0.countedUnits)] } == [
            ["O1", "1", "1", "1"]
        ])
        let replay = FIFOCheckpointTests.replay(after, from: checkpoint, earlier: full)
        #expect(replay?.layer("R2")?.value == 100)
        #expect(Self.links(full).last == ["SALE_OF_ORDER", "O1", "2", "1", "1"])
        #expect(replay.map { FIFOCheckpointTests.After($0, from: checkpoint.sequenceOffset) }
            == FIFOCheckpointTests.After(full, from: checkpoint.sequenceOffset))
    }

    @Test func aLateReturnOfTheOrderMovesALaterOneToTheNextLine() {
        // GR1: 1 unit for 1.00 and GR2: 1 unit for 2.00 (Oct 1); O1 sells 1 on line 1 (GR1: 1.00)
        // and 1 on line 2 (GR2: 2.00), Oct 1. GR3 (Oct 2, 08:00): 1 unit for 5.00. R2 (Oct 3, only
        // O1, 1 unit): known on Oct 3, line 1 → 1.00. R1 (Oct 2, 15:00, only O1, 1 unit) is learnt
        // on Oct 4: it comes first and takes line 1 (1.00), so R2 now takes line 2 → 2.00. The
        // cache replays from the Oct 2 checkpoint, with both lines of O1 before it, and gets the
        // full run's results.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 1, value: 100)
        story.receive("GR2", day: 1, quantity: 1, value: 200)
        story.sell("O1", day: 1, quantity: 1, line: 1)
        story.sell("O1", day: 1, quantity: 1, line: 2)
        story.receive("GR3", day: 2, quantity: 1, value: 500)
        story.customerReturn("R2", of: "O1", line: nil, day: 3, quantity: 1)
        story.customerReturn("R1", of: "O1", line: nil, day: 2, quantity: 1, recordedDay: 4)
        let first = FIFOEngine.run(
            sku: story.sku, events: story.events.filter { $0.source.recordedAt <= CostStory.at(3, 23) }, standardCost: nil,
            checkpointSpacing: 1)
        #expect(first.layer("R2")?.value == 100)
        let full = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: nil, checkpointSpacing: 1)
        #expect(["R1", "R2"].map { full.layer($0)?.value } == [100, 200])
        #expect(Self.links(full) == [["SALE_OF_ORDER", "O1", "1", "1", "1"], ["SALE_OF_ORDER", "O1", "2", "1", "1"]])
        let checkpoint = first.checkpoints.last { $0.boundary <= CostStory.at(2, 15) }!
        #expect(checkpoint.boundary == CostStory.at(2, 0))
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        let replay = FIFOCheckpointTests.replay(after, from: checkpoint, earlier: first)
        #expect(replay?.priorSources.map(\.lineNumber) == [1, 2])
        #expect(replay.map { FIFOCheckpointTests.After($0, from: checkpoint.sequenceOffset) }
            == FIFOCheckpointTests.After(full, from: checkpoint.sequenceOffset))
    }

    @Test func aLateLowerNumberedLineOfTheOrderSendsTheSKUBackToAWholeReplay() {
        // O1 line 2 sells 1 on Oct 1 (GR1: 1.00 a unit); R1 (Oct 2, only O1) resolves to line 2.
        // O1 line 1, sold on Oct 3 and learnt late, is a line R1 names in a full run (the lowest
        // number with units left, even after it in the sequence), so no replay from Oct 3.
        var story = CostStory()
        story.receive("GR1", day: 1, quantity: 4, value: 400)
        story.sell("O1", day: 1, quantity: 1, line: 2)
        story.customerReturn("R1", of: "O1", line: nil, day: 2, quantity: 1)
        story.receive("GR2", day: 3, hour: 8, quantity: 1, value: 700)
        let first = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: nil, checkpointSpacing: 1)
        #expect(Self.links(first) == [["SALE_OF_ORDER", "O1", "2", "1", "1"]])
        story.sell("O1", day: 3, quantity: 1, recordedDay: 4, line: 1)
        let checkpoint = first.checkpoints.first { $0.boundary == CostStory.at(3, 0) }!
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        #expect(FIFOCheckpointTests.replay(after, from: checkpoint, earlier: first) == nil)
        let full = story.run()
        #expect(Self.links(full) == [["SALE_OF_ORDER", "O1", "1", "1", "1"]])
    }
}
