// The Square reader (FORMATS §3.3): Items Detail into pos_lines and Transactions into pos_tenders —
// Square's money spelling, dates and 12-hour times, Rails time-zone names with DST, refunds as
// return tickets, tenders in columns — every mapping rule and error message. Fixtures are in the
// exports' own column layout and order.

import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseIngest

let squareItemsHeader =
    "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,Gross Sales,Discounts,Net Sales,Tax,Transaction ID,Payment ID,Device Name,Notes,Details,Event Type,Location,Dining Option,Customer ID,Customer Name,Customer Reference ID,Unit,Count,Itemization Type\n"

func squareItem(
    _ date: String = "2026-11-22", _ time: String = "09:03:11", zone: String = "Eastern Time (US & Canada)", qty: String, sku: String,
    gross: String, discounts: String = "$0.00", net: String, tax: String = "$0.00", transaction: String = "TX1", payment: String = "PAY1",
    event: String = "Payment", location: String = "Main Street"
) -> String {
    "\(date),\(time),\(zone),Shoes,Runner,\(qty),Regular,\(sku),,\(gross),\(discounts),\(net),\(tax),\(transaction),\(payment),Counter 1,,https://squareup.com/d/1,\(event),\(location),,,,,ea,1,Physical Item\n"
}

var squareSettings: IngestSettings {
    var settings = IngestSettings()
    settings.vendors.squareLocationMap = ["Main Street": "S01", "Airport": "S02"]
    return settings
}

let squareItems =
    squareItemsHeader
    + squareItem(qty: "2", sku: "SKU-1", gross: "\"$1,149.00\"", discounts: "-$49.00", net: "\"$1,100.00\"", tax: "$88.00")
    + squareItem(qty: "1", sku: "SKU-2", gross: "$0.00", net: "$0.00")
    + squareItem("11/23/2026", "2:15:00 PM", qty: "-1", sku: "SKU-1", gross: "($574.50)", discounts: "$24.50", net: "-$550.00",
        tax: "($44.00)", event: "Refund")
    + squareItem("2026-07-01", "10:00:00", zone: "London", qty: "3", sku: "SKU-3", gross: "$30.00", net: "$30.00", transaction: "TX2",
        location: "Airport")
    + squareItem(qty: "1", sku: "SKU-4", gross: "$5.00", net: "$5.00")

@Test func squareItemsDetailRowsArePosLines() {
    let rows = vendorRows(squareItems, settings: squareSettings)
    #expect(rows.allSatisfy { $0.kind == .posLines })
    #expect(rows.map(named) == [
        [
            "order_id": "TX1", "line_no": "1", "occurred_at": "2026-11-22T14:03:11+00:00", "location": "S01", "sku": "SKU-1", "type": "SALE",
            "quantity": "2", "unit_price": "574.50", "discount": "49.00", "tax": "88.00", "currency": "USD",
        ],
        [
            "order_id": "TX1", "line_no": "2", "occurred_at": "2026-11-22T14:03:11+00:00", "location": "S01", "sku": "SKU-2", "type": "COMP",
            "quantity": "1", "unit_price": "0.00", "discount": "0.00", "tax": "0.00", "currency": "USD",
        ],
        // A refund: a return ticket of its own, naming the sale's ticket and no line.
        [
            "order_id": "TX1~R20261123141500", "line_no": "1", "occurred_at": "2026-11-23T19:15:00+00:00", "location": "S01", "sku": "SKU-1",
            "type": "RETURN", "quantity": "1", "unit_price": "574.50", "discount": "24.50", "tax": "44.00", "currency": "USD",
            "original_order_id": "TX1",
        ],
        // London in summer is an hour ahead of UTC.
        [
            "order_id": "TX2", "line_no": "1", "occurred_at": "2026-07-01T09:00:00+00:00", "location": "S02", "sku": "SKU-3", "type": "SALE",
            "quantity": "3", "unit_price": "10.00", "discount": "0.00", "tax": "0.00", "currency": "USD",
        ],
        // Lines are numbered in file order per ticket.
        [
            "order_id": "TX1", "line_no": "3", "occurred_at": "2026-11-22T14:03:11+00:00", "location": "S01", "sku": "SKU-4", "type": "SALE",
            "quantity": "1", "unit_price": "5.00", "discount": "0.00", "tax": "0.00", "currency": "USD",
        ],
    ])
}

@Test func squareItemsDetailGivesTheRowsOfTheSameCanonicalFile() {
    let canonical =
        linesHeader
        + "TX1,1,2026-11-22T09:03:11-05:00,S01,SKU-1,SALE,2,574.50,49.00,88.00,,,,\n"
        + "TX1,2,2026-11-22T14:03:11Z,S01,SKU-2,COMP,1,0,,,USD,,,\n"
        + "TX1~R20261123141500,1,2026-11-23T19:15:00Z,S01,SKU-1,RETURN,1,574.50,24.50,44.00,,TX1,,\n"
        + "TX2,1,2026-07-01T10:00:00+01:00,S02,SKU-3,SALE,3,10,0,0,,,,\n"
        + "TX1,3,2026-11-22T14:03:11Z,S01,SKU-4,SALE,1,5.00,,,,,,\n"
    #expect(vendorRows(squareItems, settings: squareSettings).map(\.values) == vendorRows(canonical).map(\.values))
}

@Test func squareOdditiesGiveTheSameRows() {
    let plain = vendorRows(squareItems, settings: squareSettings)
    #expect(vendorRows(withBOMAndCRLF(squareItems), settings: squareSettings) == plain)
    var lines = squareItems.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.insert(String(repeating: ",", count: 26), at: 3)
    lines.insert("", at: 1)
    let messy = vendorRows(lines.joined(separator: "\n"), settings: squareSettings)
    #expect(messy.map(\.values) == plain.map(\.values))
    let reordered =
        "event type,SKU,qty,GROSS SALES,Net Sales,Discounts,Tax,Transaction ID,Location,Time Zone,Time,Date,Item\n"
        + "Payment,SKU-1,2,\"$1,149.00\",\"$1,100.00\",-$49.00,$88.00,TX1,Main Street,Eastern Time (US & Canada),9:03:11 AM,11/22/2026,Runner\n"
    #expect(vendorRows(reordered, settings: squareSettings).map(\.values) == [plain[0].values])
}

@Test func squareWallTimesFollowTheZonesDaylightSaving() {
    let text =
        squareItemsHeader
        // Clocks went back on 2026-11-01 at 2:00 EDT: 1:30 happened twice, the first (EDT) is taken.
        + squareItem("2026-11-01", "1:30:00 AM", qty: "1", sku: "A", gross: "$1.00", net: "$1.00", transaction: "T1")
        + squareItem("2026-11-01", "12:00:00 AM", qty: "1", sku: "A", gross: "$1.00", net: "$1.00", transaction: "T2")
        + squareItem("2026-11-01", "12:00:00 PM", qty: "1", sku: "A", gross: "$1.00", net: "$1.00", transaction: "T3")
        + squareItem("2026-01-15", "08:00:00", zone: "Jakarta", qty: "1", sku: "A", gross: "$1.00", net: "$1.00", transaction: "T4")
    #expect(vendorRows(text, settings: squareSettings).map { named($0)["occurred_at"] } == [
        "2026-11-01T05:30:00+00:00", "2026-11-01T04:00:00+00:00", "2026-11-01T17:00:00+00:00", "2026-01-15T01:00:00+00:00",
    ])
    // Clocks went forward on 2026-03-08 at 2:00 EST: 2:30 never happened.
    #expect(vendorErrors(squareItemsHeader + squareItem("2026-03-08", "2:30:00 AM", qty: "1", sku: "A", gross: "$1.00", net: "$1.00"), settings: squareSettings) == [
        "in.csv:2: column Time \"2:30:00 AM\": does not exist on 2026-03-08 in Eastern Time (US & Canada) (the clocks went forward)"
    ])
}

@Test func everyRailsTimeZoneNameIsAZoneFoundationKnows() {
    #expect(SquareTimeZones.ianaByRailsName.count == 151)
    for (name, identifier) in SquareTimeZones.ianaByRailsName {
        #expect(TimeZone(identifier: identifier) != nil, "\(name) → \(identifier)")
    }
}

@Test func squareItemsDetailErrors() {
    let spreadsheet = "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"
    let text =
        squareItemsHeader
        + squareItem(qty: "1.5", sku: "A", gross: "$1.00", net: "$1.00")
        + squareItem(qty: "-1", sku: "A", gross: "$1.00", net: "$1.00")
        + squareItem(qty: "3", sku: "A", gross: "$10.00", net: "$10.00")
        + squareItem(qty: "1", sku: "A", gross: "$10.00", discounts: "-$0.50", net: "$9.00")
        + squareItem(qty: "1", sku: "", gross: "$1.00", net: "$1.00")
        + squareItem(qty: "1", sku: "A", gross: "€1.00", net: "$1.00")
        + squareItem(qty: "1", sku: "A", gross: "$1", net: "$1.00")
        + squareItem(qty: "1", sku: "A", gross: "$1.00", net: "$1.00", event: "Refund")
        + squareItem(qty: "1", sku: "A", gross: "-$1.00", net: "-$1.00")
        + squareItem(qty: "1", sku: "A", gross: "$1.00", net: "$1.00", event: "Void")
        + squareItem(zone: "Mars", qty: "1", sku: "A", gross: "$1.00", net: "$1.00")
        + squareItem("22.11.2026", "9.03", qty: "1", sku: "A", gross: "$1.00", net: "$1.00")
        + squareItem("2026-02-30", qty: "1", sku: "A", gross: "$1.00", net: "$1.00")
        + squareItem(qty: "1", sku: "A", gross: "$1.00", net: "$1.00", transaction: "1.2302025304E+022")
        + squareItem(qty: "1", sku: "A", gross: "$1.00", net: "$1.00", location: "Elsewhere")
    var settings = squareSettings
    settings.locationCodes = ["S01", "S02"]
    #expect(vendorErrors(text, settings: settings) == [
        "in.csv:2: column Qty \"1.5\": not a whole number",
        "in.csv:3: column Qty \"-1\": must be greater than 0 on a Payment row",
        "in.csv:4: column Gross Sales \"$10.00\": does not divide into 3 equal unit prices",
        "in.csv:5: column Net Sales \"$9.00\": is not |Gross Sales| − |Discounts| ($10.00 − $0.50 = $9.50)",
        "in.csv:6: column SKU \"\": required",
        "in.csv:7: column Gross Sales \"€1.00\": is not written with square.currency_symbol \"$\"",
        "in.csv:8: column Gross Sales \"$1\": not an amount (Square writes $1,234.50, -$12.00 or ($12.00))",
        "in.csv:9: column Qty \"1\": must be less than 0 on a Refund row",
        "in.csv:10: column Gross Sales \"-$1.00\": must not be negative on a Payment row",
        "in.csv:10: column Net Sales \"-$1.00\": must not be negative on a Payment row",
        "in.csv:11: column Event Type \"Void\": is not Payment or Refund",
        "in.csv:12: column Time Zone \"Mars\": is not a time zone name Square uses (a Rails name such as \"Eastern Time (US & Canada)\")",
        "in.csv:13: column Date \"22.11.2026\": is not YYYY-MM-DD or MM/DD/YYYY",
        "in.csv:13: column Time \"9.03\": is not HH:MM:SS or H:MM:SS AM/PM",
        "in.csv:14: column Date \"2026-02-30\": impossible date",
        "in.csv:15: column Transaction ID \"1.2302025304E+022\": \(spreadsheet)",
        "in.csv:16: column Location \"Elsewhere\": unknown location (countinghouse.toml lists S01, S02)",
    ])
}

let squareTransactionsHeader =
    "Date,Time,Time Zone,Gross Sales,Discounts,Service Charges,Net Sales,Gift Card Sales,Tax,Tip,Partial Refunds,Total Collected,Source,Card,Card Entry Methods,Cash,Square Gift Card,Other Tender,Other Tender Type,Other Tender Note,Fees,Net Total,Transaction ID,Payment ID,Card Brand,PAN Suffix,Device Name,Staff Name,Staff ID,Details,Description,Event Type,Location,Dining Options,Customer ID,Customer Name,Customer Reference ID,Device Nickname,Deposit ID,Deposit Date,Deposit Details\n"

func squareTransaction(
    _ date: String = "2026-11-22", _ time: String = "09:03:11", total: String, card: String = "$0.00", cash: String = "$0.00",
    giftCard: String = "$0.00", other: String = "$0.00", otherType: String = "", otherNote: String = "", transaction: String = "TX1",
    payment: String = "PAY1", event: String = "Payment"
) -> String {
    "\(date),\(time),Eastern Time (US & Canada),$0.00,$0.00,$0.00,$0.00,$0.00,$0.00,$0.00,$0.00,\(total),Point of Sale,\(card),Dip,\(cash),\(giftCard),\(other),\(otherType),\(otherNote),-$1.00,$0.00,\(transaction),\(payment),Visa,1234,Counter 1,Ana,S1,https://squareup.com/d/1,Runner,\(event),Main Street,,,,,,DEP1,2026-11-24,\n"
}

@Test func squareTransactionsRowsArePosTendersInColumnOrder() {
    let text =
        squareTransactionsHeader
        + squareTransaction(total: "\"$1,188.00\"", card: "\"$1,000.00\"", cash: "$188.00")
        + squareTransaction(total: "$60.00", giftCard: "$10.00", other: "$50.00", otherType: "Third Party Card", otherNote: "Adyen: 8815",
            transaction: "TX3", payment: "")
        + squareTransaction("11/23/2026", "2:15:00 PM", total: "($594.00)", card: "-$594.00", event: "Refund")
        + squareTransaction(total: "$5.00", other: "$5.00", otherType: "Check", otherNote: "no 123", transaction: "TX4", payment: "")
    let rows = vendorRows(text, settings: squareSettings)
    #expect(rows.allSatisfy { $0.kind == .posTenders })
    let at = "2026-11-22T14:03:11+00:00"
    #expect(rows.map(named) == [
        ["order_id": "TX1", "tender_no": "1", "occurred_at": at, "location": "S01", "tender": "CARD", "type": "PAYMENT", "amount": "1000.00", "currency": "USD", "processor": "square", "payment_ref": "PAY1"],
        ["order_id": "TX1", "tender_no": "2", "occurred_at": at, "location": "S01", "tender": "CASH", "type": "PAYMENT", "amount": "188.00", "currency": "USD"],
        ["order_id": "TX3", "tender_no": "1", "occurred_at": at, "location": "S01", "tender": "CARD", "type": "PAYMENT", "amount": "50.00", "currency": "USD", "processor": "adyen", "payment_ref": "8815"],
        ["order_id": "TX3", "tender_no": "2", "occurred_at": at, "location": "S01", "tender": "GIFT_CARD", "type": "PAYMENT", "amount": "10.00", "currency": "USD"],
        ["order_id": "TX1~R20261123141500", "tender_no": "1", "occurred_at": "2026-11-23T19:15:00+00:00", "location": "S01", "tender": "CARD", "type": "REFUND", "amount": "594.00", "currency": "USD", "processor": "square", "payment_ref": "PAY1"],
        ["order_id": "TX4", "tender_no": "1", "occurred_at": at, "location": "S01", "tender": "OTHER", "type": "PAYMENT", "amount": "5.00", "currency": "USD"],
    ])
    #expect(rows.map(\.sourceRow) == [2, 2, 3, 3, 4, 5])
}

@Test func squareTransactionsErrors() {
    let text =
        squareTransactionsHeader
        + squareTransaction(total: "$10.00", card: "$9.00")
        + squareTransaction(total: "$5.00", other: "$5.00", otherType: "Third Party Card", otherNote: "adyen", transaction: "TX2")
        + squareTransaction(total: "-$5.00", card: "-$5.00", transaction: "TX3")
        + squareTransaction(total: "$5.00", card: "$5.00", transaction: "TX4", event: "Refund")
        + squareTransaction(total: "", cash: "$1.00", transaction: "TX5")
        + squareTransaction(total: "$1.00", card: "$1.00", transaction: "TX6", payment: "7.56E+15")
        + squareTransaction(total: "$1.00", cash: "$1.00", transaction: "TX7")
        + squareTransaction(total: "$1.00", cash: "$1.00", transaction: "TX7")
    #expect(vendorErrors(text, settings: squareSettings) == [
        "in.csv:2: column Total Collected \"$10.00\": the tenders add up to $9.00",
        "in.csv:3: column Other Tender Note \"adyen\": a Third Party Card needs 'processor:reference' in Other Tender Note",
        "in.csv:4: column Card \"-$5.00\": must not be negative on a Payment row",
        "in.csv:5: column Card \"$5.00\": must not be positive on a Refund row",
        "in.csv:6: column Total Collected \"\": required",
        "in.csv:7: column Payment ID \"7.56E+15\": looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet",
        "in.csv:9: duplicate key order_id TX7, tender_no 1 (first on row 8)",
    ])
}

@Test func squareDetectionOrderAndTheKindFlag() {
    // A header with both Square exports' columns is Items Detail (FORMATS §3.0 tests it first).
    let both = "Date,Time,Time Zone,Item,Qty,SKU,Gross Sales,Discounts,Net Sales,Tax,Transaction ID,Event Type,Location,Total Collected,Card,Cash\n"
    #expect((try? readVendor(both).get().0) == .posLines)
    #expect((try? readVendor(squareTransactionsHeader).get().0) == .posTenders)
    #expect(vendorErrors(squareTransactionsHeader, kind: .posLines) == [
        "in.csv:1: the header is a Square Transactions export, which gives pos_tenders, not pos_lines"
    ])
    #expect(vendorErrors("Date,Time,Time Zone,Item,Qty,Gross Sales,Transaction ID,Event Type\n") == [
        "in.csv:1: missing required column SKU", "in.csv:1: missing required column Discounts", "in.csv:1: missing required column Net Sales",
        "in.csv:1: missing required column Tax", "in.csv:1: missing required column Location",
    ])
    var euro = squareSettings
    euro.functionalCurrency = "EUR"
    euro.vendors.squareCurrencySymbol = "€"
    let rows = vendorRows(squareItemsHeader + squareItem(qty: "1", sku: "A", gross: "€1.00", discounts: "€0.00", net: "€1.00", tax: "€0.00"), settings: euro)
    #expect(rows.first.map(named)?["unit_price"] == "1.00")
}

@Test func squareTransactionsWithBOMCRLFBlankRowsAndEmptyQuotesGiveTheSameRows() {
    let text =
        squareTransactionsHeader
        + squareTransaction(total: "\"$1,188.00\"", card: "\"$1,000.00\"", cash: "$188.00")
        + squareTransaction(total: "$5.00", cash: "$5.00", giftCard: "", other: "\"\"", transaction: "TX4", payment: "")
    let plain = vendorRows(text, settings: squareSettings)
    #expect(plain.count == 3)
    #expect(vendorRows(withBOMAndCRLF(text + String(repeating: ",", count: 40) + "\n\n"), settings: squareSettings) == plain)
}
