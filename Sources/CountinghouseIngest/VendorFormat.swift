// The vendor formats a header can announce (FORMATS §3.0), and the header's verdict.
//
// Place in the pipeline: `FileIngestor.readHeader` asks `HeaderFormat.detect` first; a vendor
// header gets a `VendorReader` (VendorReader.swift) in front of the canonical validator, a
// canonical one goes straight to `RowValidator`. Detection is by the header alone, in FORMATS'
// order (Square Items Detail, Square Transactions, Adyen, Stripe payouts, Stripe itemized, then the
// canonical kinds); the recognised exports that are not statements are rejected first.
// Invariants: names compare normalised (ASCII lower case, trimmed); messages name columns as the
// vendor spells them.
// Errors a user can see (row 1): "file uses ';' as separator: export it with ',' (Stripe:
// decimal_separator '.')", "Stripe summary report: download the itemized report", "Stripe
// Payments export lists payments, not balance changes: download the Balance or Payout
// reconciliation report", "legacy Stripe balance export: download the Balance report (itemized)
// instead", "Stripe report without created_utc: created is in the report run's time zone, which
// the file does not say; add the created_utc column", "unknown file format; header begins \"a, b\"
// (closest: Adyen Settlement details report, which lacks TimeZone, Type)" (a canonical closest
// adds "; name it with --kind"), "the header is a Stripe itemized balance-transaction report,
// which gives settlements, not pos_lines", and per vendor column "missing required column
// Batch Number".

import CountinghouseCore

enum VendorFormat: CaseIterable, Sendable, Hashable {
    case squareItemsDetail
    case squareTransactions
    case adyenSettlementDetails
    case stripePayouts
    case stripeItemized

    var title: String {
        switch self {
        case .squareItemsDetail: return "Square Items Detail export"
        case .squareTransactions: return "Square Transactions export"
        case .adyenSettlementDetails: return "Adyen Settlement details report"
        case .stripePayouts: return "Stripe payouts report"
        case .stripeItemized: return "Stripe itemized balance-transaction report"
        }
    }

    var kind: LedgerKind {
        switch self {
        case .squareItemsDetail: return .posLines
        case .squareTransactions: return .posTenders
        case .adyenSettlementDetails, .stripePayouts, .stripeItemized: return .settlements
        }
    }

    /// FORMATS §3.0's detection columns, as the vendor spells them (Stripe payouts also needs
    /// `effective_at_utc` or `effective_at`).
    var detectionColumns: [String] {
        switch self {
        case .squareItemsDetail: return ["Date", "Time", "Time Zone", "Item", "Qty", "Gross Sales", "Transaction ID", "Event Type"]
        case .squareTransactions:
            return ["Date", "Time", "Time Zone", "Total Collected", "Card", "Cash", "Transaction ID", "Event Type"]
        case .adyenSettlementDetails:
            return ["Merchant Account", "Psp Reference", "Type", "Modification Reference", "Creation Date", "TimeZone", "Net Currency"]
        case .stripePayouts: return ["payout_id", "balance_transaction_id", "reporting_category", "gross", "net"]
        case .stripeItemized: return ["balance_transaction_id", "reporting_category", "currency", "gross", "fee", "net"]
        }
    }

    /// FORMATS §3.1–3.3's required columns, as the vendor spells them.
    var requiredColumns: [String] {
        switch self {
        case .squareItemsDetail:
            return ["Date", "Time", "Time Zone", "Qty", "SKU", "Gross Sales", "Discounts", "Net Sales", "Tax", "Transaction ID", "Event Type", "Location"]
        case .squareTransactions:
            return ["Date", "Time", "Time Zone", "Total Collected", "Card", "Cash", "Transaction ID", "Event Type", "Location"]
        case .adyenSettlementDetails:
            return [
                "Merchant Account", "Psp Reference", "Merchant Reference", "Creation Date", "TimeZone", "Type",
                "Modification Reference", "Gross Currency", "Gross Debit (GC)", "Gross Credit (GC)", "Exchange Rate",
                "Net Currency", "Net Debit (NC)", "Net Credit (NC)", "Batch Number",
            ]
        case .stripePayouts:
            return ["payout_id", "effective_at_utc", "balance_transaction_id", "currency", "gross", "fee", "net", "reporting_category"]
        case .stripeItemized: return ["balance_transaction_id", "created_utc", "currency", "gross", "fee", "net", "reporting_category"]
        }
    }

    /// Whether the header announces this format.
    func isAnnounced(by header: HeaderColumns) -> Bool {
        guard detectionColumns.allSatisfy({ header.has($0) }) else { return false }
        if self == .stripePayouts { return header.has("effective_at_utc") || header.has("effective_at") }
        return true
    }

    /// The required and detection columns the header lacks, in FORMATS' order.
    func missingColumns(_ header: HeaderColumns) -> [String] {
        var seen = Set<String>()
        return (requiredColumns + detectionColumns).filter { seen.insert($0).inserted && !header.has($0) }
    }

    /// How many of the format's columns the header has (for the closest format of an unknown header).
    func matchedColumnCount(_ header: HeaderColumns) -> Int {
        Set(requiredColumns + detectionColumns).filter { header.has($0) }.count
    }
}

/// What a header row says the file is.
enum HeaderFormat: Hashable {
    case canonical(LedgerKind)
    case vendor(VendorFormat)

    var kind: LedgerKind {
        switch self {
        case .canonical(let kind): return kind
        case .vendor(let format): return format.kind
        }
    }

    var vendor: VendorFormat? {
        if case .vendor(let format) = self { return format }
        return nil
    }

    /// The format of a header (`rawNames`: the fields as written, trimmed), or why it is refused.
    /// With `requestedKind` (`--kind`), a vendor header must give that kind, and a header that is no
    /// vendor's is taken as the requested canonical kind.
    static func detect(_ header: HeaderColumns, rawNames: [String], requestedKind: LedgerKind?) -> Result<HeaderFormat, FieldProblem> {
        if let refusal = refusal(header, rawNames: rawNames) { return .failure(refusal) }
        if let format = VendorFormat.allCases.first(where: { $0.isAnnounced(by: header) }) {
            if format == .stripeItemized && !header.has("created_utc") && header.has("created") {
                return .failure(
                    FieldProblem(
                        "Stripe report without created_utc: created is in the report run's time zone, which the file does not say; add the created_utc column"
                    ))
            }
            if let requestedKind, requestedKind != format.kind {
                return .failure(
                    FieldProblem("the header is a \(format.title), which gives \(format.kind.rawValue), not \(requestedKind.rawValue)"))
            }
            return .success(.vendor(format))
        }
        if let requestedKind { return .success(.canonical(requestedKind)) }
        switch header.detectKind() {
        case .success(let kind?): return .success(.canonical(kind))
        case .success(nil): return .failure(unknownFormat(header, rawNames: rawNames))
        case .failure(let problem): return .failure(problem)
        }
    }

    /// The recognised exports that are not statements, and a `;`-separated file.
    private static func refusal(_ header: HeaderColumns, rawNames: [String]) -> FieldProblem? {
        // FORMATS §3.0: a header that contains ';' and no ',' (split on ',', it is one field). A
        // column name holding ';' in a comma-separated header (a Stripe metadata key) is fine.
        if rawNames.count == 1 && rawNames[0].contains(";") {
            return FieldProblem("file uses ';' as separator: export it with ',' (Stripe: decimal_separator '.')")
        }
        if header.has("id") && header.has("Amount Refunded") && header.has("Captured") {
            return FieldProblem(
                "Stripe Payments export lists payments, not balance changes: download the Balance or Payout reconciliation report")
        }
        if ["id", "Type", "Source", "Amount", "Fee", "Net", "Currency", "Created (UTC)"].allSatisfy({ header.has($0) }) {
            return FieldProblem("legacy Stripe balance export: download the Balance report (itemized) instead")
        }
        if !header.has("balance_transaction_id") && header.has("reporting_category") && header.has("count") && header.has("gross") {
            return FieldProblem("Stripe summary report: download the itemized report")
        }
        return nil
    }

    /// `unknown file format; header begins "…" (closest: X, which lacks …)`: the closest of the
    /// vendor formats and the canonical kinds is the one with the most of its columns present.
    private static func unknownFormat(_ header: HeaderColumns, rawNames: [String]) -> FieldProblem {
        let shown = rawNames.prefix(8).joined(separator: ", ") + (rawNames.count > 8 ? ", …" : "")
        let begins = "unknown file format; header begins \"\(shown)\""
        let canonicalBest = LedgerKind.allCases.map(header.matchedColumnCount(of:)).max() ?? 0
        var closestVendor: VendorFormat?
        var vendorBest = canonicalBest
        for format in VendorFormat.allCases where format.matchedColumnCount(header) > vendorBest {
            closestVendor = format
            vendorBest = format.matchedColumnCount(header)
        }
        if let closestVendor {
            return FieldProblem("\(begins) (closest: \(closestVendor.title), which lacks \(closestVendor.missingColumns(header).joined(separator: ", ")))")
        }
        let (closest, lacking) = header.closestKind()
        return FieldProblem("\(begins) (closest: \(closest.rawValue), which lacks \(lacking.joined(separator: ", "))); name it with --kind")
    }
}

extension HeaderColumns {
    /// Whether the header has a column of this name (compared normalised).
    func has(_ column: String) -> Bool { position(of: HeaderColumns.normalise(column)) != nil }

    /// The required vendor columns this header lacks, as FORMATS spells them, each a row-1 error;
    /// and a required column repeated.
    func problems(for format: VendorFormat, file: String) -> [RowError] {
        var errors: [RowError] = []
        for name in format.requiredColumns where !has(name) {
            errors.append(RowError(file: file, row: 1, reason: "missing required column \(name)"))
        }
        for name in format.requiredColumns where repeated.contains(HeaderColumns.normalise(name)) {
            errors.append(RowError(file: file, row: 1, reason: "column \(name) appears twice in the header"))
        }
        return errors
    }
}
