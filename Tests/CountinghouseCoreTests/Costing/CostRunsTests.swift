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

    @Test func aLargeRunOnSeveralCoresEqualsEachSKURunAlone() throws {
        let events = Self.events(count: CostRuns.parallelThreshold + 5_000)
        let standardCosts: [OpaqueID: Int64?] = ["SKU-3": 250, "SKU-7": nil]
        let together = try CostRuns.run(events: events, standardCosts: standardCosts)
        let skus = Set(events.map(\.sku)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(together.map(\.sku) == skus)
        for run in together {
            let alone = FIFOEngine.run(
                sku: run.sku, events: events.filter { $0.sku == run.sku }, standardCost: standardCosts[OpaqueID(run.sku)] ?? nil)
            #expect(run.cogsLines == alone.cogsLines, "\(run.sku)")
            #expect(run.deltas == alone.deltas, "\(run.sku)")
        }
    }

    /// `CostRuns.rows` (what the cost cache stores, built on the worker threads) lists the same
    /// cogs lines and deltas as the runs, SKU by SKU.
    @Test func rowsEqualTheRunsRows() throws {
        let events = Self.events(count: CostRuns.parallelThreshold + 5_000)
        let standardCosts: [OpaqueID: Int64?] = ["SKU-3": 250]
        let runs = try CostRuns.run(events: events, standardCosts: standardCosts)
        let rows = try CostRuns.rows(events: events, standardCosts: standardCosts)
        #expect(rows.map(\.sku) == runs.map(\.sku))
        for (skuRows, run) in zip(rows, runs) {
            #expect(skuRows.eventCount == run.events.count, "\(run.sku)")
            #expect(skuRows.cogsLines == run.cogsLines, "\(run.sku)")
            #expect(skuRows.deltas == run.deltas, "\(run.sku)")
        }
    }

    /// SKUs are their bytes (FORMATS §1): "é" (NFC) and "e\u{301}" (NFD) are two SKUs with two
    /// runs, whatever order their events come in, as the store's SQL keeps them apart.
    @Test func skusThatDifferOnlyInNormalisationAreTwoRuns() throws {
        let base = Self.events(count: 400).filter { $0.sku == "SKU-1" || $0.sku == "SKU-2" }
        let events = base.map { event -> CostEvent in
            var event = event
            event.sku = event.sku == "SKU-1" ? "caf\u{E9}" : "cafe\u{301}"
            return event
        }
        for ordered in [events, events.reversed(), events.sorted { $0.sku.utf8.count < $1.sku.utf8.count }] {
            let runs = try CostRuns.run(events: Array(ordered), standardCosts: [:])
            #expect(runs.map { Array($0.sku.utf8) } == [Array("cafe\u{301}".utf8), Array("caf\u{E9}".utf8)])
            for run in runs {
                let own = ordered.filter { $0.sku.utf8.elementsEqual(run.sku.utf8) }
                #expect(run.events.count == own.count)
                let alone = FIFOEngine.run(sku: run.sku, events: own, standardCost: nil)
                #expect(run.cogsLines == alone.cogsLines)
            }
        }
    }

    /// A SKU whose run could leave 64 bits is refused with an error that names it, before anything
    /// runs (instead of a trap inside the engine); the same units at an ordinary cost run.
    @Test func aSKUWhoseValuesCouldLeaveSixtyFourBitsIsRefused() throws {
        func event(_ kind: CostEvent.Kind, _ sku: String, _ quantity: Int64, _ minute: Int64) -> CostEvent {
            CostEvent(
                kind: kind, sku: sku, location: "S01", occurredAt: Instant(nanosecondsSinceEpoch: minute * 60 * Instant.nanosecondsPerSecond),
                quantity: quantity,
                source: SourceReference(kind: .posLines, documentID: "D\(minute)", lineNumber: 1, receiptNumber: nil, fileName: "f.csv", fileRow: 2, recordedAt: .init(nanosecondsSinceEpoch: 0)))
        }
        // A sale of 10^9 units with no stock, priced at a standard cost of 10^12 minor units: 10^21.
        let huge = [event(.sale, "BIG", 1_000_000_000, 1), event(.sale, "OK", 3, 2)]
        let error = #expect(throws: OutOfRange.self) {
            try CostRuns.run(events: huge, standardCosts: ["BIG": 1_000_000_000_000, "OK": 100])
        }
        #expect(error?.what == "the stock value SKU BIG could reach (its receipts plus its other units times its highest unit cost)")
        #expect(throws: OutOfRange.self) { try CostRuns.rows(events: huge, standardCosts: ["BIG": 1_000_000_000_000]) }
        // A receipt worth 10^12 for one unit prices the same sale as a fallback: refused too.
        let fallback = [event(.purchaseReceipt(value: 1_000_000_000_000), "BIG", 1, 0), event(.sale, "BIG", 1_000_000_000, 1)]
        #expect(throws: OutOfRange.self) { try CostRuns.run(events: fallback, standardCosts: [:]) }
        // Receipts at the limits with no other units, and the big sale at an ordinary cost, run.
        let receipts = [event(.purchaseReceipt(value: 1_000_000_000_000), "BIG", 1_000_000_000, 0),
                        event(.purchaseReceipt(value: 1_000_000_000_000), "BIG", 100, 1)]
        #expect(try CostRuns.run(events: receipts, standardCosts: [:]).count == 1)
        let ordinary = try CostRuns.run(events: huge, standardCosts: ["BIG": 250, "OK": 100])
        #expect(ordinary.first { $0.sku == "BIG" }?.cogsLines.first?.provisionalCost == 250_000_000_000)
    }
}
