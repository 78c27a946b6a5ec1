// Square's Items Detail → pos_lines and Transactions → pos_tenders (FORMATS §3.3).
//
// Place in the pipeline: `VendorReader.read` calls `mapSquareItem` / `mapSquareTransaction` for
// each record of a Square export; the canonical rows they draft go through the pos_lines or
// pos_tenders validator.
// Invariants: money is integer minor units of the functional currency, parsed from Square's
// spelling (`$1,149.00`, `-$12.00`, `($33.62)`) without floating point; the wall time (`Date`,
// `Time`) is placed in `Time Zone` (a Rails name, SquareTimeZones.swift) with Foundation's
// `TimeZone`, DST included: a wall time that does not exist is an error, one that occurs twice is
// its first occurrence; a Refund row belongs to the return ticket `<Transaction ID>~R<yyyymmddHHMMSS>`
// (its local date and time); an Items Detail line is numbered 1 + the earlier rows of its ticket in
// the file, so a re-export numbers it the same.
// Errors a user can see: `Date "…": is not YYYY-MM-DD or MM/DD/YYYY`, `Date "…": impossible date`,
// `Time "…": is not HH:MM:SS or H:MM:SS AM/PM`, `Time Zone "…": is not a time zone name Square
// uses (a Rails name such as "Eastern Time (US & Canada)")`, `Time "2:30:00 AM": does not exist on
// 2026-03-08 in Eastern Time (US & Canada) (the clocks went forward)`, `Event Type "…": is not
// Payment or Refund`, `Gross Sales "€1.00": is not written with square.currency_symbol "$"`,
// `Gross Sales "…": not an amount (Square writes $1,234.50, -$12.00 or ($12.00))`, `… required`,
// `Qty "1.5": not a whole number`, `Qty "…": must be greater than 0 on a Payment row` / `must be
// less than 0 on a Refund row`, `Gross Sales "…": must not be negative on a Payment row` / `must
// not be positive on a Refund row` (Net Sales, Tax, and each tender column too), `Net Sales "…":
// is not |Gross Sales| − |Discounts| ($10.00 − $0.50 = $9.50)`, `Gross Sales "$10.00": does not
// divide into 3 equal unit prices`, `Total Collected "…": the tenders add up to $9.00`, `Other
// Tender Note "…": a Third Party Card needs 'processor:reference' in Other Tender Note`, the
// spreadsheet-number error on Transaction ID and Payment ID, and the canonical validator's (an
// empty SKU is "required", an unknown location is named with the configured ones).

import CountinghouseCore
import Foundation

/// Foundation's zones by Rails name, made once per file.
final class SquareZoneCache {
    var zones: [String: TimeZone] = [:]

    func zone(named name: String) -> TimeZone? {
        if let zone = zones[name] { return zone }
        guard let identifier = SquareTimeZones.ianaByRailsName[name], let zone = TimeZone(identifier: identifier) else { return nil }
        zones[name] = zone
        return zone
    }
}

struct SquareColumns {
    let date, time, timeZone, transactionID, paymentID, eventType, location: Int?
    // Items Detail.
    let qty, sku, grossSales, discounts, netSales, tax: Int?
    // Transactions.
    let totalCollected, card, cash, giftCard, otherTender, otherTenderType, otherTenderNote: Int?
    let symbol: [UInt8]
    let symbolText: String
    let locationMap: [String: String]
    let exponent: Int
    let zones = SquareZoneCache()
    /// The id columns checked for spreadsheet damage.
    let identifiers: [Int?]

    init(_ header: HeaderColumns, settings: IngestSettings) {
        func position(_ name: String) -> Int? { header.position(of: HeaderColumns.normalise(name)) }
        date = position("Date")
        time = position("Time")
        timeZone = position("Time Zone")
        transactionID = position("Transaction ID")
        paymentID = position("Payment ID")
        eventType = position("Event Type")
        location = position("Location")
        qty = position("Qty")
        sku = position("SKU")
        grossSales = position("Gross Sales")
        discounts = position("Discounts")
        netSales = position("Net Sales")
        tax = position("Tax")
        totalCollected = position("Total Collected")
        card = position("Card")
        cash = position("Cash")
        giftCard = position("Square Gift Card")
        otherTender = position("Other Tender")
        otherTenderType = position("Other Tender Type")
        otherTenderNote = position("Other Tender Note")
        let currency = settings.functionalCurrency
        symbolText = settings.vendors.squareCurrencySymbol ?? (currency == "USD" ? "$" : currency)
        symbol = Array(symbolText.utf8)
        locationMap = settings.vendors.squareLocationMap
        exponent = CurrencyTable.exponent(of: currency) ?? 2
        identifiers = [transactionID, paymentID]
    }

    /// `-$9.00`: an amount as Square would write it, for messages.
    func shown(_ amount: Int64) -> String {
        (amount < 0 ? "-" : "") + symbolText + formatMinorUnits(Int64(amount.magnitude), exponent: exponent)
    }
}

/// Why a Square amount is not one.
private enum SquareMoneyProblem: Error {
    case empty
    case wrongSymbol
    case notAnAmount
    case outOfRange
}

/// `$1,234.50`, `-$12.00`, `($12.00)` in minor units: the symbol, digits grouped by commas or not,
/// exactly `exponent` decimals.
private func parseSquareMoney(_ bytes: Bytes, symbol: [UInt8], exponent: Int) -> Result<Int64, SquareMoneyProblem> {
    var start = 0
    var end = bytes.count
    if end == 0 { return .failure(.empty) }
    var negative = false
    if bytes[0] == UInt8(ascii: "(") {
        guard end >= 2, bytes[end - 1] == UInt8(ascii: ")") else { return .failure(.notAnAmount) }
        negative = true
        start = 1
        end -= 1
    } else if bytes[0] == UInt8(ascii: "-") {
        negative = true
        start = 1
    }
    guard end - start >= symbol.count, symbol.indices.allSatisfy({ bytes[start + $0] == symbol[$0] }) else {
        return .failure(.wrongSymbol)
    }
    start += symbol.count
    var value: Int64 = 0
    var digitsInGroup = 0
    var sawComma = false
    var decimals = -1
    var index = start
    while index < end {
        let byte = bytes[index]
        index += 1
        if byte == UInt8(ascii: ",") {
            guard decimals < 0, digitsInGroup > 0, !sawComma || digitsInGroup == 3 else { return .failure(.notAnAmount) }
            if !sawComma && digitsInGroup > 3 { return .failure(.notAnAmount) }
            sawComma = true
            digitsInGroup = 0
            continue
        }
        if byte == UInt8(ascii: ".") {
            guard decimals < 0, digitsInGroup > 0, !sawComma || digitsInGroup == 3 else { return .failure(.notAnAmount) }
            decimals = 0
            continue
        }
        guard byte &- UInt8(ascii: "0") < 10 else { return .failure(.notAnAmount) }
        if decimals >= 0 { decimals += 1 } else { digitsInGroup += 1 }
        let (times, overflow) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflowAgain) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
        if overflow || overflowAgain { return .failure(.outOfRange) }
        value = sum
    }
    if decimals < 0 {
        guard digitsInGroup > 0, exponent == 0, !sawComma || digitsInGroup == 3 else { return .failure(.notAnAmount) }
    } else if decimals != exponent {
        return .failure(.notAnAmount)
    }
    if value > IngestLimits.moneyMinorUnits { return .failure(.outOfRange) }
    return .success(negative ? -value : value)
}

/// A local date and time as written: year, month, day, and the second of the day.
private struct WallTime {
    var date: CivilDate
    var secondOfDay: Int64

    /// `yyyymmddHHMMSS`.
    var digits: String {
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(date.year, 4) + pad(date.month, 2) + pad(date.day, 2) + pad(secondOfDay / 3600, 2) + pad(secondOfDay / 60 % 60, 2)
            + pad(secondOfDay % 60, 2)
    }

    /// `2026-11-22T09:03:11` with the offset appended.
    func text(offsetSeconds: Int) -> String {
        let digits = self.digits
        let characters = Array(digits)
        return String(characters[0..<4]) + "-" + String(characters[4..<6]) + "-" + String(characters[6..<8]) + "T"
            + String(characters[8..<10]) + ":" + String(characters[10..<12]) + ":" + String(characters[12..<14]) + offsetText(offsetSeconds)
    }
}

/// Whole digits of `bytes[range]`, or nil.
private func number(_ bytes: Bytes, _ range: Range<Int>) -> Int64? {
    guard !range.isEmpty, range.upperBound <= bytes.count else { return nil }
    var value: Int64 = 0
    for index in range {
        guard bytes[index] &- UInt8(ascii: "0") < 10 else { return nil }
        value = value * 10 + Int64(bytes[index] - UInt8(ascii: "0"))
    }
    return value
}

/// `YYYY-MM-DD` or `MM/DD/YYYY` (one-digit month and day allowed) → year, month, day.
private func parseSquareDate(_ bytes: Bytes) -> (Int64, Int64, Int64)? {
    if bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
        let year = number(bytes, 0..<4), let month = number(bytes, 5..<7), let day = number(bytes, 8..<10)
    {
        return (year, month, day)
    }
    let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4 else { return nil }
    let numbers = parts.map { part -> Int64? in
        var value: Int64 = 0
        for byte in part {
            guard byte &- UInt8(ascii: "0") < 10 else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
    guard let month = numbers[0], let day = numbers[1], let year = numbers[2] else { return nil }
    return (year, month, day)
}

/// `HH:MM:SS` (24 h) or `H:MM:SS AM|PM` → second of the day.
private func parseSquareTime(_ bytes: Bytes) -> Int64? {
    var end = bytes.count
    var meridiem: UInt8?
    if end >= 3, bytes[end - 1] == UInt8(ascii: "M") || bytes[end - 1] == UInt8(ascii: "m"), bytes[end - 3] == 0x20 {
        meridiem = asciiUppercase(bytes[end - 2])
        guard meridiem == UInt8(ascii: "A") || meridiem == UInt8(ascii: "P") else { return nil }
        end -= 3
    }
    let hourDigits = end - 6
    guard hourDigits == 1 || hourDigits == 2, bytes[hourDigits] == UInt8(ascii: ":"), bytes[hourDigits + 3] == UInt8(ascii: ":"),
        var hour = number(bytes, 0..<hourDigits), let minute = number(bytes, (hourDigits + 1)..<(hourDigits + 3)),
        let second = number(bytes, (hourDigits + 4)..<(hourDigits + 6)), minute < 60, second < 60
    else { return nil }
    if let meridiem {
        guard (1...12).contains(hour) else { return nil }
        hour = hour % 12 + (meridiem == UInt8(ascii: "P") ? 12 : 0)
    } else if hourDigits != 2 || hour > 23 {
        return nil
    }
    return hour * 3600 + minute * 60 + second
}

/// The offset of a wall time in a zone: its first occurrence when the clocks went back, nil when
/// the clocks went forward over it.
private func offset(of localSeconds: Int64, in zone: TimeZone) -> Int? {
    func offset(at utc: Int64) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))) }
    var found: [Int] = []
    for candidate in [offset(at: localSeconds - 86_400), offset(at: localSeconds + 86_400)] where !found.contains(candidate) {
        if offset(at: localSeconds - Int64(candidate)) == candidate { found.append(candidate) }
    }
    // The first occurrence is the earlier instant: the larger offset.
    return found.max()
}

/// The canonical pos_lines and pos_tenders columns' indices, found once.
struct POSColumns {
    let orderID, lineNumber, occurredAt, location, sku, type, quantity, unitPrice, discount, tax, originalOrderID: Int
    let tenderNumber, tender, amount, processor, paymentRef: Int
    let tenderOccurredAt, tenderLocation, tenderOrderID, tenderType: Int

    static let shared = POSColumns()

    private init() {
        func index(_ kind: LedgerKind, _ name: String) -> Int {
            guard let index = kind.schema.index(of: name) else { preconditionFailure("\(kind) lacks \(name)") }
            return index
        }
        orderID = index(.posLines, "order_id")
        lineNumber = index(.posLines, "line_no")
        occurredAt = index(.posLines, "occurred_at")
        location = index(.posLines, "location")
        sku = index(.posLines, "sku")
        type = index(.posLines, "type")
        quantity = index(.posLines, "quantity")
        unitPrice = index(.posLines, "unit_price")
        discount = index(.posLines, "discount")
        tax = index(.posLines, "tax")
        originalOrderID = index(.posLines, "original_order_id")
        tenderOrderID = index(.posTenders, "order_id")
        tenderNumber = index(.posTenders, "tender_no")
        tenderOccurredAt = index(.posTenders, "occurred_at")
        tenderLocation = index(.posTenders, "location")
        tender = index(.posTenders, "tender")
        tenderType = index(.posTenders, "type")
        amount = index(.posTenders, "amount")
        processor = index(.posTenders, "processor")
        paymentRef = index(.posTenders, "payment_ref")
    }
}

/// What every Square row has: its ticket, instant and location.
private struct SquareEvent {
    var isRefund: Bool
    var orderID: String
    var occurredAt: String
    var location: String
}

extension VendorReader {
    /// The ticket, instant and location of a Square row, or nil with its errors appended.
    private func squareEvent(_ record: CSVRecord, _ columns: SquareColumns, errors: inout [RowError]) -> SquareEvent? {
        let before = errors.count
        checkIdentifiers(record, columns.identifiers, errors: &errors)
        func field(_ position: Int?) -> Bytes {
            guard let position else { return Bytes(start: nil, count: 0) }
            return trimmed(record.bytes(position))
        }
        func fail(_ position: Int?, _ reason: String) {
            if let position { errors.append(error(record, position, reason)) }
        }
        var isRefund = false
        switch text(field(columns.eventType)).lowercased() {
        case "payment": break
        case "refund": isRefund = true
        case "": fail(columns.eventType, "required")
        default: fail(columns.eventType, "is not Payment or Refund")
        }
        var date: CivilDate?
        if field(columns.date).isEmpty {
            fail(columns.date, "required")
        } else if let (year, month, day) = parseSquareDate(field(columns.date)) {
            date = CivilDate(year: year, month: month, day: day)
            if date == nil { fail(columns.date, "impossible date") }
        } else {
            fail(columns.date, "is not YYYY-MM-DD or MM/DD/YYYY")
        }
        var secondOfDay: Int64?
        if field(columns.time).isEmpty {
            fail(columns.time, "required")
        } else {
            secondOfDay = parseSquareTime(field(columns.time))
            if secondOfDay == nil { fail(columns.time, "is not HH:MM:SS or H:MM:SS AM/PM") }
        }
        let zoneName = text(field(columns.timeZone))
        let zone = columns.zones.zone(named: zoneName)
        if zoneName.isEmpty {
            fail(columns.timeZone, "required")
        } else if zone == nil {
            fail(columns.timeZone, "is not a time zone name Square uses (a Rails name such as \"Eastern Time (US & Canada)\")")
        }
        var occurredAt = ""
        var wallTime: WallTime?
        if let date, let secondOfDay, let zone {
            let wall = WallTime(date: date, secondOfDay: secondOfDay)
            wallTime = wall
            if let offset = offset(of: date.daysSinceEpoch * 86_400 + secondOfDay, in: zone) {
                occurredAt = wall.text(offsetSeconds: offset)
            } else {
                fail(columns.time, "does not exist on \(date) in \(zoneName) (the clocks went forward)")
            }
        }
        let transaction = text(field(columns.transactionID))
        let location = text(field(columns.location))
        guard errors.count == before else { return nil }
        let orderID = isRefund && !transaction.isEmpty ? transaction + "~R" + (wallTime?.digits ?? "") : transaction
        return SquareEvent(isRefund: isRefund, orderID: orderID, occurredAt: occurredAt, location: columns.locationMap[location] ?? location)
    }

    /// A Square amount at `position` (nil: the column is absent, 0), or nil with an error.
    private func squareMoney(
        _ record: CSVRecord, _ columns: SquareColumns, _ position: Int?, emptyIsZero: Bool, errors: inout [RowError]
    ) -> Int64? {
        guard let position else { return 0 }
        switch parseSquareMoney(trimmed(record.bytes(position)), symbol: columns.symbol, exponent: columns.exponent) {
        case .success(let value): return value
        case .failure(.empty):
            if emptyIsZero { return 0 }
            errors.append(error(record, position, "required"))
        case .failure(.wrongSymbol):
            errors.append(error(record, position, "is not written with square.currency_symbol \"\(columns.symbolText)\""))
        case .failure(.notAnAmount):
            errors.append(
                error(
                    record, position,
                    "not an amount (Square writes \(columns.symbolText)1,234.50, -\(columns.symbolText)12.00 or (\(columns.symbolText)12.00))"))
        case .failure(.outOfRange):
            errors.append(error(record, position, "amount out of range"))
        }
        return nil
    }

    /// Payment rows' amounts are ≥ 0, Refund rows' ≤ 0.
    private func checkSign(_ record: CSVRecord, _ position: Int?, _ value: Int64, isRefund: Bool, errors: inout [RowError]) {
        guard let position else { return }
        if !isRefund && value < 0 { errors.append(error(record, position, "must not be negative on a Payment row")) }
        if isRefund && value > 0 { errors.append(error(record, position, "must not be positive on a Refund row")) }
    }

    mutating func mapSquareItem(_ record: CSVRecord, errors: inout [RowError]) {
        guard let columns = square else { return }
        let pos = POSColumns.shared
        let before = errors.count
        let event = squareEvent(record, columns, errors: &errors)
        let gross = squareMoney(record, columns, columns.grossSales, emptyIsZero: false, errors: &errors)
        let discounts = squareMoney(record, columns, columns.discounts, emptyIsZero: true, errors: &errors)
        let net = squareMoney(record, columns, columns.netSales, emptyIsZero: false, errors: &errors)
        let tax = squareMoney(record, columns, columns.tax, emptyIsZero: true, errors: &errors)
        var quantity: Int64?
        if let position = columns.qty {
            let bytes = trimmed(record.bytes(position))
            if bytes.isEmpty {
                errors.append(error(record, position, "required"))
            } else if let whole = wholeQuantity(bytes) {
                quantity = whole
                if let event, !event.isRefund && whole <= 0 {
                    errors.append(error(record, position, "must be greater than 0 on a Payment row"))
                } else if let event, event.isRefund && whole >= 0 {
                    errors.append(error(record, position, "must be less than 0 on a Refund row"))
                }
            } else {
                errors.append(error(record, position, "not a whole number"))
            }
        }
        // Ticket lines are numbered in file order, whatever the row's fate: a re-export numbers them
        // the same.
        var lineNumber: Int64 = 0
        if let event, !event.orderID.isEmpty {
            let seen = occurrences[event.orderID, default: 0] + 1
            occurrences[event.orderID] = seen
            lineNumber = Int64(seen)
        }
        guard let event, let gross, let discounts, let net, let tax, let quantity, errors.count == before else { return }
        checkSign(record, columns.grossSales, gross, isRefund: event.isRefund, errors: &errors)
        checkSign(record, columns.netSales, net, isRefund: event.isRefund, errors: &errors)
        checkSign(record, columns.tax, tax, isRefund: event.isRefund, errors: &errors)
        let expectedNet = Int64(gross.magnitude) - Int64(discounts.magnitude)
        if Int64(net.magnitude) != expectedNet, let position = columns.netSales {
            errors.append(
                error(
                    record, position,
                    "is not |Gross Sales| − |Discounts| (\(columns.shown(Int64(gross.magnitude))) − \(columns.shown(Int64(discounts.magnitude))) = \(columns.shown(expectedNet)))"
                ))
        }
        let units = Int64(quantity.magnitude)
        if units > 0 && Int64(gross.magnitude) % units != 0, let position = columns.grossSales {
            errors.append(error(record, position, "does not divide into \(units) equal unit prices"))
        }
        guard errors.count == before else { return }

        let index = newDraft()
        let transaction = columns.transactionID
        drafts[index].set(pos.orderID, .text(event.orderID), from: transaction)
        drafts[index].set(pos.lineNumber, .text(String(lineNumber)), from: nil)
        drafts[index].set(pos.occurredAt, .text(event.occurredAt), from: columns.time, showingSource: true)
        drafts[index].set(pos.location, event.location.isEmpty ? .empty : .text(event.location), from: columns.location)
        drafts[index].copy(pos.sku, from: columns.sku)
        let type: POSLineType = event.isRefund ? .customerReturn : gross == 0 ? .complimentary : .sale
        drafts[index].set(pos.type, .text(type.rawValue), from: columns.eventType)
        drafts[index].set(pos.quantity, .text(String(units)), from: columns.qty, showingSource: true)
        drafts[index].set(
            pos.unitPrice, .text(formatMinorUnits(units > 0 ? Int64(gross.magnitude) / units : 0, exponent: columns.exponent)),
            from: columns.grossSales, showingSource: true)
        drafts[index].set(pos.discount, .text(formatMinorUnits(Int64(discounts.magnitude), exponent: columns.exponent)), from: columns.discounts, showingSource: true)
        drafts[index].set(pos.tax, .text(formatMinorUnits(Int64(tax.magnitude), exponent: columns.exponent)), from: columns.tax, showingSource: true)
        if event.isRefund { drafts[index].copy(pos.originalOrderID, from: transaction) }
    }

    mutating func mapSquareTransaction(_ record: CSVRecord, errors: inout [RowError]) {
        guard let columns = square else { return }
        let pos = POSColumns.shared
        let before = errors.count
        let event = squareEvent(record, columns, errors: &errors)
        let total = squareMoney(record, columns, columns.totalCollected, emptyIsZero: false, errors: &errors)
        let card = squareMoney(record, columns, columns.card, emptyIsZero: true, errors: &errors)
        let cash = squareMoney(record, columns, columns.cash, emptyIsZero: true, errors: &errors)
        let giftCard = squareMoney(record, columns, columns.giftCard, emptyIsZero: true, errors: &errors)
        let other = squareMoney(record, columns, columns.otherTender, emptyIsZero: true, errors: &errors)
        guard let event, let total, let card, let cash, let giftCard, let other, errors.count == before else { return }

        func field(_ position: Int?) -> String {
            guard let position else { return "" }
            return text(trimmed(record.bytes(position)))
        }
        let isThirdPartyCard = field(columns.otherTenderType).lowercased() == "third party card"
        var thirdParty: (processor: String, reference: String)?
        if isThirdPartyCard && other != 0 {
            let note = field(columns.otherTenderNote)
            if let colon = note.firstIndex(of: ":"),
                case let processor = note[..<colon].trimmingCharacters(in: .whitespaces),
                case let reference = note[note.index(after: colon)...].trimmingCharacters(in: .whitespaces),
                !processor.isEmpty, !reference.isEmpty
            {
                thirdParty = (processor, reference)
            } else {
                let position = columns.otherTenderNote ?? columns.otherTenderType ?? columns.otherTender
                if let position {
                    errors.append(error(record, position, "a Third Party Card needs 'processor:reference' in Other Tender Note"))
                }
            }
        }
        struct Tender {
            var column: Int?
            var amount: Int64
            var kind: TenderKind
            var processor: DraftValue
            var processorSource: Int?
            var reference: DraftValue
            var referenceSource: Int?
        }
        let tenders: [Tender] = [
            Tender(column: columns.card, amount: card, kind: .card, processor: .text("square"), processorSource: nil,
                   reference: columns.paymentID.map(DraftValue.field) ?? .empty, referenceSource: columns.paymentID),
            Tender(column: columns.otherTender, amount: isThirdPartyCard ? other : 0, kind: .card,
                   processor: thirdParty.map { .text($0.processor) } ?? .empty, processorSource: columns.otherTenderNote,
                   reference: thirdParty.map { .text($0.reference) } ?? .empty, referenceSource: columns.otherTenderNote),
            Tender(column: columns.cash, amount: cash, kind: .cash, processor: .empty, processorSource: nil, reference: .empty, referenceSource: nil),
            Tender(column: columns.giftCard, amount: giftCard, kind: .giftCard, processor: .empty, processorSource: nil, reference: .empty, referenceSource: nil),
            Tender(column: columns.otherTender, amount: isThirdPartyCard ? 0 : other, kind: .other, processor: .empty, processorSource: nil,
                   reference: .empty, referenceSource: nil),
        ].filter { $0.amount != 0 }
        for tender in tenders { checkSign(record, tender.column, tender.amount, isRefund: event.isRefund, errors: &errors) }
        let sum = tenders.reduce(Int64(0)) { $0 + $1.amount }
        if sum != total, let position = columns.totalCollected {
            errors.append(error(record, position, "the tenders add up to \(columns.shown(sum))"))
        }
        guard errors.count == before else { return }

        for (number, tender) in tenders.enumerated() {
            let index = newDraft()
            drafts[index].set(pos.tenderOrderID, .text(event.orderID), from: columns.transactionID)
            drafts[index].set(pos.tenderNumber, .text(String(number + 1)), from: nil)
            drafts[index].set(pos.tenderOccurredAt, .text(event.occurredAt), from: columns.time, showingSource: true)
            drafts[index].set(pos.tenderLocation, event.location.isEmpty ? .empty : .text(event.location), from: columns.location)
            drafts[index].set(pos.tender, .text(tender.kind.rawValue), from: tender.column)
            drafts[index].set(pos.tenderType, .text(event.isRefund ? TenderType.refund.rawValue : TenderType.payment.rawValue), from: columns.eventType)
            drafts[index].set(
                pos.amount, .text(formatMinorUnits(Int64(tender.amount.magnitude), exponent: columns.exponent)), from: tender.column,
                showingSource: true)
            drafts[index].set(pos.processor, tender.processor, from: tender.processorSource)
            drafts[index].set(pos.paymentRef, tender.reference, from: tender.referenceSource)
        }
    }
}

/// `3`, `-2`, `2.0`: a whole number (trailing zero decimals allowed, as Square writes weighed
/// quantities), or nil.
private func wholeQuantity(_ bytes: Bytes) -> Int64? {
    var index = 0
    var negative = false
    if bytes.first == UInt8(ascii: "-") {
        negative = true
        index = 1
    }
    var value: Int64 = 0
    var digits = 0
    while index < bytes.count, bytes[index] &- UInt8(ascii: "0") < 10 {
        let (times, overflow) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflowAgain) = times.addingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
        if overflow || overflowAgain || sum > IngestLimits.quantityUnits { return nil }
        value = sum
        digits += 1
        index += 1
    }
    guard digits > 0 else { return nil }
    if index < bytes.count {
        guard bytes[index] == UInt8(ascii: ".") else { return nil }
        index += 1
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "0") else { return nil }
            index += 1
        }
    }
    return negative ? -value : value
}
