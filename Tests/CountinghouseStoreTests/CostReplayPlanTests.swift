// The cost cache refresh's plan (CostReplayPlan.swift), without a database: when the cache is up to
// date, rebuilt or refreshed since a file, and where each SKU with new rows starts its replay.
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite("CostReplayPlanning")
struct CostReplayPlanTests {
    @Test func theScopeFollowsTheCacheState() {
        let engine: Int64 = 7
        #expect(
            CostReplayPlanning.scope(
                rebuild: false, cachedThroughFileID: 12, cachedEngineVersion: engine, lastFileID: 12, engineVersion: engine)
                == .upToDate)
        #expect(
            CostReplayPlanning.scope(
                rebuild: false, cachedThroughFileID: 9, cachedEngineVersion: engine, lastFileID: 12, engineVersion: engine)
                == .since(fileID: 9))
        // No cache, another engine, or a rebuild asked for: from nothing, even when up to date.
        #expect(
            CostReplayPlanning.scope(
                rebuild: false, cachedThroughFileID: nil, cachedEngineVersion: nil, lastFileID: 0, engineVersion: engine)
                == .fromNothing)
        #expect(
            CostReplayPlanning.scope(
                rebuild: false, cachedThroughFileID: 12, cachedEngineVersion: engine - 1, lastFileID: 12,
                engineVersion: engine) == .fromNothing)
        #expect(
            CostReplayPlanning.scope(
                rebuild: true, cachedThroughFileID: 12, cachedEngineVersion: engine, lastFileID: 12, engineVersion: engine)
                == .fromNothing)
    }

    static let checkpoints: [OpaqueID: [CheckpointBoundary]] = [
        // Out of order on purpose: the plan must not rely on the order it is given.
        "A": [CheckpointBoundary(boundary: 300, offset: 30), CheckpointBoundary(boundary: 100, offset: 10),
              CheckpointBoundary(boundary: 200, offset: 20)],
        "B": [CheckpointBoundary(boundary: 500, offset: 64)],
        "C": [CheckpointBoundary(boundary: 100, offset: 5)],
    ]

    @Test func eachSKUStartsFromItsLastCheckpointAtOrBeforeItsEarliestNewRow() {
        let plan = CostReplayPlanning.plan(
            earliestNewRow: ["A": 250, "B": 500, "C": 99, "D": 1000], catalogueChanged: [], checkpoints: Self.checkpoints)
        #expect(plan == [
            "A": .checkpoint(CheckpointBoundary(boundary: 200, offset: 20)),
            // At the boundary itself: the checkpoint is the state before the boundary's events.
            "B": .checkpoint(CheckpointBoundary(boundary: 500, offset: 64)),
            "C": .whole(.noCheckpointBefore),
            "D": .whole(.noCheckpointBefore),
        ])
    }

    @Test func aNewCatalogueRowOrAConflictReplaysTheSKUWhole() {
        let plan = CostReplayPlanning.plan(
            earliestNewRow: ["A": 250, "B": 900, "C": 400], catalogueChanged: ["A", "E"], checkpoints: Self.checkpoints,
            conflicts: ["B"])
        #expect(plan == [
            "A": .whole(.catalogueChanged),
            "B": .whole(.conflict),
            "C": .checkpoint(CheckpointBoundary(boundary: 100, offset: 5)),
            // A catalogue row alone reprices its SKU (its standard cost may price any pending unit).
            "E": .whole(.catalogueChanged),
        ])
    }

    @Test func onlySKUsWithNewRowsArePlanned() {
        #expect(CostReplayPlanning.plan(earliestNewRow: [:], catalogueChanged: [], checkpoints: Self.checkpoints).isEmpty)
    }
}
