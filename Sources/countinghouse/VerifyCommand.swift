import ArgumentParser
import CountinghouseCore
import CountinghouseStore

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Checks the ledger's and the books' invariants and lists every failure; exits 1 when any fails.",
        discussion: """
            Checks: every ledger table's hash chain (nothing altered behind the program's back); the cost
            cache equals a full rebuild; on-hand units from the engine equal plain signed sums in SQL; every
            journal entry balances and the trial balance sums to zero; the inventory account per location
            equals the valuation, in transit likewise; value conservation of the cost runs; every closed
            period's posted journal and files equal a recomputation as known at its close.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Rebuild the cost cache from the ledger first (it is only a cache; use after a failed cache check).")
    var rebuildCache = false

    func run() throws {
        let environment = try CommandEnvironment(global)
        let store = try openLedgerStoreForCommand(environment)
        if rebuildCache {
            _ = try store.refreshCostCache(rebuild: true)
            print("cost cache rebuilt from the ledger")
        }
        let report = try LedgerVerifier.verify(store)
        var checks = report.checks.map { (name: $0.name, failures: $0.failures, messages: [String]()) }
        for finding in report.findings {
            if let index = checks.firstIndex(where: { $0.name == finding.check }) { checks[index].messages.append(finding.message) }
        }
        for (name, messages) in try booksChecks(store, environment: environment, valueConservation: report.valueConservation) {
            checks.append((name, messages.count, messages))
        }
        for check in checks {
            print("\(check.failures == 0 ? "ok    " : "FAILED") \(check.name)\(check.failures == 0 ? "" : " (\(check.failures))")")
            for message in check.messages.prefix(20) { print("  \(check.name): \(message)") }
            if check.messages.count > 20 && !check.messages.last!.hasPrefix("… and") {
                print("  \(check.name): … and \(check.messages.count - 20) more")
            }
        }
        if checks.contains(where: { $0.failures > 0 }) { throw ExitCode.failure }
    }

    /// The checks of the books (§7.1–7.2, 7.6), as known now, and value conservation (§7.3) of
    /// the rebuild `LedgerVerifier` already made.
    func booksChecks(
        _ store: any LedgerStore, environment: CommandEnvironment, valueConservation: [String]
    ) throws -> [(String, [String])] {
        let books = try BooksView(store, environment: environment, knownAt: environment.now)
        let exponent = environment.currencyExponent
        var results: [(String, [String])] = []
        results.append(("journal entries balance", BooksChecks.balance(books.entries)))
        results.append((
            "inventory account = valuation",
            BooksChecks.inventoryEqualsValuation(
                books.entries, positions: try books.positions(through: Instant(nanosecondsSinceEpoch: .max)),
                chart: environment.configuration.chart, exponent: exponent)
        ))
        results.append(("value conservation", valueConservation))
        var closedMessages: [String] = []
        for closed in books.closed {
            let atClose = try BooksView(store, environment: environment, knownAt: closed.closedAt, closesBefore: closed.span)
            let recomputed = JournalOutputs.entries(atClose.entries, in: closed.span)
            closedMessages += BooksChecks.postedEqualsRecomputed(
                period: closed.period, posted: closed.entries, recomputed: recomputed)
            // §7.2 at the period's end, as posted: the books up to then against the valuation
            // as known at the close.
            let end = environment.zone.startOfDay(closed.span.endDay)
            let booksUpToEnd = (books.closed.prefix { $0.span.firstDay <= closed.span.firstDay }).flatMap(\.entries)
            closedMessages += BooksChecks.inventoryEqualsValuation(
                booksUpToEnd, positions: try atClose.positions(through: Instant(nanosecondsSinceEpoch: end.nanosecondsSinceEpoch - 1)),
                chart: environment.configuration.chart, exponent: exponent
            ).map { "\(closed.period), at its end as posted: \($0)" }
            for file in try ReportFiles.books(atClose, span: closed.span, environment: environment).files {
                let posted = try store.postedFile(period: closed.period, name: file.name)
                if posted?.content != file.content {
                    closedMessages.append(
                        posted == nil
                            ? "\(closed.period): the posted \(file.name) is missing"
                            : "\(closed.period): the posted \(file.name) differs from a recomputation as known at the close"
                                + " (a change of the chart of accounts, time zone or currency since then also shows here)")
                }
            }
        }
        results.append(("closed periods = recomputed at their close", closedMessages))
        return results
    }
}
