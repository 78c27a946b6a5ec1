// Adyen's Settlement details report → settlements (FORMATS §3.2).
//
// Place in the pipeline: `VendorReader.read` calls `mapAdyen` for each record of an Adyen file;
// the canonical row it drafts goes through the settlements validator.
// Invariants: amounts are integer minor units from the first digit (unsigned decimals, `.11`
// allowed, empty = 0); the gross in the transaction currency is converted with the exact rational
// `Exchange Rate` and rounded once, half away from zero (`roundHalfAwayFromZero`); net = credit −
// debit, fee = gross − net, so the canonical net = gross − fee always holds; an account-level row's
// record_id is `<Batch Number or open>:<Type>:<Modification Reference>`, with `:<k>` for the k-th
// (k ≥ 2) row of the file with the same three values, so a re-export numbers it the same.
// Errors a user can see: `TimeZone "IST": is not a known abbreviation (CST and IST are ambiguous):
// set adyen.time_zone_abbreviations`, `Creation Date "…": is not YYYY-MM-DD HH:MM:SS`, `Booking
// Date "…": is not YYYY-MM-DD (a time may follow)`, `Net Debit (NC) "-1.00": must not be
// negative`, `Net Debit (NC) "…": not a number`, `Net Debit (NC) "1.234": too many decimals for EUR
// (at most 2)`, `Net Debit (NC) "5.00": Net Debit (NC) and Net Credit (NC) are both non-zero` (the
// Gross pair too), `Net Currency "XXX": unknown currency` (Gross Currency too), `Exchange Rate "…":
// must be empty or 1 when Gross Currency equals Net Currency`, `Exchange Rate "": is required when
// Gross Currency (EUR) differs from Net Currency (USD)`, `Exchange Rate "…": not a positive decimal
// (at most 15 decimals)`, `Gross Credit (GC) "…": amount out of range`, and the spreadsheet-number
// error on Psp Reference, Merchant Reference, Modification Reference.

import CountinghouseCore

struct AdyenColumns {
    let merchantAccount, pspReference, merchantReference, creationDate, timeZone, type, modificationReference: Int?
    let grossCurrency, grossDebit, grossCredit, exchangeRate, netCurrency, netDebit, netCredit, batchNumber: Int?
    let bookingDate, paymentMethod: Int?
    /// FORMATS §3.2's table with `adyen.time_zone_abbreviations` on top: abbreviation (upper case)
    /// → offset as a timestamp ends (`+01:00`), written once per file, not once per row.
    let offsets: [String: String]
    let processorByAccount: [String: String]
    /// The id columns checked for spreadsheet damage.
    let identifiers: [Int?]

    init(_ header: HeaderColumns, settings: IngestSettings) {
        func position(_ name: String) -> Int? { header.position(of: HeaderColumns.normalise(name)) }
        merchantAccount = position("Merchant Account")
        pspReference = position("Psp Reference")
        merchantReference = position("Merchant Reference")
        creationDate = position("Creation Date")
        timeZone = position("TimeZone")
        type = position("Type")
        modificationReference = position("Modification Reference")
        grossCurrency = position("Gross Currency")
        grossDebit = position("Gross Debit (GC)")
        grossCredit = position("Gross Credit (GC)")
        exchangeRate = position("Exchange Rate")
        netCurrency = position("Net Currency")
        netDebit = position("Net Debit (NC)")
        netCredit = position("Net Credit (NC)")
        batchNumber = position("Batch Number")
        bookingDate = position("Booking Date")
        paymentMethod = position("Payment Method")
        offsets = AdyenColumns.builtInOffsets.merging(settings.vendors.adyenTimeZoneAbbreviations) { _, configured in configured }
            .mapValues(offsetText)
        processorByAccount = settings.vendors.adyenProcessorNameByMerchantAccount
        identifiers = [pspReference, merchantReference, modificationReference]
    }

    /// FORMATS §3.2's abbreviations. CST and IST are left out: each names three zones.
    static let builtInOffsets: [String: Int] = {
        let hour = 3600
        var table: [String: Int] = [:]
        for (names, hours) in [
            (["UTC", "GMT", "WET"], 0), (["CET", "BST", "WEST"], 1), (["CEST", "EET"], 2), (["EEST", "MSK"], 3),
            (["SGT", "HKT", "AWST"], 8), (["JST", "KST"], 9), (["AEST"], 10), (["AEDT"], 11), (["NZST"], 12), (["NZDT"], 13),
            (["BRT", "ART"], -3), (["EDT"], -4), (["EST"], -5), (["MDT"], -6), (["MST"], -7), (["PDT"], -7), (["PST"], -8),
            (["AKDT"], -8), (["AKST"], -9), (["HST"], -10),
        ] {
            for name in names { table[name] = hours * hour }
        }
        return table
    }()

    enum RowKind {
        case transaction
        /// MerchantPayout, BankInstructionReturned: their Modification Reference is their id.
        case payout
        case account
    }

    /// The canonical type of an Adyen `Type` (compared case-insensitively) and its kind of row.
    static func classify(_ type: String) -> (SettlementType, RowKind) {
        // The usual spellings first: lower-casing builds a string per row.
        switch type {
        case "Settled": return (.capture, .transaction)
        case "Refunded": return (.refund, .transaction)
        default: break
        }
        switch type.lowercased() {
        case "settled", "settledbulk", "settledexternallywithinfo", "settledinstallment": return (.capture, .transaction)
        case "refunded", "refundedbulk", "refundedexternallywithinfo": return (.refund, .transaction)
        case "refundedreversed": return (.refundFailure, .transaction)
        case "chargeback", "secondchargeback", "chargebackexternallywithinfo": return (.chargeback, .transaction)
        case "chargebackreversed", "chargebackreversedexternallywithinfo": return (.chargebackReversal, .transaction)
        case "fee", "misccosts", "paymentcost", "invoicededuction", "authorisationschemefee": return (.fee, .account)
        case "merchantpayout": return (.payout, .payout)
        case "bankinstructionreturned": return (.payoutFailure, .payout)
        default: return (.adjustment, .account)
        }
    }
}

/// A code in ASCII upper case, built in place (a currency code fits a string without allocating).
private func asciiUppercased(_ bytes: Bytes) -> String {
    String(unsafeUninitializedCapacity: bytes.count) { buffer in
        for index in 0..<bytes.count { buffer[index] = asciiUppercase(bytes[index]) }
        return bytes.count
    }
}

/// Why an unsigned Adyen amount is not one.
private enum AdyenAmountProblem: Error {
    case negative
    case notANumber
    case tooManyDecimals
    case outOfRange
}

/// An unsigned decimal (`12.50`, `.11`, `3`; empty = 0) in minor units of a currency with
/// `exponent` decimals.
private func parseUnsignedAmount(_ bytes: Bytes, exponent: Int) -> Result<Int64, AdyenAmountProblem> {
    if bytes.isEmpty { return .success(0) }
    if bytes[0] == UInt8(ascii: "-") { return .failure(.negative) }
    var value: Int64 = 0
    var decimals = -1
    var digits = 0
    for byte in bytes {
        if byte == UInt8(ascii: ".") {
            if decimals >= 0 { return .failure(.notANumber) }
            decimals = 0
            continue
        }
        guard byte &- UInt8(ascii: "0") < 10 else { return .failure(.notANumber) }
        digits += 1
        if decimals >= 0 { decimals += 1 }
        if decimals > exponent { return .failure(.tooManyDecimals) }
        let (times, overflow) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflowAgain) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
        if overflow || overflowAgain { return .failure(.outOfRange) }
        value = sum
    }
    if digits == 0 { return .failure(.notANumber) }
    for _ in 0..<(exponent - max(decimals, 0)) {
        let (times, overflow) = value.multipliedReportingOverflow(by: 10)
        if overflow { return .failure(.outOfRange) }
        value = times
    }
    return .success(value)
}

/// An exchange rate `1.0837` as an exact fraction: digits over a power of ten (at most 15
/// decimals, greater than 0).
private func parseRate(_ bytes: Bytes) -> (numerator: Int128, denominator: Int128)? {
    var numerator: Int128 = 0
    var denominator: Int128 = 1
    var decimals = -1
    var digits = 0
    for byte in bytes {
        if byte == UInt8(ascii: ".") {
            if decimals >= 0 { return nil }
            decimals = 0
            continue
        }
        guard byte &- UInt8(ascii: "0") < 10 else { return nil }
        digits += 1
        if decimals >= 0 {
            decimals += 1
            if decimals > 15 { return nil }
            denominator *= 10
        }
        if digits > 20 { return nil }
        numerator = numerator * 10 + Int128(byte - UInt8(ascii: "0"))
    }
    guard digits > 0, numerator > 0 else { return nil }
    return (numerator, denominator)
}

extension VendorReader {
    mutating func mapAdyen(_ record: CSVRecord, errors: inout [RowError]) {
        guard let columns = adyen else { return }
        let settlement = SettlementColumns.shared
        let errorCountBefore = errors.count
        checkIdentifiers(record, columns.identifiers, errors: &errors)
        func field(_ position: Int?) -> Bytes {
            guard let position else { return Bytes(start: nil, count: 0) }
            return trimmed(record.bytes(position))
        }
        func fail(_ position: Int?, _ reason: String) {
            guard let position else { return }
            errors.append(error(record, position, reason))
        }

        // Currencies, for the amounts' decimals (the validator then checks the net currency is the
        // ledger's).
        func exponent(_ code: String, _ position: Int?) -> Int? {
            if code.isEmpty { return nil }
            guard let exponent = CurrencyTable.exponent(of: code) else {
                fail(position, "unknown currency")
                return nil
            }
            return exponent
        }
        let netCurrency = asciiUppercased(field(columns.netCurrency))
        let netExponent = exponent(netCurrency, columns.netCurrency)
        let grossCurrency = asciiUppercased(field(columns.grossCurrency))
        let (type, rowKind) = AdyenColumns.classify(text(field(columns.type)))
        let grossExponent = rowKind == .transaction ? exponent(grossCurrency, columns.grossCurrency) : nil

        func amount(_ position: Int?, exponent: Int, currency: String) -> Int64? {
            switch parseUnsignedAmount(field(position), exponent: exponent) {
            case .success(let value) where value <= IngestLimits.moneyMinorUnits: return value
            case .success, .failure(.outOfRange): fail(position, "amount out of range")
            case .failure(.negative): fail(position, "must not be negative")
            case .failure(.notANumber): fail(position, "not a number")
            case .failure(.tooManyDecimals): fail(position, "too many decimals for \(currency) (at most \(exponent))")
            }
            return nil
        }
        /// credit − debit, when exactly one side (or neither) is non-zero.
        func signed(debit: Int?, credit: Int?, exponent: Int, currency: String) -> Int64? {
            let debitValue = amount(debit, exponent: exponent, currency: currency)
            let creditValue = amount(credit, exponent: exponent, currency: currency)
            guard let debitValue, let creditValue else { return nil }
            if debitValue != 0 && creditValue != 0 {
                let names = [debit, credit].compactMap { $0.map { rawNames[$0] } }
                fail(debit, "\(names.joined(separator: " and ")) are both non-zero")
                return nil
            }
            return creditValue - debitValue
        }

        // Net Currency is required: without it no amount can be read (one error, named by its column).
        if netCurrency.isEmpty { fail(columns.netCurrency, "required") }
        var net: Int64?
        if let netExponent {
            net = signed(debit: columns.netDebit, credit: columns.netCredit, exponent: netExponent, currency: netCurrency)
        }
        let grossEmpty = field(columns.grossDebit).isEmpty && field(columns.grossCredit).isEmpty
        var gross: Int64?
        if rowKind != .transaction {
            gross = net
            // An account-level row has no gross, but what its Gross columns hold must still be
            // well-formed (FORMATS §3.2: never negative, never both sides).
            if !grossEmpty, let checkExponent = grossCurrency.isEmpty ? netExponent : exponent(grossCurrency, columns.grossCurrency) {
                _ = signed(
                    debit: columns.grossDebit, credit: columns.grossCredit, exponent: checkExponent,
                    currency: grossCurrency.isEmpty ? netCurrency : grossCurrency)
            }
        } else if grossCurrency.isEmpty && !grossEmpty {
            fail(columns.grossCurrency, "required")
        } else if grossCurrency.isEmpty, netExponent != nil {
            // No gross on either side: a transaction row whose gross is 0 (its fee is minus its net).
            gross = 0
        } else if let grossExponent, let netExponent,
            let signedGross = signed(debit: columns.grossDebit, credit: columns.grossCredit, exponent: grossExponent, currency: grossCurrency)
        {
            let rateBytes = field(columns.exchangeRate)
            if grossCurrency == netCurrency {
                if rateBytes.isEmpty || parseRate(rateBytes).map({ $0.numerator == $0.denominator }) == true {
                    gross = signedGross
                } else {
                    fail(columns.exchangeRate, "must be empty or 1 when Gross Currency equals Net Currency")
                }
            } else if rateBytes.isEmpty {
                fail(columns.exchangeRate, "is required when Gross Currency (\(grossCurrency)) differs from Net Currency (\(netCurrency))")
            } else if let rate = parseRate(rateBytes) {
                // gross (10^-g) × rate → 10^-n: gross × num × 10^n / (den × 10^g), rounded once.
                var numerator = Int128(signedGross) * rate.numerator
                var denominator = rate.denominator
                for _ in 0..<netExponent { numerator *= 10 }
                for _ in 0..<grossExponent { denominator *= 10 }
                let converted = numerator / denominator
                if converted.magnitude > UInt128(IngestLimits.moneyMinorUnits) {
                    fail(columns.grossCredit ?? columns.grossDebit, "amount out of range")
                } else {
                    gross = roundHalfAwayFromZero(numerator, denominator)
                }
            } else {
                fail(columns.exchangeRate, "not a positive decimal (at most 15 decimals)")
            }
        }

        // Creation Date in TimeZone.
        var occurredAt: DraftValue = .empty
        let creation = field(columns.creationDate)
        let zone = text(field(columns.timeZone))
        if creation.count > 0, let creationColumn = columns.creationDate {
            if isWallClock(creation) {
                if let offset = columns.offsets[zone] ?? columns.offsets[zone.uppercased()] {
                    occurredAt = .wallClock(creationColumn, suffix: offset)
                } else if !zone.isEmpty {
                    fail(columns.timeZone, "is not a known abbreviation (CST and IST are ambiguous): set adyen.time_zone_abbreviations")
                } else {
                    fail(columns.timeZone, "required")
                }
            } else {
                fail(columns.creationDate, "is not YYYY-MM-DD HH:MM:SS")
            }
        }
        var availableOn: DraftValue = .empty
        let booking = field(columns.bookingDate)
        if booking.count > 0, let bookingColumn = columns.bookingDate {
            if booking.count == 10 || isWallClock(booking) || (booking.count > 10 && booking[10] == 0x20) {
                availableOn = .prefix(bookingColumn, count: 10)
            } else {
                fail(columns.bookingDate, "is not YYYY-MM-DD (a time may follow)")
            }
        }
        if errors.count > errorCountBefore { return }

        let index = newDraft()
        let account = text(field(columns.merchantAccount))
        drafts[index].set(settlement.processor, .text(columns.processorByAccount[account] ?? "adyen"), from: columns.merchantAccount)
        switch rowKind {
        case .transaction, .payout:
            drafts[index].copy(settlement.recordID, from: columns.modificationReference)
        case .account:
            let batch = field(columns.batchNumber).isEmpty ? "open" : text(field(columns.batchNumber))
            let base = "\(batch):\(text(field(columns.type))):\(text(field(columns.modificationReference)))"
            let seen = occurrences[base, default: 0] + 1
            occurrences[base] = seen
            drafts[index].set(settlement.recordID, .text(seen == 1 ? base : "\(base):\(seen)"), from: columns.modificationReference)
        }
        drafts[index].set(settlement.type, field(columns.type).isEmpty ? .empty : .text(type.rawValue), from: columns.type)
        drafts[index].set(settlement.occurredAt, occurredAt, from: columns.creationDate, showingSource: true)
        drafts[index].copy(settlement.currency, from: columns.netCurrency)
        if let net, let gross, let netExponent {
            drafts[index].set(settlement.net, .minorUnits(net, exponent: netExponent), from: columns.netCredit)
            drafts[index].set(settlement.gross, .minorUnits(gross, exponent: netExponent), from: columns.grossCredit)
            let fee = gross - net
            drafts[index].set(settlement.fee, .minorUnits(fee, exponent: netExponent), from: columns.netDebit)
        }
        if rowKind == .transaction {
            drafts[index].copy(settlement.paymentRef, from: columns.pspReference)
            drafts[index].copy(settlement.orderID, from: columns.merchantReference)
        }
        drafts[index].set(settlement.availableOn, availableOn, from: columns.bookingDate, showingSource: true)
        drafts[index].copy(settlement.payoutID, from: columns.batchNumber)
        drafts[index].copy(settlement.vendorCategory, from: columns.type)
        drafts[index].copy(settlement.paymentMethod, from: columns.paymentMethod)
    }
}
