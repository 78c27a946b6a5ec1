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
/// from empty shelves), customer returns naming their sale, and a count now and then. Event i
/// happens 30 s after event i − 1; its SKU, kind and figures come from a fixed-seed random
/// sequence. `events(skus:)` replays the whole sequence and builds only the events of some SKUs,
/// so a chunk of SKUs can be costed without the ledger in memory (the replay is not timed).
struct GeneratedChain {
    let count: Int
    let skuCount: Int
    let seed: UInt64

    func events(skus: Range<Int>) -> [CostEvent] {
        var generator = SplitMix64(state: seed)
        func random(_ bound: Int) -> Int { generator.next(below: bound) }
        let stores = ["S01", "S02", "S03"]
        let skuNames = skus.map { String(format: "SKU-%05d", $0) }
        var events: [CostEvent] = []
        events.reserveCapacity(count / max(skuCount, 1) * skus.count * 11 / 10)
        let start: Int64 = 1_790_000_000 * Instant.nanosecondsPerSecond
        // Recent sales a customer return may name: (event index, SKU, store), at most 100,000.
        var sales: [(index: Int, sku: Int, store: Int)] = []
        sales.reserveCapacity(100_000)
        func make(_ kind: CostEvent.Kind, _ sku: Int, _ location: String, _ quantity: Int64, _ index: Int,
                  _ ledger: LedgerKind) -> CostEvent {
            let at = Instant(nanosecondsSinceEpoch: start + Int64(index) * 30 * Instant.nanosecondsPerSecond)
            return CostEvent(
                kind: kind, sku: skuNames[sku - skus.lowerBound], location: location, occurredAt: at, quantity: quantity,
                source: SourceReference(kind: ledger, documentID: "D\(index)", lineNumber: 1, receiptNumber: nil,
                                        fileName: "bench.csv", fileRow: index + 2, recordedAt: at))
        }
        // The random draws happen in the same order whether or not an event is built.
        for index in 0..<count {
            let sku = random(skuCount)
            let store = random(stores.count)
            let roll = random(100)
            switch roll {
            case 0..<8:
                let quantity = Int64(20 + random(80))
                let value = quantity * Int64(100 + random(900))
                if skus.contains(sku) {
                    events.append(make(.purchaseReceipt(value: value), sku, roll < 4 ? "WH1" : stores[store], quantity,
                                       index, .purchases))
                }
            case 8..<12:
                let quantity = Int64(5 + random(10))
                if skus.contains(sku) {
                    events.append(make(.transferShip(destination: stores[store]), sku, "WH1", quantity, index, .transfers))
                }
            case 12..<14 where !sales.isEmpty:
                let sale = sales[random(sales.count)]
                if skus.contains(sale.sku) {
                    events.append(make(.customerReturn(originalOrderID: "D\(sale.index)", originalLineNumber: 1), sale.sku,
                                       stores[sale.store], 1, index, .posLines))
                }
            case 14:
                let quantity = Int64(random(20))
                if skus.contains(sku) { events.append(make(.count(unitCost: nil), sku, stores[store], quantity, index, .counts)) }
            default:
                let quantity = Int64(1 + random(3))
                if skus.contains(sku) { events.append(make(.sale, sku, stores[store], quantity, index, .posLines)) }
                if sales.count < 100_000 { sales.append((index, sku, store)) } else { sales[random(sales.count)] = (index, sku, store) }
            }
        }
        return events
    }
}

/// SplitMix64: a fixed-seed random sequence, cheap enough to replay once per chunk.
struct SplitMix64 {
    var state: UInt64

    mutating func next(below bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

/// Sets this process's peak resident memory back to its current resident memory (Linux: writing
/// 5 to /proc/self/clear_refs), so each case's peak is its own. False where it is not supported.
func resetPeakResident() -> Bool {
    guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
    defer { try? handle.close() }
    return (try? handle.write(contentsOf: Data("5".utf8))) != nil
}

func benchCosting() throws {
    let skuCount = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_SKUS"] ?? "") ?? 2000
    let eventCounts = (ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_EVENTS"] ?? "")
        .split(separator: ",").compactMap { Int($0) }
    // About this many events per chunk of SKUs, whatever the ledger's size (at least one SKU).
    let chunkEvents = Int(ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_CHUNK_EVENTS"] ?? "") ?? 100_000
    let wantsDigest = ProcessInfo.processInfo.environment["COUNTINGHOUSE_BENCH_DIGEST"] != nil
    for eventCount in eventCounts.isEmpty ? [1_000_000, 5_000_000] : eventCounts {
        let chain = GeneratedChain(count: eventCount, skuCount: skuCount, seed: 2026)
        let peakIsOwn = resetPeakResident()
        // A full recompute as the cost cache refresh does it: a chunk of SKUs at a time, each
        // chunk's rows (every cogs line and delta) built, read, and dropped before the next chunk.
        // Timed: grouping, the engine and building the rows; not timed: generating the events.
        let skusPerChunk = max(1, min(skuCount, Int((Int64(skuCount) * Int64(chunkEvents)) / Int64(max(eventCount, 1)))))
        var fullSeconds = 0.0
        var fullCPUSeconds = 0.0
        var digest = OutputDigest()
        var chunkCount = 0
        for first in stride(from: 0, to: skuCount, by: skusPerChunk) {
            let events = chain.events(skus: first..<min(first + skusPerChunk, skuCount))
            let cpuStart = processCPUSeconds()
            let (rows, seconds) = try timed { () throws -> [SKUCostRows] in
                let rows = try CostRuns.rows(events: events, standardCosts: [:])
                var checksum: Int64 = 0
                for skuRows in rows {
                    for line in skuRows.cogsLines { checksum &+= line.cost &+ line.provisionalCost }
                    for delta in skuRows.deltas { checksum &+= delta.value }
                }
                precondition(checksum != 0)
                return rows
            }
            fullCPUSeconds += processCPUSeconds() - cpuStart
            fullSeconds += seconds
            chunkCount += 1
            if wantsDigest { for skuRows in rows { digest.mix(skuRows) } }
        }
        if wantsDigest { print("costing \(eventCount) events: digest of every cogs line and delta \(digest.text)") }
        print("costing \(eventCount) events over \(skuCount) SKUs: full recompute \(format(fullSeconds, 2)) s, "
            + "\(format(Double(eventCount) / fullSeconds, 0)) events/s (target for 1M: ≤ 1 s); CPU \(format(fullCPUSeconds, 2)) s; "
            + "\(chunkCount) chunks of \(skusPerChunk) SKUs")
        // A backdated purchase of one SKU: the next run reprices that SKU alone (SEMANTICS §3.6).
        let skuNumber = skuCount / 2
        var skuEvents = chain.events(skus: skuNumber..<skuNumber + 1)
        let sku = skuEvents[0].sku
        let first = skuEvents.first!
        skuEvents.append(CostEvent(
            kind: .purchaseReceipt(value: 12_345), sku: sku, location: first.location, occurredAt: first.occurredAt,
            quantity: 50, source: SourceReference(kind: .purchases, documentID: "LATE", lineNumber: 1, receiptNumber: nil,
                                                  fileName: "late.csv", fileRow: 2, recordedAt: first.occurredAt)))
        let (_, incrementalSeconds) = try timed { () throws -> Int in
            let run = try CostRuns.run(events: skuEvents, standardCosts: [:])[0]
            return run.cogsLines.count + run.deltas.count
        }
        print("costing \(eventCount) events: backdated purchase of \(sku) (\(skuEvents.count) events) repriced in "
            + "\(format(incrementalSeconds * 1000, 1)) ms, \(format(incrementalSeconds / fullSeconds, 4)) × a full recompute (target ≤ 0.01)")
        benchReplay(chain: chain, skuNumber: skuNumber, eventCount: eventCount, fullSeconds: fullSeconds)
        print("costing \(eventCount) events: peak RSS \(peakIsOwn ? "of this case" : "so far") \(peakResidentMiB()) MiB "
            + "(one chunk of ~\(chunkEvents) events and its rows at a time)")
    }
}

/// A purchase of one SKU backdated to nine tenths of its history, as the cost cache reprices it:
/// the SKU replayed from its last checkpoint before the purchase (the earlier run that made the
/// checkpoints, and the lookup of what it says, are not timed: the cache has them stored).
func benchReplay(chain: GeneratedChain, skuNumber: Int, eventCount: Int, fullSeconds: Double) {
    let base = chain.events(skus: skuNumber..<skuNumber + 1)
    let sku = base[0].sku
    let earlier = FIFOEngine.run(sku: sku, events: base, standardCost: nil, checkpointSpacing: CostReplay.defaultSpacing)
    let target = base[base.count * 9 / 10]
    let late = CostEvent(
        kind: .purchaseReceipt(value: 12_345), sku: sku, location: target.location, occurredAt: target.occurredAt,
        quantity: 50, source: SourceReference(kind: .purchases, documentID: "LATE", lineNumber: 1, receiptNumber: nil,
                                              fileName: "late.csv", fileRow: 2, recordedAt: target.occurredAt))
    guard let checkpoint = earlier.checkpoints.last(where: { $0.boundary <= late.occurredAt }) else {
        print("costing \(eventCount) events: \(sku) has no checkpoint before nine tenths of its history "
            + "(\(earlier.checkpoints.count) checkpoints)")
        return
    }
    let after = (base + [late]).filter { $0.occurredAt >= checkpoint.boundary }
    let offset = checkpoint.sequenceOffset
    let priorLinks = earlier.links.filter { $0.sequence < offset }
    let opening = CostOpening(
        checkpoint: checkpoint,
        priorSources: CostReplay.priorSources(
            named: CostReplay.namedLines(after), priorLines: earlier.cogsLines.filter { $0.sequence < offset },
            priorLinks: priorLinks))
    let conflicts = CostReplay.conflicts(events: after, priorLinks: priorLinks)
    let (_, seconds) = timed { () -> Int in
        let run = FIFOEngine.run(
            sku: sku, events: after, standardCost: nil, opening: opening, checkpointSpacing: CostReplay.defaultSpacing)
        return run.cogsLines.count + run.deltas.count
    }
    print("costing \(eventCount) events: purchase backdated to 9/10 of \(sku)'s history replayed from its checkpoint of "
        + "\(checkpoint.boundary) (\(after.count) of \(base.count + 1) events\(conflicts ? ", a conflict: the cache would replay it whole" : "")) in "
        + "\(format(seconds * 1000, 2)) ms, \(format(seconds / fullSeconds, 5)) × a full recompute; "
        + "\(earlier.checkpoints.count) checkpoints")
}

/// CPU time of this process so far (all threads), in seconds: a figure a busy machine disturbs
/// less than the wall clock.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A digest (FNV-1a) of every field of every cogs line and delta, to check that a faster engine
/// gives the same figures: COUNTINGHOUSE_BENCH_DIGEST=1. Rows are mixed in SKU order, chunk after
/// chunk, as one run over the whole ledger would list them.
struct OutputDigest {
    var digest: UInt64 = 0xcbf2_9ce4_8422_2325

    var text: String { String(digest, radix: 16) }

    mutating func mix(_ value: Int64) {
        digest = (digest ^ UInt64(bitPattern: value)) &* 0x100_0000_01b3
    }

    mutating func mix(_ text: String) {
        for byte in text.utf8 { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
        mix(-1)
    }

    mutating func mix(_ rows: SKUCostRows) {
        for line in rows.cogsLines {
            mix(line.sku); mix(line.sequence); mix(line.outflowID); mix(line.kind.rawValue)
            mix(line.occurredAt.nanosecondsSinceEpoch); mix(line.location); mix(line.documentID); mix(line.lineNumber ?? -7)
            mix(line.quantity); mix(line.costedQuantity); mix(line.cost); mix(line.pendingQuantity)
            mix(line.provisionalCost); mix(line.cancelledQuantity); mix(line.flags)
        }
        for delta in rows.deltas {
            mix(delta.sku); mix(delta.location); mix(delta.occurredAt.nanosecondsSinceEpoch); mix(delta.sequence)
            mix(delta.units); mix(delta.value); mix(delta.pending)
        }
    }
}
