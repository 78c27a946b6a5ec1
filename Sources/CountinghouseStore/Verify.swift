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
    public static func verify(_ store: any LedgerStore, exponent: Int = 2) throws -> VerifyReport {
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
        // everything it covers in memory and compare.
        _ = try store.refreshCostCache(rebuild: false)
        let through = try store.costCacheThroughFileID() ?? 0
        let (cachedCheckpoints, cachedLinks) = try store.cachedCheckpoints()
        var boundaries: [String: Set<Instant>] = [:]
        for checkpoint in cachedCheckpoints { boundaries[checkpoint.sku, default: []].insert(checkpoint.boundary) }
        let rebuilt = try store.costRuns(skus: nil, throughFileID: through, checkpointBoundaries: boundaries)
        let cached = try store.cachedContents()
        record("cost cache = rebuild", compare(cached: cached, rebuilt: rebuilt, exponent: exponent))
        record(
            "cost checkpoints = rebuild",
            compare(checkpoints: cachedCheckpoints, links: cachedLinks, rebuilt: rebuilt, exponent: exponent))
        report.valueConservation = BooksChecks.valueConservation(rebuilt, exponent: exponent)

        var engineUnits: [SKULocation: Int64] = [:]
        for position in try CostDelta.positions(rebuilt.flatMap(\.deltas)) {
            engineUnits[SKULocation(sku: position.sku, location: position.location)] = position.quantityOnHand
        }
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

    static func compare(cached: CostCacheContents, rebuilt: [SKUCostRun], exponent: Int) -> [String] {
        func summary(_ line: CogsLine) -> String { Self.summary(line, exponent: exponent) }
        func summary(_ delta: CostDelta) -> String { Self.summary(delta, exponent: exponent) }
        var messages: [String] = []
        let cachedLines = Dictionary(cached.lines.map { ("\($0.sku)#\($0.sequence)", $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltLines = Dictionary(
            rebuilt.flatMap(\.cogsLines).map { ("\($0.sku)#\($0.sequence)", $0) }, uniquingKeysWith: { a, _ in a })
        for key in Set(cachedLines.keys).union(rebuiltLines.keys).sorted() {
            switch (cachedLines[key], rebuiltLines[key]) {
            case (let cachedLine?, let rebuiltLine?) where cachedLine != rebuiltLine:
                messages.append("outflow \(rebuiltLine.outflowID) of \(rebuiltLine.sku): cached \(summary(cachedLine)), rebuilt \(summary(rebuiltLine))")
            case (let cachedLine?, nil):
                messages.append("outflow \(cachedLine.outflowID) of \(cachedLine.sku) is cached but not in a rebuild")
            case (nil, let rebuiltLine?):
                messages.append("outflow \(rebuiltLine.outflowID) of \(rebuiltLine.sku) is missing from the cache")
            default:
                break
            }
        }
        func key(_ delta: CostDelta) -> String { "\(delta.sku)#\(delta.sequence)#\(delta.location)" }
        let cachedDeltas = Dictionary(cached.deltas.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltDeltas = Dictionary(rebuilt.flatMap(\.deltas).map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for deltaKey in Set(cachedDeltas.keys).union(rebuiltDeltas.keys).sorted()
        where cachedDeltas[deltaKey] != rebuiltDeltas[deltaKey] {
            let shown = rebuiltDeltas[deltaKey] ?? cachedDeltas[deltaKey]!
            messages.append(
                "stock movement \(shown.sequence) of \(shown.sku) at \(shown.location): cached "
                    + (cachedDeltas[deltaKey].map(summary) ?? "nothing") + ", rebuilt "
                    + (rebuiltDeltas[deltaKey].map(summary) ?? "nothing"))
        }
        func key(_ posting: StockPosting) -> String { "\(posting.sku)#\(posting.sequence)" }
        let cachedPostings = Dictionary(cached.postings.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltPostings = Dictionary(rebuilt.flatMap(\.stockPostings).map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for postingKey in Set(cachedPostings.keys).union(rebuiltPostings.keys).sorted()
        where cachedPostings[postingKey] != rebuiltPostings[postingKey] {
            let shown = rebuiltPostings[postingKey] ?? cachedPostings[postingKey]!
            messages.append(
                "stock posting \(shown.sequence) of \(shown.sku) (\(shown.source)): cached "
                    + (cachedPostings[postingKey].map { "value \(formatMinorUnits($0.value, exponent: exponent))" } ?? "nothing")
                    + ", rebuilt "
                    + (rebuiltPostings[postingKey].map { "value \(formatMinorUnits($0.value, exponent: exponent))" } ?? "nothing"))
        }
        return messages
    }

    static func compare(checkpoints: [CostCheckpoint], links: [ReferenceLink], rebuilt: [SKUCostRun], exponent: Int) -> [String] {
        func summary(_ checkpoint: CostCheckpoint) -> String { Self.summary(checkpoint, exponent: exponent) }
        var messages: [String] = []
        let rebuiltCheckpoints = Dictionary(
            rebuilt.flatMap(\.checkpoints).map { (CheckpointKey($0), $0) }, uniquingKeysWith: { a, _ in a })
        for checkpoint in checkpoints {
            switch rebuiltCheckpoints[CheckpointKey(checkpoint)] {
            case nil:
                messages.append("checkpoint of \(checkpoint.sku) at \(checkpoint.boundary): a rebuild is not settled there")
            case let again? where again != checkpoint:
                messages.append(
                    "checkpoint of \(checkpoint.sku) at \(checkpoint.boundary): cached \(summary(checkpoint)), rebuilt \(summary(again))")
            default:
                break
            }
        }
        struct LinkKey: Hashable { var sku: String; var sequence: Int64 }
        let cachedLinks = Dictionary(links.map { (LinkKey(sku: $0.sku, sequence: $0.sequence), $0) }, uniquingKeysWith: { a, _ in a })
        let rebuiltLinks = Dictionary(
            rebuilt.flatMap(\.links).map { (LinkKey(sku: $0.sku, sequence: $0.sequence), $0) }, uniquingKeysWith: { a, _ in a })
        for key in Set(cachedLinks.keys).union(rebuiltLinks.keys).sorted(by: { ($0.sku, $0.sequence) < ($1.sku, $1.sequence) })
        where cachedLinks[key] != rebuiltLinks[key] {
            func text(_ link: ReferenceLink?) -> String {
                link.map { "\($0.kind.rawValue) \($0.documentID):\($0.lineNumber), \($0.countedUnits) units counted" } ?? "nothing"
            }
            messages.append("reference of event \(key.sequence) of \(key.sku): cached \(text(cachedLinks[key])), rebuilt \(text(rebuiltLinks[key]))")
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
