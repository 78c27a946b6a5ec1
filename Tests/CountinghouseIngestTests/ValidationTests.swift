// Tests of row validation: every user-visible error with its input and its full message, kind
// detection from each header, the --kind override, and defaults making identical content equal.

import CountinghouseCore
import Testing

@testable import CountinghouseIngest

let ingestor = FileIngestor(settings: IngestSettings())

/// The full error messages of validating `csv` (empty when the file is valid).
func errorMessages(_ csv: String, kind: LedgerKind? = nil) -> [String] {
    switch ingestor.validate(bytes: Array(csv.utf8), displayName: "in.csv", kind: kind) {
    case .success: return []
    case .failure(let failure): return failure.errors.map(\.description)
    }
}

/// The rows of a valid `csv`, or nil.
func validRows(_ csv: String, kind: LedgerKind? = nil) -> [LedgerRow]? {
    try? ingestor.validate(bytes: Array(csv.utf8), displayName: "in.csv", kind: kind).get().1
}

let linesHeader = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,discount,tax,currency,original_order_id,original_line_no,fulfilled_at\n"
let tendersHeader = "order_id,tender_no,occurred_at,location,tender,type,amount,currency,processor,payment_ref\n"
let purchasesHeader = "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,total_cost,currency,supplier,original_document_id\n"
let transfersHeader = "transfer_id,line_no,type,occurred_at,from_location,to_location,sku,quantity,receipt_no\n"
let countsHeader = "count_id,occurred_at,location,sku,counted_quantity,unit_cost\n"
let settlementsHeader = "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,available_on,payout_id\n"
let itemsHeader = "sku,name,category,standard_cost,reorder_point,reorder_quantity\n"
let overridesHeader = "override_id,action,payment_ref,order_id,record_id,note,author\n"

let at = "2026-11-22T14:03:11+07:00"

// MARK: - Valid files and values

@Test func aValidPosLinesFileBecomesRowsInSchemaOrder() throws {
    let csv = linesHeader + "T1,1,\(at),S01,SKU-1,sale,2,12.50,1.00,,,X,9,\n"
    let rows = try #require(validRows(csv))
    #expect(rows.count == 1)
    let row = rows[0]
    #expect(row.kind == .posLines)
    #expect(row.sourceRow == 2)
    #expect(row["order_id"] == .text("T1"))
    #expect(row["line_no"] == .integer(1))
    #expect(row["occurred_at"] == .integer(1_795_330_991_000_000_000))
    #expect(row["type"] == .text("SALE"))
    #expect(row["quantity"] == .integer(2))
    #expect(row["unit_price"] == .integer(1250))
    #expect(row["discount"] == .integer(100))
    #expect(row["tax"] == .integer(0))
    #expect(row["currency"] == .text("USD"))
    // The return reference is ignored on a SALE.
    #expect(row["original_order_id"] == .null)
    #expect(row["original_line_no"] == .null)
    #expect(row["fulfilled_at"] == .null)
}

@Test func defaultsMakeIdenticalContentEqual() throws {
    let explicit = try #require(validRows(linesHeader + "T1,1,\(at),S01,SKU-1,SALE,2,12.50,0.00,0.00,USD,,,\n"))
    let implicit = try #require(
        validRows("sku, Quantity ,ORDER_ID,line_no,occurred_at,location,type,unit_price\nSKU-1,2,T1,1,\(at),S01,sale,12.5\n"))
    #expect(explicit[0].canonicalContent == implicit[0].canonicalContent)
    let otherZone = try #require(
        validRows(linesHeader + "T1,1,2026-11-22T07:03:11Z,S01,SKU-1,SALE,2,12.5,0,0,usd,,,\n"))
    #expect(otherZone[0].canonicalContent == explicit[0].canonicalContent)
}

@Test func headerColumnsByNameCaseSpacesOrderAndUnknownColumns() throws {
    let csv = "\u{FEFF} Extra ,SKU,Count_ID , unit_cost,occurred_at,location,counted_quantity\r\nzz,A,C1,,\(at),S01,0\r\n"
    let rows = try #require(validRows(csv))
    #expect(rows.first?.kind == .counts)
    #expect(rows.first?.values == [.text("C1"), .integer(1_795_330_991_000_000_000), .text("S01"), .text("A"), .integer(0), .null])
}

@Test func aQuotedFieldWithCommaAndQuotesIsStoredUnquotedAndTrimmed() throws {
    let rows = try #require(validRows(overridesHeader + "O1,match,,\"T,1\",,\" said \"\"ok\"\" \",ana\n"))
    #expect(rows[0]["order_id"] == .text("T,1"))
    #expect(rows[0]["note"] == .text("said \"ok\""))
    #expect(rows[0]["action"] == .text("MATCH"))
}

@Test func transferReceiptNumberDefaultsToOneOnReceive() throws {
    let csv = transfersHeader + "X1,1,SHIP,\(at),A,B,SKU,5,\nX1,1,receive,\(at),A,B,SKU,3,\nX1,1,RECEIVE,\(at),A,B,SKU,2,2\n"
    let rows = try #require(validRows(csv))
    #expect(rows.map { $0["receipt_no"] } == [.null, .integer(1), .integer(2)])
}

@Test func settlementsKeepSignedAmountsAndTheDate() throws {
    let csv = settlementsHeader + "Stripe,txn_1,refund,\(at),USD,-10.00,0.30,-10.30,pi_1,T1,2026-11-25,po_1\n"
    let rows = try #require(validRows(csv))
    #expect(rows[0]["processor"] == .text("stripe"))
    #expect(rows[0]["net"] == .integer(-1030))
    #expect(rows[0]["available_on"] == .text("2026-11-25"))
}

@Test func aCardTenderMayLeaveProcessorEmpty() {
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CARD,PAYMENT,10.00,,,\n") == [])
}

@Test func purchasesReceiveWithEitherCost() {
    #expect(errorMessages(purchasesHeader + "D1,1,\(at),S01,A,RECEIVE,2,,7.00,,,\nD1,2,\(at),S01,A,RECEIVE,2,3.50,,,,\n") == [])
}

@Test func aFinalLineWithoutNewlineAndTrailingBlankLines() throws {
    #expect(validRows(itemsHeader + "A,Apple,,1.00,,")?.count == 1)
    #expect(validRows(itemsHeader + "A,Apple,,1.00,,\n\n\r\n")?.count == 1)
}

@Test func smallChunksGiveTheSameRowsAndHash() throws {
    var tiny = FileIngestor(settings: IngestSettings())
    tiny.chunkSize = 5
    let csv = Array((linesHeader + "T1,1,\(at),S01,\"SKU\r\n1\",SALE,2,12.50,,,,,,\r\nT1,2,\(at),S01,B,SALE,1,1,,,,,,").utf8)
    let small = try tiny.validate(bytes: csv, displayName: "in.csv", kind: nil).get()
    let large = try ingestor.validate(bytes: csv, displayName: "in.csv", kind: nil).get()
    #expect(small.0 == large.0)
    #expect(small.1 == large.1)
    #expect(small.1[0]["sku"] == .text("SKU\r\n1"))
    #expect(small.1[1].sourceRow == 3)
}

// MARK: - Kind detection

@Test(arguments: [
    (linesHeader, LedgerKind.posLines), (tendersHeader, .posTenders), (purchasesHeader, .purchases),
    (transfersHeader, .transfers), (countsHeader, .counts), (settlementsHeader, .settlements),
    (itemsHeader, .items), (overridesHeader, .overrides),
])
func eachKindIsDetectedFromItsHeader(header: String, kind: LedgerKind) {
    guard case .success(let (file, rows)) = ingestor.validate(bytes: Array(header.utf8), displayName: "in.csv", kind: nil) else {
        Issue.record("\(kind) not detected")
        return
    }
    #expect(file.kind == kind)
    #expect(rows.isEmpty)
}

@Test func anUnknownHeaderNamesTheClosestKind() {
    #expect(errorMessages("order_id,line_no,occurred_at,location,sku,type\n") == [
        "in.csv:1: unknown file format; header begins \"order_id, line_no, occurred_at, location, sku, type\" (closest: pos_lines, which lacks quantity, unit_price); name it with --kind"
    ])
}

@Test func aHeaderMatchingNoKindNamesTheKindWithFewestMissingColumns() {
    #expect(errorMessages("name,category\n") == [
        "in.csv:1: unknown file format; header begins \"name, category\" (closest: items, which lacks sku); name it with --kind"
    ])
}

@Test func aNamedKindReportsEveryMissingRequiredColumn() {
    #expect(errorMessages("order_id,line_no,occurred_at,location,sku,type\n", kind: .posLines) == [
        "in.csv:1: missing required column quantity", "in.csv:1: missing required column unit_price",
    ])
}

@Test func aNamedKindOverridesDetection() throws {
    // An items header that also has a name column is read as items, whatever else it has.
    let rows = try #require(validRows("sku,name,order_id\nA,Apple,T1\n", kind: .items))
    #expect(rows[0].kind == .items)
}

@Test func aRepeatedColumnIsAFileError() {
    #expect(errorMessages("sku,SKU\nA,B\n") == ["in.csv:1: column sku appears twice in the header"])
}

@Test func anEmptyFileIsAFileError() {
    #expect(errorMessages("") == ["in.csv: the file is empty (no header row)"])
}

@Test func anUnreadableFileIsAFileError() {
    let check = ingestor.check(path: "/nonexistent/x.csv", displayName: "x.csv", kind: nil)
    guard case .invalid(nil, let errors) = check else {
        Issue.record("expected invalid")
        return
    }
    #expect(errors.map(\.description) == ["x.csv: cannot read the file: No such file or directory"])
}

// MARK: - One test per row error, with its exact message

@Test func emptyRequiredField() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,,SALE,2,1.00,,,,,,\n") == [
        "in.csv:2: column sku \"\": required"
    ])
}

@Test func badNumber() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,1,50,,,,,,\n") == [
        "in.csv:2: has 15 fields but the header has 14 (a value holding ',' must be in quotes: is a decimal comma (1.234,56) or a thousands separator not quoted?)"
    ])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,abc,,,,,,\n") == [
        "in.csv:2: column unit_price \"abc\": not a number"
    ])
}

@Test func tooManyDecimals() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,1.005,,,,,,\n") == [
        "in.csv:2: column unit_price \"1.005\": too many decimals for USD (at most 2)"
    ])
}

@Test func fractionInAQuantity() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,1.5,1.00,,,,,,\n") == [
        "in.csv:2: column quantity \"1.5\": fraction in a quantity"
    ])
}

@Test func zeroOrNegativeQuantity() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,0,1.00,,,,,,\nT1,2,\(at),S01,A,SALE,-2,1.00,,,,,,\n") == [
        "in.csv:2: column quantity \"0\": must be greater than 0",
        "in.csv:3: column quantity \"-2\": must be greater than 0",
    ])
}

@Test func negativeCountedQuantity() {
    #expect(errorMessages(countsHeader + "C1,\(at),S01,A,-1,\n") == [
        "in.csv:2: column counted_quantity \"-1\": must not be negative"
    ])
}

@Test func negativePriceAndDiscount() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,1,-1.00,-0.50,,,,,\n") == [
        "in.csv:2: column unit_price \"-1.00\": must not be negative",
        "in.csv:2: column discount \"-0.50\": must not be negative",
    ])
}

@Test func tenderAmountMustBePositive() {
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CASH,PAYMENT,0.00,,,\n") == [
        "in.csv:2: column amount \"0.00\": must be greater than 0"
    ])
}

@Test func unknownType() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SELL,1,1.00,,,,,,\n") == [
        "in.csv:2: column type \"SELL\": unknown type SELL (expected SALE, RETURN or COMP)"
    ])
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CHEQUE,PAYMENT,1.00,,,\n") == [
        "in.csv:2: column tender \"CHEQUE\": unknown tender CHEQUE (expected CARD, CASH, GIFT_CARD or OTHER)"
    ])
    #expect(errorMessages(overridesHeader + "O1,accept,pi_1,,,n,a\n") == [
        "in.csv:2: column action \"accept\": unknown action accept (expected MATCH, WRITE_OFF or IGNORE)"
    ])
    #expect(errorMessages(transfersHeader + "X1,1,SEND,\(at),A,B,SKU,5,\n") == [
        "in.csv:2: column type \"SEND\": unknown type SEND (expected SHIP or RECEIVE)"
    ])
}

@Test func timestampWithoutOffset() {
    #expect(errorMessages(linesHeader + "T1,1,2026-11-22T14:03:11,S01,A,SALE,1,1.00,,,,,,\n") == [
        "in.csv:2: column occurred_at \"2026-11-22T14:03:11\": timestamp without offset"
    ])
}

@Test func impossibleDate() {
    #expect(errorMessages(linesHeader + "T1,1,2026-02-30T10:00:00Z,S01,A,SALE,1,1.00,,,,,,\n") == [
        "in.csv:2: column occurred_at \"2026-02-30T10:00:00Z\": impossible date"
    ])
    #expect(errorMessages(settlementsHeader + "stripe,r1,FEE,\(at),USD,0,1.00,-1.00,,,2026-04-31,\n") == [
        "in.csv:2: column available_on \"2026-04-31\": impossible date"
    ])
}

@Test func foreignAndUnknownCurrency() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,1,1.00,,,EUR,,,\n") == [
        "in.csv:2: column currency \"EUR\": foreign currency EUR (the ledger's currency is USD)"
    ])
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CASH,PAYMENT,1.00,EURO,,\n") == [
        "in.csv:2: column currency \"EURO\": unknown currency"
    ])
}

@Test func theFunctionalCurrencyDecidesDecimals() {
    let yen = FileIngestor(settings: IngestSettings(functionalCurrency: "JPY"))
    let csv = Array((countsHeader + "C1,\(at),S01,A,1,1.50\n").utf8)
    guard case .failure(let failure) = yen.validate(bytes: csv, displayName: "in.csv", kind: nil) else {
        Issue.record("expected a failure")
        return
    }
    #expect(failure.errors.map(\.description) == [
        "in.csv:2: column unit_cost \"1.50\": too many decimals for JPY (at most 0)"
    ])
}

@Test func settlementNetMustBeGrossMinusFee() {
    #expect(errorMessages(settlementsHeader + "stripe,r1,CAPTURE,\(at),USD,10.00,0.30,9.60,pi_1,,,\n") == [
        "in.csv:2: column net \"9.60\": net must equal gross - fee (10.00 - 0.30 = 9.70)"
    ])
}

@Test func duplicateKeyEvenWhenIdentical() {
    let row = "T1,1,\(at),S01,A,SALE,1,1.00,,,,,,\n"
    #expect(errorMessages(linesHeader + row + "T1,2,\(at),S01,A,SALE,1,1.00,,,,,,\n" + row) == [
        "in.csv:4: duplicate key order_id T1, line_no 1 (first on row 2)"
    ])
}

@Test func aSkuTwiceInItems() {
    #expect(errorMessages(itemsHeader + "A,Apple,,,,\nA,Apple,,,,\n") == [
        "in.csv:3: duplicate key sku A (first on row 2)"
    ])
}

@Test func badLineNumbers() {
    #expect(errorMessages(linesHeader + "T1,01,\(at),S01,A,SALE,1,1.00,,,,,,\nT1,0,\(at),S01,A,SALE,1,1.00,,,,,,\n") == [
        "in.csv:2: column line_no \"01\": not a positive integer without leading zeros",
        "in.csv:3: column line_no \"0\": not a positive integer without leading zeros",
    ])
    #expect(errorMessages(tendersHeader + "T1,1.0,\(at),S01,CASH,PAYMENT,1.00,,,\n") == [
        "in.csv:2: column tender_no \"1.0\": not a positive integer without leading zeros"
    ])
    #expect(errorMessages(transfersHeader + "X1,1,RECEIVE,\(at),A,B,SKU,5,-1\n") == [
        "in.csv:2: column receipt_no \"-1\": not a positive integer without leading zeros"
    ])
}

@Test func aReturnWithALineButNoOrder() {
    #expect(errorMessages(linesHeader + "R1,1,\(at),S01,A,RETURN,1,1.00,,,,,1,\nR1,2,\(at),S01,A,RETURN,1,1.00,,,,,3,\n") == [
        "in.csv:2: column original_line_no \"1\": original_line_no needs original_order_id",
        "in.csv:3: column original_line_no \"3\": original_line_no needs original_order_id",
    ])
    #expect(errorMessages(linesHeader + "R1,1,\(at),S01,A,RETURN,1,1.00,,,,T1,01,\n") == [
        "in.csv:2: column original_line_no \"01\": not a positive integer without leading zeros"
    ])
}

@Test func aReturnNamingOnlyItsOrderIsAccepted() throws {
    // As Square refunds give it (FORMATS §2): the costing resolves the order to one of its lines.
    let rows = try #require(validRows(linesHeader + "R1,1,\(at),S01,A,RETURN,1,1.00,,,,T1,,\n"))
    #expect(rows.count == 1)
    #expect(rows[0]["original_order_id"] == .text("T1"))
    #expect(rows[0]["original_line_no"] == .null)
    // And with both columns, or neither, as before.
    #expect(errorMessages(linesHeader + "R1,1,\(at),S01,A,RETURN,1,1.00,,,,T1,2,\nR1,2,\(at),S01,A,RETURN,1,1.00,,,,,,\n") == [])
}

@Test func receiptNumberOnAShip() {
    #expect(errorMessages(transfersHeader + "X1,1,SHIP,\(at),A,B,SKU,5,1\n") == [
        "in.csv:2: column receipt_no \"1\": receipt_no is only for RECEIVE rows"
    ])
}

@Test func aTransferReceiveDisagreeingWithItsShip() {
    // SHIP first.
    #expect(errorMessages(transfersHeader + "X1,1,SHIP,\(at),A,B,SKU,5,\nX1,1,RECEIVE,\(at),A,C,OTHER,5,\n") == [
        "in.csv:3: column sku \"OTHER\": differs from row 2, the SHIP of transfer X1 line 1 (\"SKU\")",
        "in.csv:3: column to_location \"C\": differs from row 2, the SHIP of transfer X1 line 1 (\"B\")",
    ])
    // RECEIVE first: the later row (the SHIP) is reported.
    #expect(errorMessages(transfersHeader + "X1,1,RECEIVE,\(at),A,B,SKU,5,\nX1,1,SHIP,\(at),Z,B,SKU,5,\n") == [
        "in.csv:3: column from_location \"Z\": differs from row 2, the RECEIVE of transfer X1 line 1 (\"A\")"
    ])
}

@Test func inTransitIsReserved() {
    #expect(errorMessages(transfersHeader + "X1,1,SHIP,\(at),IN_TRANSIT,B,SKU,5,\n") == [
        "in.csv:2: column from_location \"IN_TRANSIT\": IN_TRANSIT is a reserved location code"
    ])
    #expect(errorMessages(countsHeader + "C1,\(at),IN_TRANSIT,A,1,\n") == [
        "in.csv:2: column location \"IN_TRANSIT\": IN_TRANSIT is a reserved location code"
    ])
}

@Test func aPurchaseReceiveWithoutCost() {
    #expect(errorMessages(purchasesHeader + "D1,1,\(at),S01,A,RECEIVE,2,,,,,\n") == [
        "in.csv:2: column unit_cost \"\": a RECEIVE needs unit_cost or total_cost"
    ])
    // A RETURN needs no cost.
    #expect(errorMessages(purchasesHeader + "D2,1,\(at),S01,A,RETURN,2,,,,,D1\n") == [])
}

@Test func negativeCosts() {
    #expect(errorMessages(purchasesHeader + "D1,1,\(at),S01,A,RECEIVE,2,-1.00,,,,\n") == [
        "in.csv:2: column unit_cost \"-1.00\": must not be negative"
    ])
}

@Test func anOverrideWithoutTarget() {
    #expect(errorMessages(overridesHeader + "O1,IGNORE,,,,why,ana\n") == [
        "in.csv:2: column payment_ref \"\": an override must name a payment_ref, order_id or record_id"
    ])
    #expect(errorMessages(overridesHeader + "O1,IGNORE,pi_1,,,,ana\n") == ["in.csv:2: column note \"\": required"])
}

/// Schema 7's override columns: processor (lower-cased), tender_no (only with order_id) and
/// effective_on; and a settlement's payment_method and vendor_category.
@Test func theReconciliationColumnsOfOverridesAndSettlements() throws {
    let header = "override_id,action,order_id,tender_no,processor,effective_on,note,author\n"
    let rows = try #require(validRows(header + "O1,WRITE_OFF,T1,2,Stripe,2026-10-31,short,ana\n"))
    let decided = Override(rows[0])
    #expect(decided.processor == "stripe")
    #expect(decided.tenderNumber == 2)
    #expect(decided.effectiveOn == CivilDate(year: 2026, month: 10, day: 31))
    #expect(errorMessages("override_id,action,record_id,tender_no,note,author\nO1,IGNORE,r1,2,why,ana\n") == [
        "in.csv:2: column tender_no \"2\": tender_no names a tender of the ticket in order_id, which is empty"
    ])
    let settled = try #require(
        validRows(
            "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_method,vendor_category\n"
                + "stripe,txn_1,CAPTURE,\(at),USD,10.00,0.59,9.41,Visa,charge\n"))
    #expect(SettlementRecord(settled[0]).paymentMethod == "visa")
    #expect(SettlementRecord(settled[0]).vendorCategory == "charge")
}

@Test func malformedQuotingIsARowError() {
    #expect(errorMessages(itemsHeader + "A,Ap\"ple,,,,\nB,\"Banana\"s,,,,\n") == [
        "in.csv:2: column name: quote inside an unquoted field",
        "in.csv:3: column name: unexpected character after a closing quote",
    ])
    #expect(errorMessages(itemsHeader + "A,\"Apple,,,,\nB,Banana,,,,\n") == [
        "in.csv:2: column name: quoted field not closed before the end of the file"
    ])
}

@Test func invalidUTF8IsARowError() {
    var bytes = Array((itemsHeader + "A,").utf8)
    bytes += [0x41, 0xFF, 0x42]
    bytes += Array(",,,,\n".utf8)
    guard case .failure(let failure) = ingestor.validate(bytes: bytes, displayName: "in.csv", kind: nil) else {
        Issue.record("expected a failure")
        return
    }
    #expect(failure.errors.map(\.description) == ["in.csv:2: column name \"A\u{FFFD}B\": invalid UTF-8: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"])
}

@Test func everyBadRowIsReportedAndRowsCountRecordsNotLines() {
    let csv = itemsHeader + "A,\"two\nlines\",,x,,\nB,ok,,1.00,-1,\nC,ok,,,,1.5\n"
    #expect(errorMessages(csv) == [
        "in.csv:2: column standard_cost \"x\": not a number",
        "in.csv:3: column reorder_point \"-1\": must not be negative",
        "in.csv:4: column reorder_quantity \"1.5\": fraction in a quantity",
    ])
}

@Test func aKeyThreeTimesReportsBothLaterRowsInRowOrderAmongOtherErrors() {
    let row = "C1,\(at),S01,A,1,\n"
    #expect(errorMessages(countsHeader + row + "C1,\(at),S01,B,-1,\n" + row + row) == [
        "in.csv:3: column counted_quantity \"-1\": must not be negative",
        "in.csv:4: duplicate key count_id C1, location S01, sku A (first on row 2)",
        "in.csv:5: duplicate key count_id C1, location S01, sku A (first on row 2)",
    ])
}

@Test func settlementKeysCompareTheProcessorInLowerCase() {
    let row = ",r1,FEE,\(at),USD,0,1.00,-1.00,,,,\n"
    #expect(errorMessages(settlementsHeader + "Stripe" + row + "stripe" + row) == [
        "in.csv:3: duplicate key processor stripe, record_id r1 (first on row 2)"
    ])
}

// MARK: - Limits (IngestLimits)

@Test func unitsTimesAUnitAmountMustStayWithinTheMoneyLimit() {
    // 1,000 units × 10,000,000,000.00 would be 10^15 minor units: past the limit of 10^12.
    #expect(errorMessages(purchasesHeader + "D1,1,\(at),S01,A,RECEIVE,1000,10000000000.00,,,,\n") == [
        "in.csv:2: column unit_cost \"10000000000.00\": quantity × unit_cost is out of range (at most 10000000000.00)"
    ])
    #expect(errorMessages(countsHeader + "C1,\(at),S01,A,1000,10000000000.00\n") == [
        "in.csv:2: column unit_cost \"10000000000.00\": counted_quantity × unit_cost is out of range (at most 10000000000.00)"
    ])
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,SALE,1000,10000000000.00,,,,,,\n") == [
        "in.csv:2: column unit_price \"10000000000.00\": quantity × unit_price is out of range (at most 10000000000.00)"
    ])
    // Past Int64 too: 10^9 units × 10^12 minor units.
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,COMP,1000000000,10000000000.00,,,,,,\n") == [
        "in.csv:2: column unit_price \"10000000000.00\": quantity × unit_price is out of range (at most 10000000000.00)"
    ])
    // At the limit exactly, and one minor unit past it.
    #expect(errorMessages(purchasesHeader + "D1,1,\(at),S01,A,RECEIVE,100,100000000.00,,,,\n") == [])
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,RETURN,100,100000000.01,,,,,,\n") == [
        "in.csv:2: column unit_price \"100000000.01\": quantity × unit_price is out of range (at most 10000000000.00)"
    ])
}

@Test func anAmountPastTheMoneyLimitIsARowErrorNamingIt() {
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,SALE,1,10000000000.00,10000000000.01,,,,,\n") == [
        "in.csv:2: column discount \"10000000000.01\": amount out of range (at most 10000000000.00)"
    ])
    // Past Int64 as well: the same words.
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CASH,PAYMENT,99999999999999999999.00,,,\n") == [
        "in.csv:2: column amount \"99999999999999999999.00\": amount out of range (at most 10000000000.00)"
    ])
    // Signed columns say both bounds; a negative past the limit is out of range before it is negative.
    #expect(errorMessages(settlementsHeader + "stripe,r1,PAYOUT,\(at),USD,-10000000000.01,0,-10000000000.01,,,,\n") == [
        "in.csv:2: column gross \"-10000000000.01\": amount out of range (between -10000000000.00 and 10000000000.00)",
        "in.csv:2: column net \"-10000000000.01\": amount out of range (between -10000000000.00 and 10000000000.00)",
    ])
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,SALE,1,-20000000000.00,,-10000000000.00,,,,\n") == [
        "in.csv:2: column unit_price \"-20000000000.00\": amount out of range (at most 10000000000.00)"
    ])
    #expect(errorMessages(settlementsHeader + "stripe,r1,PAYOUT,\(at),USD,-10000000000.00,0,-10000000000.00,,,,\n") == [])
    // The limit is in minor units: 10^12 yen.
    let yen = FileIngestor(settings: IngestSettings(functionalCurrency: "JPY"))
    guard case .failure(let failure) = yen.validate(bytes: Array((itemsHeader + "A,Apple,,1000000000001,,\n").utf8), displayName: "in.csv", kind: nil) else {
        Issue.record("expected a failure")
        return
    }
    #expect(failure.errors.map(\.description) == [
        "in.csv:2: column standard_cost \"1000000000001\": amount out of range (at most 1000000000000)"
    ])
}

@Test func aQuantityPastTheLimitIsARowErrorNamingIt() {
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,SALE,1000000000,0.01,,,,,,\n") == [])
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,A,SALE,1000000001,0.00,,,,,,\n") == [
        "in.csv:2: column quantity \"1000000001\": quantity out of range (at most 1000000000)"
    ])
    #expect(errorMessages(countsHeader + "C1,\(at),S01,A,99999999999999999999,\n") == [
        "in.csv:2: column counted_quantity \"99999999999999999999\": quantity out of range (at most 1000000000)"
    ])
    #expect(errorMessages(transfersHeader + "X1,1,SHIP,\(at),A,B,SKU,-5000000000,\n") == [
        "in.csv:2: column quantity \"-5000000000\": quantity out of range (at most 1000000000)"
    ])
    #expect(errorMessages(itemsHeader + "A,Apple,,,1000000001,2000000000\n") == [
        "in.csv:2: column reorder_point \"1000000001\": quantity out of range (at most 1000000000)",
        "in.csv:2: column reorder_quantity \"2000000000\": quantity out of range (at most 1000000000)",
    ])
}

// MARK: - Configured locations

/// The error messages of validating `csv` with the configuration's locations.
func errorMessages(_ csv: String, locations: [String]) -> [String] {
    let configured = FileIngestor(settings: IngestSettings(locationCodes: locations))
    switch configured.validate(bytes: Array(csv.utf8), displayName: "in.csv", kind: nil) {
    case .success: return []
    case .failure(let failure): return failure.errors.map(\.description)
    }
}

@Test func anUnknownLocationIsReportedWithTheFilesOtherRowErrorsInOnePass() {
    let csv = linesHeader + "T1,1,\(at),S09,A,SALE,2,1.00,,,,,,\n" + "T1,2,\(at),S01,A,SALE,1.5,1.00,,,,,,\n"
        + "T1,3,\(at),WH2,A,SALE,x,1.00,,,,,,\n" + "T1,1,\(at),S01,A,SALE,1,1.00,,,,,,\n"
    #expect(errorMessages(csv, locations: ["WH1", "S01"]) == [
        "in.csv:2: column location \"S09\": unknown location (countinghouse.toml lists S01, WH1)",
        "in.csv:3: column quantity \"1.5\": fraction in a quantity",
        "in.csv:4: column location \"WH2\": unknown location (countinghouse.toml lists S01, WH1)",
        "in.csv:4: column quantity \"x\": not a number",
        "in.csv:5: duplicate key order_id T1, line_no 1 (first on row 2)",
    ])
    // Without configured locations, any code is a location.
    #expect(errorMessages(csv, locations: []).count == 3)
}

@Test func bothLocationsOfATransferAreChecked() {
    let csv = transfersHeader + "X1,1,SHIP,\(at),WH1,S07,A,5,\nX1,1,RECEIVE,\(at),WH9,S07,A,5,\nX2,1,SHIP,\(at), WH1 ,S01,A,5,\n"
    #expect(errorMessages(csv, locations: ["S01", "WH1"]) == [
        "in.csv:2: column to_location \"S07\": unknown location (countinghouse.toml lists S01, WH1)",
        "in.csv:3: column from_location \"WH9\": unknown location (countinghouse.toml lists S01, WH1)",
        "in.csv:3: column to_location \"S07\": unknown location (countinghouse.toml lists S01, WH1)",
    ])
    #expect(errorMessages(countsHeader + "C1,\(at),s01,A,1,\n", locations: ["S01"]) == [
        "in.csv:2: column location \"s01\": unknown location (countinghouse.toml lists S01)"
    ])
}

/// A chain of thousands of stores: the error says how many and shows a few, not every code on every
/// row (a file from a store missing from the configuration has one error per row).
@Test func aLongListOfLocationsIsShortenedInTheError() {
    let codes = (1...3_000).map { "S" + String(repeating: "0", count: 4 - String($0).count) + String($0) }
    let csv = linesHeader + "T1,1,\(at),S9999,A,SALE,2,1.00,,,,,,\n"
    #expect(errorMessages(csv, locations: codes) == [
        "in.csv:2: column location \"S9999\": unknown location (countinghouse.toml lists 3000 locations: S0001, S0002, S0003, S0004, S0005, … S2999, S3000)"
    ])
    let ten = Array(codes.prefix(10))
    #expect(errorMessages(csv, locations: ten) == [
        "in.csv:2: column location \"S9999\": unknown location (countinghouse.toml lists \(ten.joined(separator: ", ")))"
    ])
}

/// Lookups in a long list: every configured code is found, codes next to them in byte order are not.
@Test func knownLocationsFindEveryCodeOfALongList() {
    let codes = (0..<500).map { "S\($0 * 3)" } + ["WH1", "Ω-7"]
    var known = KnownLocations(codes)
    var random = SeededGenerator(seed: 0x10C)
    for code in codes.shuffled(using: &random) {
        #expect(code.withBytes { known.contains($0) }, "\(code)")
        for neighbour in ["\(code)0", String(code.dropLast()), code + " "] where !codes.contains(neighbour) {
            #expect(!neighbour.withBytes { known.contains($0) }, "\(neighbour)")
        }
    }
}

// MARK: - Values a spreadsheet mangled or nobody meant

private let spreadsheetWords =
    "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"

@Test func anIdentifierInScientificNotationIsARowError() {
    #expect(errorMessages(tendersHeader + "7.56E+15,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,1.23e22\n") == [
        "in.csv:2: column order_id \"7.56E+15\": \(spreadsheetWords)",
        "in.csv:2: column payment_ref \"1.23e22\": \(spreadsheetWords)",
    ])
    #expect(errorMessages(settlementsHeader + "stripe,1E5,PAYOUT,\(at),USD,-1.00,0,-1.00,,-2.5E-3,,+4E+07\n") == [
        "in.csv:2: column record_id \"1E5\": \(spreadsheetWords)",
        "in.csv:2: column order_id \"-2.5E-3\": \(spreadsheetWords)",
        "in.csv:2: column payout_id \"+4E+07\": \(spreadsheetWords)",
    ])
    #expect(errorMessages(linesHeader + "R1,1,\(at),S01,A,RETURN,1,1.00,,,,4.1E+9,1,\n") == [
        "in.csv:2: column original_order_id \"4.1E+9\": \(spreadsheetWords)"
    ])
    #expect(errorMessages(purchasesHeader + "9E9,1,\(at),S01,A,RETURN,1,,,,,1.0E+1\n").count == 2)
    #expect(errorMessages(transfersHeader + "2e3,1,SHIP,\(at),A,B,SKU,5,\n").count == 1)
    #expect(errorMessages(countsHeader + "3E1,\(at),S01,A,1,\n").count == 1)
    #expect(errorMessages(overridesHeader + "1E1,IGNORE,,,5E5,why,ana\n").count == 2)
    // Ids that only look a little like numbers are ids.
    #expect(errorMessages(tendersHeader + "O-7.56E+15,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,pi_1E5\n") == [])
    #expect(errorMessages(tendersHeader + "1E,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,E5\n") == [])
    #expect(errorMessages(tendersHeader + "7.56E+15x,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,1.2.3E4\n") == [])
    #expect(errorMessages(tendersHeader + "12345678901234,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,1,5E3\n".replacingOccurrences(of: "1,5E3", with: "\"1,5E3\"")) == [])
}

@Test func skusAndLocationsRefuseOnlyTheUnmistakableSpreadsheetForm() {
    // A chain may name an item or a store 12E3; a spreadsheet writes 1.23457E+11.
    #expect(errorMessages(linesHeader + "O1,1,\(at),12E3,12E3,SALE,1,1.00,,,,,,\n") == [])
    #expect(errorMessages(linesHeader + "O1,1,\(at),1.5E3,12E+3,SALE,1,1.00,,,,,,\n") == [])
    #expect(errorMessages(linesHeader + "O1,1,\(at),S01,1.23457E+11,SALE,1,1.00,,,,,,\n") == [
        "in.csv:2: column sku \"1.23457E+11\": \(spreadsheetWords)"
    ])
    #expect(errorMessages(transfersHeader + "X1,1,SHIP,\(at),1.2E+3,-4.5e-1,SKU,5,\n") == [
        "in.csv:2: column from_location \"1.2E+3\": \(spreadsheetWords)",
        "in.csv:2: column to_location \"-4.5e-1\": \(spreadsheetWords)",
    ])
}

/// The identifier check is FORMATS §3.0's regular expression (and the strict one for codes),
/// compared on generated texts of the characters that matter.
@Test func theSpreadsheetNumberTestIsTheRegularExpression() throws {
    let loose = try Regex("^[+-]?[0-9]+(\\.[0-9]+)?[eE][+-]?[0-9]+$")
    let strict = try Regex("^[+-]?[0-9]+\\.[0-9]+[eE][+-][0-9]+$")
    var random = SeededGenerator(seed: 0xE5)
    let alphabet: [Character] = ["0", "1", "9", "+", "-", ".", "e", "E", "x", " "]
    var matched = (loose: 0, strict: 0)
    func digits(_ random: inout SeededGenerator) -> String { String((0..<random.below(3)).map { _ in random.pick(["0", "7"] as [Character]) }) }
    for _ in 0..<50_000 {
        var text = String((0..<random.below(9)).map { _ in random.pick(alphabet) })
        if random.percent(50) {
            // Near the shape: a sign, digits, a fraction, an exponent, each there or not.
            text = random.pick(["", "+", "-"]) + digits(&random) + random.pick(["", ".", "."]) + digits(&random)
                + random.pick(["e", "E", "", "x"]) + random.pick(["", "+", "-"]) + digits(&random)
        }
        let isLoose = (try? loose.wholeMatch(in: text)) != nil
        let isStrict = (try? strict.wholeMatch(in: text)) != nil
        #expect(text.withBytes { looksLikeSpreadsheetNumber($0, strict: false) } == isLoose, "\(text)")
        #expect(text.withBytes { looksLikeSpreadsheetNumber($0, strict: true) } == isStrict, "\(text)")
        if isLoose { matched.loose += 1 }
        if isStrict { matched.strict += 1 }
    }
    #expect(matched.loose > 100 && matched.strict > 20)
}

@Test func aValuePastItsLengthIsARowErrorShownCut() {
    let long = String(repeating: "7", count: 201)
    // Identifiers and codes have a length; a number fails its own rule, shown cut as well.
    #expect(errorMessages(linesHeader + "\(long),1,\(at),S01,A,SALE,1,\(long),,,,,,\n") == [
        "in.csv:2: column order_id \"\(String(repeating: "7", count: 40))…\": too long: 201 bytes (at most 200)",
        "in.csv:2: column unit_price \"\(String(repeating: "7", count: 40))…\": amount out of range (at most 10000000000.00)",
    ])
    let code = String(repeating: "X", count: 300)
    #expect(errorMessages(tendersHeader + "T1,1,\(at),\(code),\(code),PAYMENT,1.00,,\(code),\(code)\n") == [
        "in.csv:2: column location \"\(String(repeating: "X", count: 40))…\": too long: 300 bytes (at most 200)",
        "in.csv:2: column tender \"\(String(repeating: "X", count: 40))…\": too long: 300 bytes (at most 200)",
        "in.csv:2: column processor \"\(String(repeating: "X", count: 40))…\": too long: 300 bytes (at most 200)",
        "in.csv:2: column payment_ref \"\(String(repeating: "X", count: 40))…\": too long: 300 bytes (at most 200)",
    ])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,\(code),SALE,1,1.00,,,,,,\n") == [
        "in.csv:2: column sku \"\(String(repeating: "X", count: 40))…\": too long: 300 bytes (at most 200)"
    ])
    #expect(errorMessages(linesHeader + "\(String(repeating: "7", count: 200)),1,\(at),S01,A,SALE,1,1.00,,,,,,\n") == [])
    // Free text may hold a paragraph: 2,000 bytes.
    let paragraph = String(repeating: "é", count: 1000)
    #expect(errorMessages(overridesHeader + "O1,IGNORE,pi_1,,,\(paragraph),ana\n") == [])
    #expect(errorMessages(overridesHeader + "O1,IGNORE,pi_1,,,\(paragraph)x,ana\n") == [
        "in.csv:2: column note \"\(String(repeating: "é", count: 20))…\": too long: 2001 bytes (at most 2000)"
    ])
    // A value of a megabyte gives a message of a line, and never reaches the ledger.
    let megabyte = String(repeating: "a", count: 1 << 20)
    let messages = errorMessages(itemsHeader + "A,\"\(megabyte)\",,,,\n")
    #expect(messages == ["in.csv:2: column name \"\(String(repeating: "a", count: 40))…\": too long: 1048576 bytes (at most 2000)"])
}

@Test func invalidUTF8InALongFieldIsShownCut() {
    var bytes = Array((itemsHeader + "A,").utf8)
    bytes += [UInt8](repeating: 0x41, count: 300) + [0xFF]
    bytes += Array(",,,,\n".utf8)
    guard case .failure(let failure) = ingestor.validate(bytes: bytes, displayName: "in.csv", kind: nil) else {
        Issue.record("expected a failure")
        return
    }
    #expect(failure.errors.map(\.description) == ["in.csv:2: column name \"\(String(repeating: "A", count: 40))…\": invalid UTF-8: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"])
}

@Test func aRecordTooLongToBufferEndsTheFileWithANamedError() {
    var small = FileIngestor(settings: IngestSettings())
    small.maximumRecordBytes = 64
    small.chunkSize = 8
    let csv = itemsHeader + "A,Apple,,x,,\n" + "B,\"never closed,,,,\n" + String(repeating: "C,Cherry,,,,\n", count: 20)
    guard case .failure(let failure) = small.validate(bytes: Array(csv.utf8), displayName: "in.csv", kind: nil) else {
        Issue.record("expected a failure")
        return
    }
    #expect(failure.errors.map(\.description) == [
        "in.csv:2: column standard_cost \"x\": not a number",
        "in.csv:3: record longer than 64 bytes, the most one record may take (is a quote not closed?); the rest of the file was not read",
    ])
}

/// A processor code is a word (`stripe`): a colon would make the journal's payout ids ambiguous.
@Test func aProcessorCodeWithAColonIsARowError() {
    #expect(errorMessages(tendersHeader + "T1,1,\(at),S01,CARD,PAYMENT,10.00,,stripe:eu,\n") == [
        "in.csv:2: column processor \"stripe:eu\": a processor code cannot contain ':'"
    ])
    #expect(errorMessages(settlementsHeader + "a:b,txn_1,CAPTURE,\(at),USD,10.00,0.30,9.70,,,,\n") == [
        "in.csv:2: column processor \"a:b\": a processor code cannot contain ':'"
    ])
}
