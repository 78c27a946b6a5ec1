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

    /// The span's entries in hledger / ledger-cli journal syntax, as hledger reads a year's file
    /// after `hledger close --retain`: it opens with the balance-sheet accounts brought forward
    /// (per account, location and processor, dated the span's first day) and the result of the
    /// income and expense accounts before the span in the retained-earnings account, so that
    /// `hledger is` shows the span's result, `hledger bs` the balance sheet at its end, and
    /// `hledger bal` the trial balance's closing balances of balance-sheet accounts (the retained
    /// earnings there hold the earlier result; income and expenses the span's activity).
    /// Accounts, the commodity and payees are declared, so `hledger check -s` passes. A
    /// transaction's payee is its source type (`pos`, `cost_of_sales`, …; `opening` for the
    /// balances brought forward), its note the entry's memo. Location and processor are posting
    /// tags; the entry's source is a transaction tag.
    public static func ledgerText(
        _ allEntries: [JournalEntry], span: ReportSpan, currency: String, exponent: Int, chart: ChartOfAccounts,
        header: [String]
    ) throws(OutOfRange) -> String {
        func amount(_ minor: Int64) -> String { formatMinorUnits(minor, exponent: exponent) + " " + currency }
        func tags(location: String, processor: String) -> String {
            var tags: [String] = []
            if !location.isEmpty { tags.append("location:\(tagValue(location))") }
            if !processor.isEmpty { tags.append("processor:\(tagValue(processor))") }
            return tags.isEmpty ? "" : "  ; " + tags.joined(separator: ", ")
        }
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
        let openingLines = opening.keys.sorted().filter { opening[$0]?.isZero == false }
        let entries = Self.entries(allEntries, in: span)
        for entry in entries {
            for line in entry.lines where postedNames[line.account.code] == nil { postedNames[line.account.code] = line.account.name }
        }
        // One hledger account per code, named as the trial balance names it (the chart's name,
        // else the first name it was posted with), so `hledger bal` and trial_balance.csv agree
        // and every posting's account is one of those declared.
        var ledgerNames: [String: String] = [:]
        for (code, name) in postedNames { ledgerNames[code] = Account(code: code, name: name).ledgerName }
        for account in chart.all { ledgerNames[account.code] = account.ledgerName }
        func ledgerName(_ code: String) -> String { ledgerNames[code] ?? Account(code: code, name: "").ledgerName }

        var text = header.map { "; \($0)\n" }.joined()
        // The commodity directive fixes how hledger shows amounts: no thousands separators, the
        // currency's decimals.
        text += "\ncommodity " + formatMinorUnits(1000 * pow10(exponent), exponent: exponent) + " \(currency)\n"
        // Every account of the chart and any other the file posts to, by code.
        text += "\n"
        for code in ledgerNames.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            text += "account \(ledgerName(code))\n"
        }
        let payees = Set((openingLines.isEmpty ? [] : [openingPayee]) + entries.map(payee(of:)))
        text += "\n"
        for name in payees.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { text += "payee \(name)\n" }
        if !openingLines.isEmpty {
            text += "\n\(span.firstDay) * \(openingPayee) | Balances brought forward, the result before \(span.firstDay)"
            text += " in retained earnings\n    ; source:opening\n"
            for key in openingLines {
                let balance = try (opening[key] ?? Sum()).value("the balance of \(key.code) brought forward")
                text += "    \(ledgerName(key.code))  \(amount(balance))\(tags(location: key.location, processor: key.processor))\n"
            }
        }
        for entry in entries {
            text += "\n\(entry.date) * (\(descriptionText(entry.id))) \(payee(of: entry)) | \(descriptionText(entry.memo))\n"
            text += "    ; source:\(tagValue(entry.sourceType + " " + entry.sourceReference))"
            if let about = entry.aboutPeriod { text += ", about:\(about)" }
            text += "\n"
            for line in entry.lines {
                text += "    \(ledgerName(line.account.code))  \(amount(line.amount))\(tags(location: line.location, processor: line.processor))\n"
            }
        }
        return text
    }

    static let openingPayee = "opening"

    /// A transaction's payee: its entry's source type, made safe for the payee field (no `|`,
    /// `;` or line break), never empty.
    static func payee(of entry: JournalEntry) -> String {
        let text = descriptionText(entry.sourceType).split(separator: " ").joined(separator: " ")
        return text.isEmpty ? "countinghouse" : text
    }

    /// A tag value may not hold a comma (it ends the value) or a line break.
    static func tagValue(_ text: String) -> String {
        String(text.map { character -> Character in
            switch character {
            case ",", "\n", "\r", "\t": return " "
            default: return character
            }
        })
    }

    /// A description stays on one line; `;` would start a comment, `|` split payee and note.
    static func descriptionText(_ text: String) -> String {
        String(text.map { character -> Character in
            switch character {
            case ";", "|", "\n", "\r", "\t": return " "
            case "(", ")": return character == "(" ? "[" : "]"
            default: return character
            }
        })
    }

    private static func pow10(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
