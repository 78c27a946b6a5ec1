// `verify`: every invariant of SEMANTICS §7 that exists so far, each checked apart from the code
// that keeps it, every failure listed (not only the first). The ledger's own checks (hash chains,
// the cost cache against a rebuild, on-hand units against plain sums) are the store's
// `LedgerVerifier`; the books' (entries balance, inventory = valuation, value conservation, closed
// periods = a recomputation as known at their close) are here.
import CountinghouseCore
import CountinghouseReport
import CountinghouseStore

/// One invariant checked: its name, how many failures, and the messages listed.
public struct VerifyCheck: Sendable {
    public var name: String
    public var failures: Int
    public var messages: [String]
}

public struct VerifyOutcome: Sendable {
    public var cacheRebuilt: Bool
    public var checks: [VerifyCheck]

    public var passed: Bool { !checks.contains { $0.failures > 0 } }

    /// What `verify` prints: `ok` or `FAILED` per check, then at most 20 messages of each.
    public var lines: [String] {
        var lines: [String] = cacheRebuilt ? ["cost cache rebuilt from the ledger"] : []
        for check in checks {
            lines.append("\(check.failures == 0 ? "ok    " : "FAILED") \(check.name)\(check.failures == 0 ? "" : " (\(check.failures))")")
            // The store's checks arrive with their first 20 messages (the failures count them
            // all); the books' checks with every message.
            for message in check.messages.prefix(20) { lines.append("  \(check.name): \(message)") }
            if check.failures > 20 { lines.append("  \(check.name): … and \(check.failures - 20) more") }
        }
        return lines
    }
}

public enum VerifyJob {
    /// Runs every check as known now; with `rebuildCache`, drops the cost cache and rebuilds it from
    /// the ledger first (it is only a cache).
    public static func verify(_ session: Session, rebuildCache: Bool) throws -> VerifyOutcome {
        let store = session.store
        if rebuildCache { _ = try store.refreshCostCache(rebuild: true) }
        let report = try LedgerVerifier.verify(store, exponent: session.context.currencyExponent)
        var checks = report.checks.map { VerifyCheck(name: $0.name, failures: $0.failures, messages: []) }
        for finding in report.findings {
            if let index = checks.firstIndex(where: { $0.name == finding.check }) { checks[index].messages.append(finding.message) }
        }
        for (name, messages) in try booksChecks(session, valueConservation: report.valueConservation) {
            checks.append(VerifyCheck(name: name, failures: messages.count, messages: messages))
        }
        return VerifyOutcome(cacheRebuilt: rebuildCache, checks: checks)
    }

    /// What else than tampering makes a closed period's recomputation differ from what was posted.
    static let configurationSinceTheClose =
        "a change of the chart of accounts, time zone, currency or [reconciliation] since then also shows here"

    /// The checks of the books (§7.1–7.2, 7.6), as known now, and value conservation (§7.3) of
    /// the rebuild `LedgerVerifier` already made.
    static func booksChecks(_ session: Session, valueConservation: [String]) throws -> [(String, [String])] {
        let (store, context) = (session.store, session.context)
        let books = try BooksAsKnown(session, knownAt: context.knownNow, detail: .nothing)
        let exponent = context.currencyExponent
        let chart = context.configuration.chart
        var results: [(String, [String])] = []
        results.append(("journal entries balance", BooksChecks.balance(books.entries, exponent: exponent)))
        results.append((
            "inventory account = valuation",
            BooksChecks.inventoryEqualsValuation(
                books.entries, positions: try books.positions(through: Instant(nanosecondsSinceEpoch: .max)), chart: chart,
                exponent: exponent)
        ))
        results.append(("value conservation", valueConservation))
        var closedMessages: [String] = []
        for closed in books.closed {
            let atClose = try BooksAsKnown(
                session, knownAt: .at(closed.closedAt), closesBefore: closed.span, detail: .movements(in: closed.span))
            let recomputed = JournalOutputs.entries(atClose.entries, in: closed.span)
            let differences = BooksChecks.postedEqualsRecomputed(period: closed.period, posted: closed.entries, recomputed: recomputed)
            if !differences.isEmpty {
                // First, as a list shows only its first lines: the cause the person on call should
                // rule out before tampering, a configuration other than the close's.
                closedMessages.append(
                    "\(closed.period): \(differences.count) posted \(differences.count == 1 ? "entry differs" : "entries differ")"
                        + " from a recomputation as known at the close (\(configurationSinceTheClose): verify with the configuration"
                        + " the close ran with)")
                closedMessages += differences
            }
            // §7.2 at the period's end, as posted: the books up to then against the valuation
            // as known at the close.
            let end = context.startOfDay(closed.span.endDay)
            let booksUpToEnd = (books.closed.prefix { $0.span.firstDay <= closed.span.firstDay }).flatMap(\.entries)
            closedMessages += BooksChecks.inventoryEqualsValuation(
                booksUpToEnd, positions: try atClose.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)),
                chart: chart, exponent: exponent
            ).map { "\(closed.period), at its end as posted: \($0)" }
            // A file's bytes are compared only with what this version writes: another version
            // may lay the same figures out otherwise (its entries are compared above either way).
            guard closed.programVersion == countinghouseVersion else { continue }
            var recomputedFiles = try booksFolder(atClose, span: closed.span, context: context)
            // The reconciliation files, when the close posted them (a close before they were posted has none).
            if try ReconcileJob.posted(session, closed.period) != nil {
                for table in try ReconcileJob.files(atClose, span: closed.span, context: context).tables { recomputedFiles.add(csv: table) }
            }
            for file in recomputedFiles.files {
                let posted = try store.postedFile(period: closed.period, name: file.name)
                if posted?.content != file.rendered {
                    closedMessages.append(
                        posted == nil
                            ? "\(closed.period): the posted \(file.name) is missing"
                            : "\(closed.period): the posted \(file.name) differs from a recomputation as known at the close"
                                + " (\(configurationSinceTheClose))")
                }
            }
        }
        results.append(("closed periods = recomputed at their close", closedMessages))
        var phases = PhaseTimer()
        // §7.8 at every month end from the first card item's month to the last one's; after it the
        // balances change only on write-off days: the ends of their months (a write-off dated far
        // ahead by a typo costs one check, not one per month in between).
        var periodEnds: [CivilDate] = []
        if let days = books.reconciliation.itemDays {
            var period = Period(containing: days.lowerBound)
            while period.span.firstDay <= days.upperBound {
                periodEnds.append(period.span.lastDay)
                period = period.next
            }
            let later = Set(books.reconciliation.writeOffDayList.filter { $0 > days.upperBound }.map { Period(containing: $0).span.lastDay })
            periodEnds += later.sorted().filter { !periodEnds.contains($0) }
        }
        results.append((
            "card clearing and processor balance = open reconciliation items",
            BooksChecks.cardMoneyTies(
                books.computed, reconciliation: books.reconciliation, periodEnds: periodEnds, chart: chart, exponent: exponent)
        ))
        phases.mark("card money at \(periodEnds.count) month ends")
        return results
    }
}
