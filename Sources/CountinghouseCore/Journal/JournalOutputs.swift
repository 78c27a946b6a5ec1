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
    public var balance: Int64 { opening + debit - credit }
}

public enum JournalOutputs {
    /// Entries dated within the span, in date, id, line order.
    public static func entries(_ entries: [JournalEntry], in span: ReportSpan) -> [JournalEntry] {
        entries.filter { $0.date >= span.firstDay && $0.date <= span.lastDay }.sorted(by: JournalEntry.precedes)
    }

    /// Every account of the chart, and any other account the entries use, by code.
    public static func trialBalance(_ entries: [JournalEntry], span: ReportSpan, chart: ChartOfAccounts) -> [TrialBalanceRow] {
        var rows: [String: TrialBalanceRow] = [:]
        for account in chart.all { rows[account.code] = TrialBalanceRow(account: account, opening: 0, debit: 0, credit: 0) }
        for entry in entries where entry.date <= span.lastDay {
            for line in entry.lines {
                var row = rows[line.account.code] ?? TrialBalanceRow(account: line.account, opening: 0, debit: 0, credit: 0)
                if entry.date < span.firstDay {
                    row.opening += line.amount
                } else {
                    row.debit += line.debit
                    row.credit += line.credit
                }
                rows[line.account.code] = row
            }
        }
        return rows.values.sorted { $0.account < $1.account }
    }

    /// The span's entries in hledger / ledger-cli journal syntax. It opens with the balances
    /// brought forward (per account, location and processor, dated the span's first day) so that
    /// `hledger bal` gives the trial balance's closing balances. Location and processor are
    /// posting tags; the entry's source is a transaction tag.
    public static func ledgerText(
        _ allEntries: [JournalEntry], span: ReportSpan, currency: String, exponent: Int, chart: ChartOfAccounts,
        header: [String]
    ) -> String {
        // One hledger account per code, named as the trial balance names it (the chart's name,
        // else the name it was posted with), so `hledger bal` and trial_balance.csv agree.
        func ledgerName(_ account: Account) -> String {
            Account(code: account.code, name: chart.name(ofCode: account.code, fallback: account.name)).ledgerName
        }
        var text = header.map { "; \($0)\n" }.joined()
        // The commodity directive fixes how hledger shows amounts: no thousands separators, the
        // currency's decimals.
        text += "\ncommodity " + formatMinorUnits(1000 * pow10(exponent), exponent: exponent) + " \(currency)\n"
        var opening: [AccountLineKey: Int64] = [:]
        var postedNames: [String: String] = [:]
        for entry in allEntries where entry.date < span.firstDay { Books.add(entry, to: &opening, names: &postedNames) }
        func amount(_ minor: Int64) -> String { formatMinorUnits(minor, exponent: exponent) + " " + currency }
        func tags(location: String, processor: String) -> String {
            var tags: [String] = []
            if !location.isEmpty { tags.append("location:\(tagValue(location))") }
            if !processor.isEmpty { tags.append("processor:\(tagValue(processor))") }
            return tags.isEmpty ? "" : "  ; " + tags.joined(separator: ", ")
        }
        let openingLines = opening.keys.sorted().filter { opening[$0] != 0 }
        if !openingLines.isEmpty {
            text += "\n\(span.firstDay) * Balances brought forward\n    ; source:opening\n"
            for key in openingLines {
                let account = Account(code: key.code, name: postedNames[key.code] ?? "")
                text += "    \(ledgerName(account))  \(amount(opening[key]!))\(tags(location: key.location, processor: key.processor))\n"
            }
        }
        for entry in Self.entries(allEntries, in: span) {
            text += "\n\(entry.date) * (\(descriptionText(entry.id))) \(descriptionText(entry.memo))\n"
            text += "    ; source:\(tagValue(entry.sourceType + " " + entry.sourceReference))"
            if let about = entry.aboutPeriod { text += ", about:\(about)" }
            text += "\n"
            for line in entry.lines {
                text += "    \(ledgerName(line.account))  \(amount(line.amount))\(tags(location: line.location, processor: line.processor))\n"
            }
        }
        return text
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
