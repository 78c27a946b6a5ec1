// Checkpoints (SEMANTICS §3.6): a replay from a checkpoint gives the full run's results after it.
// Hand-worked stories for the rules a checkpoint must carry (the remainder rule going on across
// the boundary, a return of a sale before it, a partial transfer receipt across it, the fallback
// looking back past it), then the property over the generated histories of FIFOPropertyTests:
// (1) from every checkpoint of the full run, and (2) as the cache uses it, with the rows recorded
// after a knowledge time as late rows replayed from the first run's last checkpoint before them.
@testable import CountinghouseCore
import Testing

@Suite struct FIFOCheckpointTests {
    /// What a run says about the events from sequence `offset` on (the cache's rows for them).
    struct After: Equatable {
        var lines: [CogsLine]
        var deltas: [CostDelta]
        var postings: [StockPosting]
        var links: [ReferenceLink]
        var checkpoints: [CostCheckpoint]

        init(_ run: SKUCostRun, from offset: Int64) {
            lines = run.cogsLines.filter { $0.sequence >= offset }
            deltas = run.deltas.filter { $0.sequence >= offset }
            postings = run.stockPostings.filter { $0.sequence >= offset }
            links = run.links.filter { $0.sequence >= offset }
            checkpoints = run.checkpoints.filter { $0.sequenceOffset > offset }
        }
    }

    /// Replays `events` (those at or after the checkpoint's boundary) from `checkpoint`, with what
    /// `earlier` (the run that made the checkpoint) says about the lines they name; nil when a
    /// replay cannot stand in for a full run.
    static func replay(
        _ events: [CostEvent], from checkpoint: CostCheckpoint, earlier: SKUCostRun, spacing: Int = 1
    ) -> SKUCostRun? {
        let offset = checkpoint.sequenceOffset
        let priorLinks = earlier.links.filter { $0.sequence < offset }
        guard !CostReplay.conflicts(events: events, priorLinks: priorLinks) else { return nil }
        let sources = CostReplay.priorSources(
            named: CostReplay.namedLines(events), priorLines: earlier.cogsLines.filter { $0.sequence < offset },
            priorLinks: priorLinks)
        return FIFOEngine.run(
            sku: earlier.sku, events: events, standardCost: earlier.standardCost,
            opening: CostOpening(checkpoint: checkpoint, priorSources: sources), checkpointSpacing: spacing)
    }

    @Test func theRemainderRuleGoesOnAcrossTheBoundary() {
        // A layer of 3 units worth 10.00 sold one a day: 3.33 (Oct 2), then the checkpoint at
        // Oct 3 00:00 holds 2 units worth 6.67; 3.34 = round(6.67 × 1 / 2) (Oct 3), 3.33 (Oct 4).
        var story = CostStory()
        story.receive("R1", day: 1, quantity: 3, value: 1000)
        story.sell("O1", day: 2, quantity: 1)
        story.sell("O2", day: 3, quantity: 1)
        story.sell("O3", day: 4, quantity: 1)
        let full = FIFOEngine.run(sku: "SKU1", events: story.events, standardCost: nil, checkpointSpacing: 1)
        let checkpoint = full.checkpoints.first { $0.boundary == CostStory.at(3, 0) }!
        #expect(checkpoint.sequenceOffset == 2)
        #expect(checkpoint.layers.map { [$0.units, $0.value] } == [[2, 667]])
        #expect(checkpoint.layers.first?.isPurchase == true && checkpoint.layers.first?.source.documentID == "R1")
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        let replay = Self.replay(after, from: checkpoint, earlier: full)!
        #expect(replay.cogsLines.map(\.cost) == [334, 333])
        #expect(replay.cogsLines.map(\.sequence) == [2, 3])
        #expect(After(replay, from: 2) == After(full, from: 2))
    }

    @Test func aReturnAfterTheBoundaryOfASaleBeforeIt() {
        // R1: 4 units for 10.00 (Oct 1). O1 sells 3 on Oct 1: 7.50. The checkpoint at Oct 3 holds
        // 1 unit worth 2.50. O9 returns 2 of O1 on Oct 3: a layer of round(7.50 × 2 / 3) = 5.00.
        // O2 sells 3 on Oct 4: 2.50 (R1's last unit) + 5.00 (the return's two) = 7.50.
        var story = CostStory()
        story.receive("R1", day: 1, quantity: 4, value: 1000)
        story.sell("O1", day: 1, quantity: 3)
        story.customerReturn("O9", of: "O1", day: 3, quantity: 2)
        story.sell("O2", day: 4, quantity: 3)
        let full = FIFOEngine.run(sku: "SKU1", events: story.events, standardCost: nil, checkpointSpacing: 1)
        let checkpoint = full.checkpoints.first { $0.boundary == CostStory.at(3, 0) }!
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        let sources = CostReplay.priorSources(
            named: CostReplay.namedLines(after), priorLines: full.cogsLines.filter { $0.sequence < checkpoint.sequenceOffset },
            priorLinks: [])
        #expect(sources.map { [$0.quantity, $0.cost, $0.countedUnits] } == [[3, 750, 0]])
        let replay = Self.replay(after, from: checkpoint, earlier: full)!
        #expect(replay.outflow("O2")?.cost == 750)
        #expect(replay.layers.last.map { [$0.units, $0.value] } == [2, 500])
        #expect(After(replay, from: checkpoint.sequenceOffset) == After(full, from: checkpoint.sequenceOffset))
    }

    @Test func aPartialTransferReceiptAcrossTheBoundary() {
        // T1 ships 3 units worth 9.00 on Oct 1 and 1 arrives on Oct 1 (3.00); the checkpoint at
        // Oct 2 has the shipment counted 1 of 3; the other 2 arrive Oct 2: 9.00 − 3.00 = 6.00.
        var story = CostStory()
        story.receive("R1", at: "WH1", day: 1, quantity: 3, value: 900)
        story.ship("T1", from: "WH1", to: "S01", day: 1, quantity: 3)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 1, hour: 18, quantity: 1)
        story.receiveTransfer("T1", from: "WH1", to: "S01", day: 2, quantity: 2, receipt: 2)
        story.sell("O1", day: 2, hour: 20, quantity: 3)
        let full = FIFOEngine.run(sku: "SKU1", events: story.events, standardCost: nil, checkpointSpacing: 1)
        let checkpoint = full.checkpoints.first { $0.boundary == CostStory.at(2, 0) }!
        let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
        let replay = Self.replay(after, from: checkpoint, earlier: full)!
        #expect(replay.outflow("O1")?.cost == 900)
        #expect(replay.layers.last?.value == 600)
        #expect(After(replay, from: checkpoint.sequenceOffset) == After(full, from: checkpoint.sequenceOffset))
    }

    @Test func theFallbackLooksBackPastTheBoundary() {
        // R1 (S01, Oct 1): 2 units for 5.00. Both sold Oct 1. The checkpoint at Oct 2 has no layer
        // left, only the receipt. O2 sells 1 at S01 on Oct 3 from empty stock: pending at the
        // latest receipt here, 2.50 (FALLBACK_PURCHASE_HERE); O3 at S02: 2.50 from elsewhere.
        var story = CostStory()
        story.receive("R1", day: 1, quantity: 2, value: 500)
        story.sell("O1", day: 1, quantity: 2)
        story.sell("O2", day: 3, quantity: 1)
        story.sell("O3", at: "S02", day: 3, quantity: 1)
        let full = FIFOEngine.run(sku: "SKU1", events: story.events, standardCost: nil, checkpointSpacing: 1)
        let checkpoint = full.checkpoints.first { $0.boundary == CostStory.at(3, 0) }!
        #expect(checkpoint.layers.isEmpty && checkpoint.receipts.count == 2)
        let replay = Self.replay(story.events.filter { $0.occurredAt >= checkpoint.boundary }, from: checkpoint, earlier: full)!
        #expect(replay.outflow("O2").map { [$0.provisionalCost, $0.pendingQuantity] } == [250, 1])
        #expect(replay.outflow("O2")?.flags == ["FALLBACK_PURCHASE_HERE"])
        #expect(replay.outflow("O3")?.flags == ["FALLBACK_PURCHASE_ELSEWHERE"])
        #expect(After(replay, from: checkpoint.sequenceOffset) == After(full, from: checkpoint.sequenceOffset))
    }

    @Test func noCheckpointWhileADeficitIsOpenOrALayerWaitsForALaterSource() {
        // O1 sells from empty stock on Oct 1; R1 fills it on Oct 3: no checkpoint at Oct 2 or Oct 3
        // (a deficit is open), one at Oct 4. A return entered on Oct 4 of a sale on Oct 5: none at
        // Oct 5 (the return's layer waits for the sale), one at Oct 6.
        var story = CostStory()
        story.sell("O1", day: 1, quantity: 1)
        story.sell("O2", day: 2, quantity: 1)
        story.receive("R1", day: 3, quantity: 5, value: 500)
        story.sell("O3", day: 4, quantity: 1)
        story.customerReturn("O8", of: "O9", day: 4, hour: 18, quantity: 1)
        story.sell("O9", day: 5, quantity: 1)
        story.sell("O10", day: 6, quantity: 1)
        let full = FIFOEngine.run(sku: "SKU1", events: story.events, standardCost: nil, checkpointSpacing: 1)
        #expect(full.checkpoints.map(\.boundary) == [CostStory.at(4, 0), CostStory.at(6, 0)])
        // And a late sale named by that return (a second O9 line 1 on Oct 7) cannot replay from Oct 6.
        var late = story
        late.sell("O9", day: 7, quantity: 1)
        let after = late.events.filter { $0.occurredAt >= CostStory.at(6, 0) }
        #expect(Self.replay(after, from: full.checkpoints[1], earlier: full) == nil)
    }

    // MARK: - The property over generated histories

    static let seeds: ClosedRange<UInt64> = 1...2000

    /// Replays compared with full runs, and how often the cases that matter were met.
    struct Tally {
        var compared = 0
        var withPriorSources = 0
        var withProvisionalLayers = 0
        /// Replays where a return naming only its order resolved to a sale line before the checkpoint.
        var withOrderOnlyReturnsOfPriorLines = 0
        var failures: [String] = []

        /// Compares a replay from `checkpoint` with the full run (nothing when there is no replay).
        mutating func check(_ replay: SKUCostRun?, from checkpoint: CostCheckpoint, full: SKUCostRun, _ label: String) {
            guard let replay else { return }
            compared += 1
            if !replay.priorSources.isEmpty { withPriorSources += 1 }
            if replay.openingLayers.contains(where: \.provisional) { withProvisionalLayers += 1 }
            if replay.layers.contains(where: { layer in
                guard case .priorCustomerReturn = layer.origin, case .customerReturn(_, nil) = replay.events[layer.event].kind else {
                    return false
                }
                return true
            }) {
                withOrderOnlyReturnsOfPriorLines += 1
            }
            if After(replay, from: checkpoint.sequenceOffset) != After(full, from: checkpoint.sequenceOffset) {
                failures.append("\(label), checkpoint \(checkpoint.boundary)")
            }
        }
    }

    @Test func aReplayFromEveryCheckpointEqualsTheFullRun() {
        var tally = Tally()
        for seed in Self.seeds {
            let story = RandomHistory(seed: seed).story
            let full = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: story.standardCost, checkpointSpacing: 1)
            for checkpoint in full.checkpoints {
                let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
                tally.check(Self.replay(after, from: checkpoint, earlier: full), from: checkpoint, full: full, "seed \(seed)")
            }
        }
        #expect(tally.failures.isEmpty, "\(tally.failures.count) replays differ: \(tally.failures.prefix(10))")
        #expect(tally.compared > 1000, "only \(tally.compared) checkpoints to replay from")
        // Returns and receipts after a checkpoint naming lines before it, and provisional layers
        // carried across it, are met often enough to count.
        #expect(tally.withPriorSources > 100 && tally.withProvisionalLayers > 50, "\(tally)")
        #expect(tally.withOrderOnlyReturnsOfPriorLines > 30, "\(tally)")
    }

    @Test func lateRowsReplayedFromTheLastCheckpointBeforeThemEqualAFullRun() {
        // As the cost cache does it: run what was known at the end of a day (with checkpoints),
        // then take the rows recorded later, find the earliest occurred_at among them, and replay
        // from the first run's last checkpoint at or before it.
        var tally = Tally()
        for seed in Self.seeds {
            let story = RandomHistory(seed: seed).story
            let full = FIFOEngine.run(sku: story.sku, events: story.events, standardCost: story.standardCost, checkpointSpacing: 1)
            for knownDay in Int64(1)...6 {
                let knownAt = CostStory.at(knownDay, 23)
                let known = story.events.filter { $0.source.recordedAt <= knownAt }
                let late = story.events.filter { $0.source.recordedAt > knownAt }
                guard let earliest = late.map(\.occurredAt).min(), !known.isEmpty else { continue }
                let first = FIFOEngine.run(sku: story.sku, events: known, standardCost: story.standardCost, checkpointSpacing: 1)
                guard let checkpoint = first.checkpoints.last(where: { $0.boundary <= earliest }) else { continue }
                let after = story.events.filter { $0.occurredAt >= checkpoint.boundary }
                tally.check(
                    Self.replay(after, from: checkpoint, earlier: first), from: checkpoint, full: full,
                    "seed \(seed), known day \(knownDay)")
            }
        }
        #expect(tally.failures.isEmpty, "\(tally.failures.count) replays differ: \(tally.failures.prefix(10))")
        #expect(tally.compared > 300, "only \(tally.compared) late-row replays")
        #expect(tally.withPriorSources > 30 && tally.withProvisionalLayers > 15, "\(tally)")
        #expect(tally.withOrderOnlyReturnsOfPriorLines > 30, "\(tally)")
    }
}
