// The writer of the hledger / ledger-cli journal (journal.ledger): a span's journal as the core
// computed it (`SpanJournal`: balances brought forward, retained earnings, the span's entries).
//
// Accounts, the commodity and payees are declared, so `hledger check -s` passes. Accounts are
// `Assets:1200 Inventory` (hledger infers the type from the top level). A transaction's payee is
// its source type (`pos`, `cost_of_sales`, …; `opening` for the balances brought forward), its note
// the entry's memo. Location and processor are posting tags; the entry's source is a transaction
// tag. The same journal gives the same bytes.
import CountinghouseCore

public enum LedgerWriter {
    /// journal.ledger: `header` lines as comments, then the declarations, the opening transaction
    /// and the entries.
    public static func render(_ journal: SpanJournal, currency: String, exponent: Int, header: [String]) -> String {
        pieces(journal, currency: currency, exponent: exponent, header: header).joined
    }

    /// The same text in pieces, made as they are read: the header, declarations and opening
    /// transaction, then each entry.
    public static func pieces(_ journal: SpanJournal, currency: String, exponent: Int, header: [String]) -> TextPieces {
        @Sendable func amount(_ minor: Int64) -> String { formatMinorUnits(minor, exponent: exponent) + " " + currency }
        @Sendable func tags(location: String, processor: String) -> String {
            var tags: [String] = []
            if !location.isEmpty { tags.append("location:\(tagValue(location))") }
            if !processor.isEmpty { tags.append("processor:\(tagValue(processor))") }
            return tags.isEmpty ? "" : "  ; " + tags.joined(separator: ", ")
        }
        var names: [String: String] = [:]
        for account in journal.accounts { names[account.code] = account.ledgerName }
        let ledgerNames = names
        @Sendable func ledgerName(_ code: String) -> String { ledgerNames[code] ?? Account(code: code, name: "").ledgerName }

        var text = header.map { "; \($0)\n" }.joined()
        // The commodity directive fixes how hledger shows amounts: no thousands separators, the
        // currency's decimals.
        text += "\ncommodity " + formatMinorUnits(1000 * pow10(exponent), exponent: exponent) + " \(currency)\n"
        // Every account of the chart and any other the file posts to, by code.
        text += "\n"
        for account in journal.accounts { text += "account \(ledgerName(account.code))\n" }
        let payees = Set((journal.opening.isEmpty ? [] : [openingPayee]) + journal.entries.map(payee(of:)))
        text += "\n"
        for name in payees.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) { text += "payee \(name)\n" }
        if !journal.opening.isEmpty {
            text += "\n\(journal.firstDay) * \(openingPayee) | Balances brought forward, the result before \(journal.firstDay)"
            text += " in retained earnings\n    ; source:opening\n"
            for balance in journal.opening {
                text += "    \(ledgerName(balance.account.code))  \(amount(balance.amount))"
                    + "\(tags(location: balance.location, processor: balance.processor))\n"
            }
        }
        let (preamble, entries) = (text, journal.entries)
        return TextPieces(count: entries.count + 1) { index in
            guard index > 0 else { return preamble }
            let entry = entries[index - 1]
            var text = "\n\(entry.date) * (\(descriptionText(entry.id))) \(payee(of: entry)) | \(descriptionText(entry.memo))\n"
            text += "    ; source:\(tagValue(entry.sourceType + " " + entry.sourceReference))"
            if let about = entry.aboutPeriod { text += ", about:\(about)" }
            text += "\n"
            for line in entry.lines {
                text += "    \(ledgerName(line.account.code))  \(amount(line.amount))\(tags(location: line.location, processor: line.processor))\n"
            }
            return text
        }
    }

    static let openingPayee = "opening"

    /// A transaction's payee: its entry's source type, made safe for the payee field (no `|`,
    /// `;` or line break), never empty.
    static func payee(of entry: JournalEntry) -> String {
        let text = descriptionText(entry.sourceType).split(separator: " ").joined(separator: " ")
        return text.isEmpty ? "countinghouse" : text
    }

    /// A tag value may not hold a comma (it ends the value) or a line break. (Code points, not
    /// characters: CRLF, or a `,` with a combining mark, is one character but still two bytes
    /// hledger reads.)
    static func tagValue(_ text: String) -> String {
        mapScalars(text) { scalar in
            switch scalar {
            case ",", "\n", "\r", "\t": return " "
            default: return scalar
            }
        }
    }

    /// A description stays on one line; `;` would start a comment, `|` split payee and note.
    static func descriptionText(_ text: String) -> String {
        mapScalars(text) { scalar in
            switch scalar {
            case ";", "|", "\n", "\r", "\t": return " "
            case "(": return "["
            case ")": return "]"
            default: return scalar
            }
        }
    }

    private static func mapScalars(_ text: String, _ transform: (Unicode.Scalar) -> Unicode.Scalar) -> String {
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars { scalars.append(transform(scalar)) }
        return String(scalars)
    }

    private static func pow10(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
