// The journal's outputs (FORMATS §4): journal.csv, trial_balance.csv, drift.csv and the same
// journal in hledger / ledger-cli syntax.
//
// Place in the pipeline: pure renderings of entries already made; nothing here computes an
// amount that the entries do not hold. The trial balance's opening is every entry before the span
// (from the first ledger row on), so an account's closing balance is everything up to the span's
// end, and the inventory account's equals the valuation.

public struct TrialBalanceRow: Sendable, Hashable {
    public var account: Account
    public var opening: Int64
    public var debit: Int64
    public var credit: Int64
    /// opening + debit − credit.
    public var balance: Int64

    public init(account: Account, opening: Int64, debit: Int64, credit: Int64, balance: Int64) {
        self.account = account
        self.opening = opening
        self.debit = debit
        self.credit = credit
        self.balance = balance
    }
}

public enum JournalOutputs {
    /// Entries dated within the span, in date, id, line order.
    public static func entries(_ entries: [JournalEntry], in span: ReportSpan) -> [JournalEntry] {
        entries.filter { $0.date >= span.firstDay && $0.date <= span.lastDay }.sorted(by: JournalEntry.precedes)
    }

    /// Every account of the chart, and any other account the entries use, by code. Sums are made
    /// without overflow; one beyond 64 bits is an error naming the account.
    public static func trialBalance(_ entries: [JournalEntry], span: ReportSpan, chart: ChartOfAccounts) throws(OutOfRange)
        -> [TrialBalanceRow]
    {
        var sums: [String: (account: Account, opening: Sum, debit: Sum, credit: Sum)] = [:]
        for account in chart.all { sums[account.code] = (account, Sum(), Sum(), Sum()) }
        for entry in entries where entry.date <= span.lastDay {
            for line in entry.lines {
                var sum = sums[line.account.code] ?? (line.account, Sum(), Sum(), Sum())
                if entry.date < span.firstDay {
                    sum.opening += line.amount
                } else {
                    sum.debit += line.debit
                    sum.credit += line.credit
                }
                sums[line.account.code] = sum
            }
        }
        var rows: [TrialBalanceRow] = []
        for sum in sums.values.sorted(by: { $0.account < $1.account }) {
            let what = "the trial balance's account \(sum.account.code)"
            rows.append(
                TrialBalanceRow(
                    account: sum.account, opening: try sum.opening.value(what), debit: try sum.debit.value(what),
                    credit: try sum.credit.value(what), balance: try (sum.opening + sum.debit - sum.credit).value(what)))
        }
        return rows
    }

    /// The journal of a span as a journal file (hledger's) holds it, the way hledger reads a
    /// year's file after `hledger close --retain`: the balance-sheet accounts brought forward (per
    /// account, location and processor, dated the span's first day), the result of the income and
    /// expense accounts before the span in the retained-earnings account, and the span's entries;
    /// so `hledger is` shows the span's result, `hledger bs` the balance sheet at its end, and
    /// `hledger bal` the trial balance's closing balances of the balance-sheet accounts other than
    /// retained earnings (which holds the earlier result here; the trial balance keeps it in the
    /// income and expense accounts' opening column). The report module's `LedgerWriter` renders it.
    public static func spanJournal(_ allEntries: [JournalEntry], span: ReportSpan, chart: ChartOfAccounts) throws(OutOfRange)
        -> SpanJournal
    {
        var earlier: [AccountLineKey: Sum] = [:]
        var postedNames: [String: String] = [:]
        for entry in allEntries where entry.date < span.firstDay {
            Books.add(entry, to: &earlier, names: &postedNames, keepingFirstName: true)
        }
        // Balance-sheet accounts come forward as they are; income and expenses (their result before
        // the span) go into the retained-earnings account, at the same location and processor.
        let retained = chart[.retainedEarnings]
        var opening: [AccountLineKey: Sum] = [:]
        for (key, sum) in earlier {
            if AccountType(code: key.code).isBalanceSheet {
                opening[key, default: Sum()] += sum
            } else {
                opening[AccountLineKey(code: retained.code, location: key.location, processor: key.processor), default: Sum()] += sum
            }
        }
        let entries = Self.entries(allEntries, in: span)
        for entry in entries {
            for line in entry.lines where postedNames[line.account.code] == nil { postedNames[line.account.code] = line.account.name }
        }
        // One account per code, named as the trial balance names it (the chart's name, else the
        // first name it was posted with), so `hledger bal` and trial_balance.csv agree and every
        // posting's account is one of those declared.
        var names = postedNames
        for account in chart.all { names[account.code] = account.name }
        var balances: [OpeningBalance] = []
        for key in opening.keys.sorted() {
            guard let sum = opening[key], !sum.isZero else { continue }
            balances.append(
                OpeningBalance(
                    account: Account(code: key.code, name: names[key.code] ?? ""), location: key.location, processor: key.processor,
                    amount: try sum.value("the balance of \(key.code) brought forward")))
        }
        let accounts = names.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.map { Account(code: $0, name: names[$0] ?? "") }
        return SpanJournal(firstDay: span.firstDay, accounts: accounts, opening: balances, entries: entries)
    }
}

/// The journal of a span as a journal file holds it (see `JournalOutputs.spanJournal`).
public struct SpanJournal: Sendable, Hashable {
    /// The day the balances are brought forward on.
    public var firstDay: CivilDate
    /// Every account the file names (the chart's and any other posted), by code, with the name the
    /// trial balance shows.
    public var accounts: [Account]
    /// The balances brought forward, by account code, location and processor.
    public var opening: [OpeningBalance]
    /// The span's entries, in journal order.
    public var entries: [JournalEntry]
}

/// One balance brought forward: an account at a location and processor.
public struct OpeningBalance: Sendable, Hashable {
    public var account: Account
    public var location: String
    public var processor: String
    public var amount: Int64
}
