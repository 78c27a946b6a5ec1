// The invariants of SEMANTICS §7 about the books, each checked apart from the code that keeps it,
// every failure listed: entries balance and the trial balance sums to zero (§7.1); the inventory
// account per location equals the valuation, and in transit likewise (§7.2); value conservation of
// every cost run (§7.3); closed periods equal a recomputation as known at their close (§7.6); at
// every period end the card accounts tie to the reconciliation's open items (§7.8).

public enum BooksChecks {
    /// §7.1: every entry's lines sum to zero; all lines together (the trial balance) too.
    public static func balance(_ entries: [JournalEntry], exponent: Int) -> [String] {
        var messages: [String] = []
        var total: Int128 = 0
        for entry in entries {
            total += entry.imbalance
            if entry.imbalance != 0 {
                messages.append(
                    "entry \(entry.id) of \(entry.date) does not balance: debits − credits = \(formatMinorUnits(sum: entry.imbalance, exponent: exponent))")
            }
        }
        if total != 0 { messages.append("the trial balance does not sum to zero: \(formatMinorUnits(sum: total, exponent: exponent))") }
        return messages
    }

    /// §7.2: per location, the inventory account's balance over all entries = the valuation's
    /// value; the in-transit account = the value in transit.
    public static func inventoryEqualsValuation(
        _ entries: [JournalEntry], positions: [StockPosition], chart: ChartOfAccounts, exponent: Int
    ) -> [String] {
        var books: [OpaqueID: Sum] = [:]
        var valuation: [OpaqueID: Sum] = [:]
        let inventory = chart[.inventory].code
        let transit = chart[.inventoryInTransit].code
        for entry in entries {
            for line in entry.lines {
                if line.account.code == inventory { books[OpaqueID(line.location), default: Sum()] += line.amount }
                if line.account.code == transit { books[OpaqueID(inTransitLocation), default: Sum()] += line.amount }
            }
        }
        for position in positions { valuation[OpaqueID(position.location), default: Sum()] += position.value }
        var messages: [String] = []
        for key in Set(books.keys).union(valuation.keys).sorted() {
            let location = key.text
            let account = books[key] ?? Sum()
            let value = valuation[key] ?? Sum()
            if account != value {
                let name = location == inTransitLocation ? "inventory in transit (\(transit))" : "inventory (\(inventory)) at \(location)"
                messages.append(
                    "\(name): the books say \(formatMinorUnits(sum: account.total, exponent: exponent)), the valuation \(formatMinorUnits(sum: value.total, exponent: exponent))")
            }
        }
        return messages
    }

    /// §7.3 (§3.5): per SKU, the inflows' values = the outflows' final costs + what remains in the
    /// layers + what provisional layers handed out or self-dependent fills took (the unresolved part).
    public static func valueConservation(_ runs: [SKUCostRun], exponent: Int) -> [String] {
        var messages: [String] = []
        for run in runs {
            var inflows = Sum()
            var allocated = [Sum](repeating: Sum(), count: run.layers.count)
            var unresolved = Sum()
            for layer in run.layers { inflows += layer.value }
            for allocation in run.allocations {
                allocated[allocation.layer] += allocation.value
                if run.layers[allocation.layer].provisional || allocation.selfDependent { unresolved += allocation.value }
            }
            var remaining = Sum()
            for (index, layer) in run.layers.enumerated() { remaining += Sum(layer.value) - allocated[index] }
            var finalCosts = Sum()
            for outflow in run.outflows { finalCosts += outflow.finalCost }
            if inflows != finalCosts + remaining + unresolved {
                func money(_ sum: Sum) -> String { formatMinorUnits(sum: sum.total, exponent: exponent) }
                messages.append(
                    "\(run.sku): inflow values \(money(inflows)) ≠ final costs \(money(finalCosts)) + remaining layers \(money(remaining)) + unresolved \(money(unresolved))")
            }
        }
        return messages
    }

    /// §7.6: what was posted for a period against the same period recomputed as known at its close.
    /// Entries are compared by account code, amount, location, processor and memo (account names
    /// are the chart's, which may have been renamed since).
    public static func postedEqualsRecomputed(period: Period, posted: [JournalEntry], recomputed: [JournalEntry]) -> [String] {
        func key(_ entry: JournalEntry) -> String { "\(entry.date) \(entry.id)" }
        func withoutNames(_ entry: JournalEntry) -> JournalEntry {
            var copy = entry
            for index in copy.lines.indices { copy.lines[index].account.name = "" }
            return copy
        }
        let postedByKey = Dictionary(posted.map { (key($0), withoutNames($0)) }, uniquingKeysWith: { a, _ in a })
        let recomputedByKey = Dictionary(recomputed.map { (key($0), withoutNames($0)) }, uniquingKeysWith: { a, _ in a })
        var messages: [String] = []
        for entryKey in Set(postedByKey.keys).union(recomputedByKey.keys).sorted() {
            switch (postedByKey[entryKey], recomputedByKey[entryKey]) {
            case (let postedEntry?, let recomputedEntry?) where postedEntry != recomputedEntry:
                messages.append(
                    "\(period): entry \(entryKey) was posted as \(summary(postedEntry)); recomputed as known at the close: \(summary(recomputedEntry))")
            case (_?, nil): messages.append("\(period): entry \(entryKey) was posted but is not in a recomputation as known at the close")
            case (nil, let recomputedEntry?):
                messages.append("\(period): entry \(entryKey) is missing from what was posted (recomputed: \(summary(recomputedEntry)))")
            default: break
            }
        }
        return messages
    }

    static func summary(_ entry: JournalEntry) -> String {
        entry.lines.map { line in
            "\(line.account.code)\(line.location.isEmpty ? "" : "@" + line.location) \(line.amount)"
        }.joined(separator: ", ")
    }

    /// §7.8: at the end of each day in `periodEnds`, per processor, the journal's card clearing =
    /// the sum of the match groups' residuals, and its processor balance = the nets not paid out +
    /// the payouts' residuals (SEMANTICS §6.7). `entries`: the journal as computed (no closes).
    public static func cardMoneyTies(
        _ entries: [JournalEntry], reconciliation: Reconciliation, periodEnds: [CivilDate], chart: ChartOfAccounts, exponent: Int,
        statesMade: [ReconciliationState] = []
    ) -> [String] {
        let clearingCode = chart[.cardClearing].code
        let balanceCode = chart[.processorBalance].code
        let sorted = entries.sorted { $0.date < $1.date }
        var messages: [String] = []
        var position = 0
        var clearing: [String: Sum] = [:]
        var balance: [String: Sum] = [:]
        func money(_ sum: Sum) -> String { formatMinorUnits(sum: sum.total, exponent: exponent) }
        for end in periodEnds.sorted() {
            while position < sorted.count && sorted[position].date <= end {
                for line in sorted[position].lines {
                    if line.account.code == clearingCode { clearing[line.processor, default: Sum()] += line.amount }
                    if line.account.code == balanceCode { balance[line.processor, default: Sum()] += line.amount }
                }
                position += 1
            }
            // A state already made at that day (a report's end) has the same balances.
            let state =
                statesMade.first { $0.lastDay == end && $0.reconciliation.items === reconciliation.items }
                ?? reconciliation.balances(atEndOf: end)
            var residuals: [String: Sum] = [:]
            for (lead, residual) in state.openGroups { residuals[reconciliation.processor(of: lead), default: Sum()] += residual }
            var itemised: [String: Sum] = [:]
            let items = reconciliation.items
            for index in items.records.indices
            where state.isKnown(.record(index)) && items.recordType[index] != .payout && !state.isPaidOut(record: index) {
                itemised[items.processor(ofRecord: index), default: Sum()] += items.recordNet[index]
            }
            for payout in state.payouts { itemised[payout.processor, default: Sum()] += payout.residual }
            let byteOrder: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for processor in Set(clearing.keys).union(residuals.keys).sorted(by: byteOrder) {
                let books = clearing[processor] ?? Sum()
                let open = residuals[processor] ?? Sum()
                if books != open {
                    messages.append(
                        "\(end), \(processor.isEmpty ? "card tenders without a processor" : processor): card clearing (\(clearingCode)) is \(money(books)) in the journal, the open match groups add up to \(money(open))")
                }
            }
            for processor in Set(balance.keys).union(itemised.keys).sorted(by: byteOrder) {
                let books = balance[processor] ?? Sum()
                let open = itemised[processor] ?? Sum()
                if books != open {
                    messages.append(
                        "\(end), \(processor): processor balance (\(balanceCode)) is \(money(books)) in the journal, the nets not paid out and the payouts' residuals add up to \(money(open))")
                }
            }
        }
        return messages
    }
}
