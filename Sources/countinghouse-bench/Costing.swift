// The costing benchmark: generated stock events (fixed seed), the engine run over all of them,
// and the incremental unit (one SKU) after a backdated purchase.
import CountinghouseCore
import Foundation

/// Peak resident memory of this process so far (VmHWM), in MiB.
func peakResidentMiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let digits = line.filter(\.isNumber)
        return (Int(digits) ?? 0) / 1024
    }
    return -1
}

/// A chain's stock events: per SKU, receipts at a warehouse, transfers to stores, sales (some
/// from empty shelves), customer returns naming their sale, and a count now and then.
func generatedEvents(count: Int, skus: Int, seed: UInt64) -> [CostEvent] {
    var state = seed
    func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    func random(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    let stores = ["S01", "S02", "S03"]
    let skuNames = (0..<skus).map { String(format: "SKU-%05d", $0) }
    var events: [CostEvent] = []
    events.reserveCapacity(count)
    let start: Int64 = 1_790_000_000 * Instant.nanosecondsPerSecond
    var sales: [(order: String, sku: Int, store: String)] = []
    for index in 0..<count {
        let sku = random(skus)
        let at = Instant(nanosecondsSinceEpoch: start + Int64(index) * 30 * Instant.nanosecondsPerSecond)
        let document = "D\(index)"
        func source(_ kind: LedgerKind, receipt: Int64? = nil) -> SourceReference {
            SourceReference(kind: kind, documentID: document, lineNumber: 1, receiptNumber: receipt,
                            fileName: "bench.csv", fileRow: index + 2, recordedAt: at)
        }
        let store = stores[random(stores.count)]
        let roll = random(100)
        let event: CostEvent
        switch roll {
        case 0..<8:
            let quantity = Int64(20 + random(80))
            event = CostEvent(kind: .purchaseReceipt(value: quantity * Int64(100 + random(900))), sku: skuNames[sku],
                              location: roll < 4 ? "WH1" : store, occurredAt: at, quantity: quantity, source: source(.purchases))
        case 8..<12:
            event = CostEvent(kind: .transferShip(destination: store), sku: skuNames[sku], location: "WH1", occurredAt: at,
                              quantity: Int64(5 + random(10)), source: source(.transfers))
        case 12..<14 where !sales.isEmpty:
            let sale = sales[random(sales.count)]
            event = CostEvent(kind: .customerReturn(originalOrderID: sale.order, originalLineNumber: 1), sku: skuNames[sale.sku],
                              location: sale.store, occurredAt: at, quantity: 1, source: source(.posLines))
        case 14:
            event = CostEvent(kind: .count(unitCost: nil), sku: skuNames[sku], location: store, occurredAt: at,
                              quantity: Int64(random(20)), source: source(.counts))
        default:
            event = CostEvent(kind: .sale, sku: skuNames[sku], location: store, occurredAt: at,
                              quantity: Int64(1 + random(3)), source: source(.posLines))
            if sales.count < 100_000 { sales.append((document, sku, store)) } else { sales[random(sales.count)] = (document, sku, store) }
        }
        events.append(event)
    }
    return events
}

func benchCosting() {
    let skuCount = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_SKUS"] ?? "") ?? 2000
    let eventCounts = (ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_EVENTS"] ?? "")
        .split(separator: ",").compactMap { Int($0) }
    for eventCount in eventCounts.isEmpty ? [1_000_000, 5_000_000] : eventCounts {
        let events = generatedEvents(count: eventCount, skus: skuCount, seed: 2026)
        let cpuStart = processCPUSeconds()
        let (runs, fullSeconds) = timed { () -> [SKUCostRun] in
            let runs = CostRuns.run(events: events, standardCosts: [:])
            var checksum: Int64 = 0
            for run in runs {
                for line in run.cogsLines { checksum &+= line.cost &+ line.provisionalCost }
                for delta in run.deltas { checksum &+= delta.value }
            }
            precondition(checksum != 0)
            return runs
        }
        let fullCPUSeconds = processCPUSeconds() - cpuStart
        if ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_DIGEST"] != nil {
            print("costing \(eventCount) events: digest of every cogs line and delta \(outputDigest(runs))")
        }
        print("costing \(eventCount) events over \(skuCount) SKUs: full recompute \(format(fullSeconds, 2)) s, "
            + "\(format(Double(eventCount) / fullSeconds, 0)) events/s (target for 1M: ≤ 1 s); CPU \(format(fullCPUSeconds, 2)) s")
        // A backdated purchase of one SKU: the next run reprices that SKU alone (SEMANTICS §3.6).
        let sku = runs[runs.count / 2].sku
        var skuEvents = events.filter { $0.sku == sku }
        let first = skuEvents.first!
        skuEvents.append(CostEvent(
            kind: .purchaseReceipt(value: 12_345), sku: sku, location: first.location, occurredAt: first.occurredAt,
            quantity: 50, source: SourceReference(kind: .purchases, documentID: "LATE", lineNumber: 1, receiptNumber: nil,
                                                  fileName: "late.csv", fileRow: 2, recordedAt: first.occurredAt)))
        let (_, incrementalSeconds) = timed { () -> Int in
            let run = CostRuns.run(events: skuEvents, standardCosts: [:])[0]
            return run.cogsLines.count + run.deltas.count
        }
        print("costing \(eventCount) events: backdated purchase of \(sku) (\(skuEvents.count) events) repriced in "
            + "\(format(incrementalSeconds * 1000, 1)) ms, \(format(incrementalSeconds / fullSeconds, 4)) × a full recompute (target ≤ 0.01)")
        print("costing \(eventCount) events: peak RSS so far \(peakResidentMiB()) MiB")
    }
}

/// CPU time of this process so far (all threads), in seconds: a figure a busy machine disturbs
/// less than the wall clock.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A digest (FNV-1a) of every field of every cogs line and delta, to check that a faster engine
/// gives the same figures: COUNTINGHOUSE_BENCH_DIGEST=1.
func outputDigest(_ runs: [SKUCostRun]) -> String {
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ value: Int64) {
        digest = (digest ^ UInt64(bitPattern: value)) &* 0x100_0000_01b3
    }
    func mix(_ text: String) {
        for byte in text.utf8 { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
        mix(-1)
    }
    for run in runs {
        for line in run.cogsLines {
            mix(line.sku); mix(line.sequence); mix(line.outflowID); mix(line.kind.rawValue)
            mix(line.occurredAt.nanosecondsSinceEpoch); mix(line.location); mix(line.documentID); mix(line.lineNumber ?? -7)
            mix(line.quantity); mix(line.costedQuantity); mix(line.cost); mix(line.pendingQuantity)
            mix(line.provisionalCost); mix(line.cancelledQuantity); mix(line.flags)
        }
        for delta in run.deltas {
            mix(delta.sku); mix(delta.location); mix(delta.occurredAt.nanosecondsSinceEpoch); mix(delta.sequence)
            mix(delta.units); mix(delta.value); mix(delta.pending)
        }
    }
    return String(digest, radix: 16)
}
