import Testing
@testable import CountinghouseCore

/// `CostRuns.run` groups a ledger's events by SKU and, above a threshold, runs the SKUs on several
/// cores: the results must be exactly those of running each SKU alone.
@Suite struct CostRunsTests {
    /// Receipts, sales (some from empty shelves), returns naming their sale and transfers, over
    /// 40 SKUs and 3 locations, in ledger order (not sorted by SKU or time). Fixed seed.
    static func events(count: Int) -> [CostEvent] {
        var state: UInt64 = 99
        func random(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var events: [CostEvent] = []
        for index in 0..<count {
            let sku = "SKU-\(random(40))"
            let location = ["WH1", "S01", "S02"][random(3)]
            let at = Instant(nanosecondsSinceEpoch: Int64(random(count)) * 60 * Instant.nanosecondsPerSecond)
            let source = SourceReference(kind: .posLines, documentID: "D\(index)", lineNumber: 1, receiptNumber: nil,
                                         fileName: "f.csv", fileRow: index + 2, recordedAt: at)
            let kind: CostEvent.Kind
            var sourceKind = LedgerKind.posLines
            switch random(10) {
            case 0, 1:
                kind = .purchaseReceipt(value: Int64(100 + random(5000)))
                sourceKind = .purchases
            case 2:
                kind = .customerReturn(originalOrderID: "D\(random(max(index, 1)))", originalLineNumber: 1)
            case 3:
                kind = .transferShip(destination: "S01")
                sourceKind = .transfers
            default:
                kind = .sale
            }
            var reference = source
            reference.kind = sourceKind
            events.append(CostEvent(kind: kind, sku: sku, location: location, occurredAt: at,
                                    quantity: Int64(1 + random(4)), source: reference))
        }
        return events
    }

    @Test func aLargeRunOnSeveralCoresEqualsEachSKURunAlone() {
        let events = Self.events(count: CostRuns.parallelThreshold + 5_000)
        let standardCosts: [String: Int64?] = ["SKU-3": 250, "SKU-7": nil]
        let together = CostRuns.run(events: events, standardCosts: standardCosts)
        let skus = Set(events.map(\.sku)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(together.map(\.sku) == skus)
        for run in together {
            let alone = FIFOEngine.run(
                sku: run.sku, events: events.filter { $0.sku == run.sku }, standardCost: standardCosts[run.sku] ?? nil)
            #expect(run.cogsLines == alone.cogsLines, "\(run.sku)")
            #expect(run.deltas == alone.deltas, "\(run.sku)")
        }
    }

    /// `CostRuns.rows` (what the cost cache stores, built on the worker threads) lists the same
    /// cogs lines and deltas as the runs, SKU by SKU.
    @Test func rowsEqualTheRunsRows() {
        let events = Self.events(count: CostRuns.parallelThreshold + 5_000)
        let standardCosts: [String: Int64?] = ["SKU-3": 250]
        let runs = CostRuns.run(events: events, standardCosts: standardCosts)
        let rows = CostRuns.rows(events: events, standardCosts: standardCosts)
        #expect(rows.map(\.sku) == runs.map(\.sku))
        for (skuRows, run) in zip(rows, runs) {
            #expect(skuRows.eventCount == run.events.count, "\(run.sku)")
            #expect(skuRows.cogsLines == run.cogsLines, "\(run.sku)")
            #expect(skuRows.deltas == run.deltas, "\(run.sku)")
        }
    }
}
