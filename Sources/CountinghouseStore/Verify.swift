// `verify`: the invariants of SEMANTICS §7 that exist so far, each checked apart from the code
// that maintains it, every failure listed (not only the first).
//  - the ledger has not been altered: every table's hash chain holds, and matches the anchors
//    recorded with each file (row counts and chain heads, §7.7); the database still refuses
//    changes: every append-only trigger is in place, as the program creates it;
//  - cached costs = a full rebuild, cent for cent (§7.5), and so are the cache's checkpoints (a
//    rebuild made to stop at the same boundaries) and reference links, which later refreshes
//    replay from;
//  - on-hand units from the engine = plain signed sums of the movements in SQL (§7.4).
import CountinghouseCore

public struct VerifyFinding: Sendable, Hashable, CustomStringConvertible {
    public var check: String
    public var message: String

    public var description: String { "\(check): \(message)" }
}

public struct VerifyReport: Sendable {
    public var checks: [(name: String, failures: Int)] = []
    public var findings: [VerifyFinding] = []
    /// Value conservation (§7.3) of the rebuild, for the caller to list with the books' checks
    /// (the rebuild is made here once; the CLI prints this check after the journal's).
    public var valueConservation: [String] = []
    public var passed: Bool { findings.isEmpty }
}

public enum LedgerVerifier {
    /// At most this many findings are listed per check (the count says how many there were).
    static let listedPerCheck = 20

    /// `exponent`: the functional currency's decimals, for amounts in the messages.
    /// `skusPerChunk`: how many SKUs are rebuilt and compared at a time (tests make it small; by
    /// default `skusPerCostChunk(skuCount:stockRows:)`, fewer for a long history).
    public static func verify(
        _ store: any LedgerStore, exponent: Int = 2, skusPerChunk chosenChunk: Int? = nil
    ) throws -> VerifyReport {
        precondition((chosenChunk ?? 1) > 0)
        var report = VerifyReport()
        func record(_ check: String, _ messages: [String]) {
            report.checks.append((check, messages.count))
            for message in messages.prefix(listedPerCheck) { report.findings.append(VerifyFinding(check: check, message: message)) }
            if messages.count > listedPerCheck {
                report.findings.append(VerifyFinding(check: check, message: "… and \(messages.count - listedPerCheck) more"))
            }
        }
        // §7.7 as one check: the chains, their anchors (rows removed or added with their file's id,
        // even at the end of a table) and the triggers that keep the database refusing changes.
        // (One check, under its existing name: the lines `verify` prints stay those users and
        // scripts know; each message names what it is about.)
        // On one snapshot: an ingest landing meanwhile is seen whole or not at all.
        record(
            "ledger hash chains",
            try store.readingOneSnapshot {
                try store.verifyHashChains().map(\.description) + store.verifyAnchors().map(\.description)
                    + store.verifyAppendOnlyTriggers().map(\.description)
            })

        // Bring the cache up to date (an incremental refresh, as every command does), then rebuild
        // everything it covers and compare, a chunk of SKUs at a time: each SKU's costs depend on
        // its own rows only, so memory follows the chunk, not the ledger. The messages are listed
        // in the order one comparison of everything would list them.
        _ = try store.refreshCostCache(rebuild: false)
        let through = try store.costCacheThroughFileID() ?? 0
        var cacheMessages = KeyedMessages()
        var checkpointMessages = KeyedMessages()
        var engineUnits: [SKULocation: Int64] = [:]
        var conservation: [String] = []
        let skus = try store.costSKUs()
        let skusPerChunk = try chosenChunk ?? skusPerCostChunk(skuCount: skus.count, stockRows: store.stockRowCount())
        for chunkOfSKUs in skus.chunked(into: skusPerChunk) {
            let chunk = chunkOfSKUs.opaqueIDs
            let (cachedCheckpoints, cachedLinks) = try store.cachedCheckpoints(skus: chunk)
            var boundaries: [OpaqueID: Set<Instant>] = [:]
            for checkpoint in cachedCheckpoints { boundaries[OpaqueID(checkpoint.sku), default: []].insert(checkpoint.boundary) }
            let rebuilt = try store.costRuns(skus: chunk, throughFileID: through, checkpointBoundaries: boundaries)
            cacheMessages.merge(compare(cached: try store.cachedContents(skus: chunk), rebuilt: rebuilt, exponent: exponent))
            checkpointMessages.merge(compare(checkpoints: cachedCheckpoints, links: cachedLinks, rebuilt: rebuilt, exponent: exponent))
            conservation += BooksChecks.valueConservation(rebuilt, exponent: exponent)
            for position in try CostDelta.positions(rebuilt.flatMap(\.deltas)) {
                engineUnits[SKULocation(sku: position.sku, location: position.location)] = position.quantityOnHand
            }
        }
        record("cost cache = rebuild", cacheMessages.inOrder)
        record("cost checkpoints = rebuild", checkpointMessages.inOrder)
        report.valueConservation = conservation

        let plain = try store.plainOnHand(throughFileID: through)
        var unitMessages: [String] = []
        for key in Set(engineUnits.keys).union(plain.keys).sorted() {
            let engine = engineUnits[key] ?? 0
            let sums = plain[key] ?? 0
            if engine != sums {
                unitMessages.append("\(key.sku) at \(key.location): the engine has \(engine) units, the plain sums \(sums)")
            }
        }
        record("on-hand units = plain sums", unitMessages)
        return report
    }

    static func compare(cached: CostCacheContents, rebuilt: [SKUCostRun], exponent: Int) -> KeyedMessages {
        func summary(_ line: CogsLine) -> String { Self.summary(line, exponent: exponent) }
        func summary(_ delta: CostDelta) -> String { Self.summary(delta, exponent: exponent) }
        var messages = KeyedMessages()
        let cachedLines = Dictionary(cached.lines.map { ("\($0.sku)#\($0.sequence)", $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltLines = Dictionary(
            rebuilt.flatMap(\.cogsLines).map { ("\($0.sku)#\($0.sequence)", $0) }, uniquingKeysWith: { a, _ in a })
        for key in Set(cachedLines.keys).union(rebuiltLines.keys) {
            let message: String
            switch (cachedLines[key], rebuiltLines[key]) {
            case (let cachedLine?, let rebuiltLine?) where cachedLine != rebuiltLine:
                message = "outflow \(rebuiltLine.outflowID) of \(rebuiltLine.sku): cached \(summary(cachedLine)), rebuilt \(summary(rebuiltLine))"
            case (let cachedLine?, nil):
                message = "outflow \(cachedLine.outflowID) of \(cachedLine.sku) is cached but not in a rebuild"
            case (nil, let rebuiltLine?):
                message = "outflow \(rebuiltLine.outflowID) of \(rebuiltLine.sku) is missing from the cache"
            default:
                continue
            }
            messages.add(message, section: 0, key)
        }
        func key(_ delta: CostDelta) -> String { "\(delta.sku)#\(delta.sequence)#\(delta.location)" }
        let cachedDeltas = Dictionary(cached.deltas.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltDeltas = Dictionary(rebuilt.flatMap(\.deltas).map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for deltaKey in Set(cachedDeltas.keys).union(rebuiltDeltas.keys) where cachedDeltas[deltaKey] != rebuiltDeltas[deltaKey] {
            let shown = rebuiltDeltas[deltaKey] ?? cachedDeltas[deltaKey]!
            messages.add(
                "stock movement \(shown.sequence) of \(shown.sku) at \(shown.location): cached "
                    + (cachedDeltas[deltaKey].map(summary) ?? "nothing") + ", rebuilt "
                    + (rebuiltDeltas[deltaKey].map(summary) ?? "nothing"), section: 1, deltaKey)
        }
        func key(_ posting: StockPosting) -> String { "\(posting.sku)#\(posting.sequence)" }
        let cachedPostings = Dictionary(cached.postings.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltPostings = Dictionary(rebuilt.flatMap(\.stockPostings).map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for postingKey in Set(cachedPostings.keys).union(rebuiltPostings.keys)
        where cachedPostings[postingKey] != rebuiltPostings[postingKey] {
            let shown = rebuiltPostings[postingKey] ?? cachedPostings[postingKey]!
            messages.add(
                "stock posting \(shown.sequence) of \(shown.sku) (\(shown.source)): cached "
                    + (cachedPostings[postingKey].map { "value \(formatMinorUnits($0.value, exponent: exponent))" } ?? "nothing")
                    + ", rebuilt "
                    + (rebuiltPostings[postingKey].map { "value \(formatMinorUnits($0.value, exponent: exponent))" } ?? "nothing"),
                section: 2, postingKey)
        }
        return messages
    }

    static func compare(checkpoints: [CostCheckpoint], links: [ReferenceLink], rebuilt: [SKUCostRun], exponent: Int) -> KeyedMessages {
        func summary(_ checkpoint: CostCheckpoint) -> String { Self.summary(checkpoint, exponent: exponent) }
        var messages = KeyedMessages()
        let rebuiltCheckpoints = Dictionary(
            rebuilt.flatMap(\.checkpoints).map { (CheckpointKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        for checkpoint in checkpoints {
            let message: String
            switch rebuiltCheckpoints[CheckpointKey(checkpoint)] {
            case nil:
                message = "checkpoint of \(checkpoint.sku) at \(checkpoint.boundary): a rebuild is not settled there"
            case let again? where again != checkpoint:
                message = "checkpoint of \(checkpoint.sku) at \(checkpoint.boundary): cached \(summary(checkpoint)), rebuilt \(summary(again))"
            default:
                continue
            }
            messages.add(message, section: 0, checkpoint.sku, checkpoint.boundary.nanosecondsSinceEpoch)
        }
        struct LinkKey: Hashable { var sku: String; var sequence: Int64 }
        let cachedLinks = Dictionary(links.map { (LinkKey(sku: $0.sku, sequence: $0.sequence), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltLinks = Dictionary(
            rebuilt.flatMap(\.links).map { (LinkKey(sku: $0.sku, sequence: $0.sequence), $0) }, uniquingKeysWith: { a, _ in a })
        for key in Set(cachedLinks.keys).union(rebuiltLinks.keys) where cachedLinks[key] != rebuiltLinks[key] {
            func text(_ link: ReferenceLink?) -> String {
                link.map { "\($0.kind.rawValue) \($0.documentID):\($0.lineNumber), \($0.countedUnits) units counted" } ?? "nothing"
            }
            messages.add(
                "reference of event \(key.sequence) of \(key.sku): cached \(text(cachedLinks[key])), rebuilt \(text(rebuiltLinks[key]))",
                section: 1, key.sku, key.sequence)
        }
        return messages
    }

    static func summary(_ checkpoint: CostCheckpoint, exponent: Int) -> String {
        var worth = Sum()
        for layer in checkpoint.layers { worth += layer.value }
        return "event \(checkpoint.sequenceOffset), \(checkpoint.layers.count) open layers of \(checkpoint.layers.map(\.units).reduce(0, +)) units "
            + "worth \(formatMinorUnits(sum: worth.total, exponent: exponent))"
    }

    static func summary(_ line: CogsLine, exponent: Int) -> String {
        "cost \(formatMinorUnits(line.cost, exponent: exponent)) (\(line.costedQuantity) units) + provisional "
            + "\(formatMinorUnits(line.provisionalCost, exponent: exponent)) (\(line.pendingQuantity) units), flags [\(line.flags)]"
    }

    static func summary(_ delta: CostDelta, exponent: Int) -> String {
        "units \(delta.units), value \(formatMinorUnits(delta.value, exponent: exponent)), pending \(delta.pending)"
    }
}

/// Messages gathered a chunk of SKUs at a time and listed in one order: by section (what kind of
/// thing differs), then by key as one comparison of everything would sort them.
struct KeyedMessages {
    private struct Key: Comparable {
        var section: Int
        var text: String
        var number: Int64
        static func < (a: Key, b: Key) -> Bool {
            if a.section != b.section { return a.section < b.section }
            if a.text != b.text { return a.text < b.text }
            return a.number < b.number
        }
    }

    private var messages: [(key: Key, message: String)] = []

    mutating func add(_ message: String, section: Int, _ text: String, _ number: Int64 = 0) {
        messages.append((Key(section: section, text: text, number: number), message))
    }

    mutating func merge(_ other: KeyedMessages) { messages += other.messages }

    var inOrder: [String] { messages.sorted { $0.key < $1.key }.map(\.message) }
}
