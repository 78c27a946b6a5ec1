// The Stripe reader (FORMATS §3.1): itemized balance-transaction reports and the payouts report
// into settlements, every mapping rule, every oddity of a real file, every error message.
// Fixtures are in Stripe's own column layout and order (balance_change_from_activity.itemized.3
// and payouts.itemized.3, trimmed of columns the reader does not read, some kept to show they are
// ignored).

import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseIngest

let stripeItemizedHeader =
    "balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,source_id,description,automatic_payout_id,automatic_payout_effective_at_utc,charge_id,payment_intent_id,card_brand,payment_metadata[order_id]\n"

/// One itemized row in the header's order.
func stripeRow(
    _ id: String, _ created: String = "2026-11-22 07:03:11", category: String, gross: String, fee: String, net: String,
    source: String = "", payout: String = "po_1", charge: String = "", intent: String = "", brand: String = "", order: String = "",
    currency: String = "usd", available: String = "2026-11-24 00:00:00"
) -> String {
    "\(id),\(created),2026-11-22 14:03:11,\(available),2026-11-24 07:00:00,\(currency),\(gross),\(fee),\(net),\(category),\(source),Some text,\(payout),2026-11-25 00:00:00,\(charge),\(intent),\(brand),\(order)\n"
}

let stripeItemized =
    stripeItemizedHeader
    + stripeRow("txn_1", category: "charge", gross: "25.00", fee: "1.03", net: "23.97", source: "ch_1", charge: "ch_1", intent: "pi_1", brand: "visa", order: "T1")
    + stripeRow("txn_2", category: "refund", gross: "-10", fee: "0", net: "-10", source: "re_1", charge: "ch_1", intent: "pi_1", order: "T1")
    + stripeRow("txn_3", category: "dispute", gross: "-25.00", fee: "15.00", net: "-40.00", source: "dp_1", intent: "pi_2")
    + stripeRow("txn_4", category: "fee", gross: "-0.5", fee: "0", net: "-0.5", source: "")
    + stripeRow("txn_5", category: "payout_reversal", gross: "100.00", fee: "0", net: "100.00", source: "po_0", payout: "po_2")
    + stripeRow("txn_6", category: "charge", gross: "5.00", fee: "0.45", net: "4.55", source: "py_1")
    + stripeRow("txn_7", category: "risk_reserved_funds", gross: "-1.00", fee: "0", net: "-1.00", payout: "")
    + stripeRow("txn_8", category: "partial_capture_reversal", gross: "-2.00", fee: "0", net: "-2.00", charge: "ch_9")

@Test func stripeItemizedRowsMapOntoSettlements() {
    let rows = vendorRows(stripeItemized)
    #expect(rows.count == 8)
    #expect(rows.allSatisfy { $0.kind == .settlements })
    #expect(rows.map(\.sourceRow) == Array(2...9))
    #expect(named(rows[0]) == [
        "processor": "stripe", "record_id": "txn_1", "type": "CAPTURE", "occurred_at": "2026-11-22T07:03:11+00:00", "currency": "USD",
        "gross": "25.00", "fee": "1.03", "net": "23.97", "payment_ref": "ch_1", "order_id": "T1", "available_on": "2026-11-24",
        "payout_id": "po_1", "vendor_category": "charge",
    ])
    #expect(named(rows[1])["type"] == "REFUND")
    #expect(named(rows[1])["gross"] == "-10.00")
    #expect(named(rows[1])["payment_ref"] == "ch_1")
    // No charge_id: the payment intent.
    #expect(named(rows[2])["type"] == "CHARGEBACK")
    #expect(named(rows[2])["payment_ref"] == "pi_2")
    #expect(named(rows[2])["order_id"] == nil)
    #expect(named(rows[3])["type"] == "FEE")
    #expect(named(rows[3])["payment_ref"] == nil)
    // A failed payout names the payout that failed in payment_ref (source_id).
    #expect(named(rows[4])["type"] == "PAYOUT_FAILURE")
    #expect(named(rows[4])["payment_ref"] == "po_0")
    #expect(named(rows[4])["payout_id"] == "po_2")
    // A charge without charge_id and payment_intent_id: its source.
    #expect(named(rows[5])["payment_ref"] == "py_1")
    #expect(named(rows[6])["type"] == "ADJUSTMENT")
    #expect(named(rows[6])["vendor_category"] == "risk_reserved_funds")
    #expect(named(rows[6])["payout_id"] == nil)
    #expect(named(rows[6])["payment_ref"] == nil)
    #expect(named(rows[7])["type"] == "CAPTURE")
}

@Test(arguments: [
    ("charge", "CAPTURE"), ("partial_capture_reversal", "CAPTURE"), ("refund", "REFUND"), ("refund_failure", "REFUND_FAILURE"),
    ("charge_failure", "REFUND"), ("dispute", "CHARGEBACK"), ("dispute_reversal", "CHARGEBACK_REVERSAL"), ("fee", "FEE"),
    ("network_cost", "FEE"), ("tax", "FEE"), ("payout", "PAYOUT"), ("payout_reversal", "PAYOUT_FAILURE"),
    ("other_adjustment", "ADJUSTMENT"), ("connect_reserved_funds", "ADJUSTMENT"), ("transfer", "ADJUSTMENT"),
    ("topup", "ADJUSTMENT"), ("a_category_stripe_adds_later", "ADJUSTMENT"),
])
func eachReportingCategoryHasItsType(category: String, type: String) {
    let rows = vendorRows(stripeItemizedHeader + stripeRow("txn_1", category: category, gross: "1.00", fee: "0", net: "1.00"))
    #expect(rows.first.map(named)?["type"] == type)
    #expect(rows.first.map(named)?["vendor_category"] == category)
}

let stripePayoutsHeader =
    "payout_id,effective_at_utc,effective_at,currency,gross,fee,net,reporting_category,balance_transaction_id,description,payout_expected_arrival_date,payout_status,payout_type,payout_destination_id\n"

@Test func stripePayoutsReportRowsArePayouts() {
    let text =
        stripePayoutsHeader
        + "po_1,2026-11-25 00:00:00,2026-11-24 16:00:00,usd,-1210.50,0.00,-1210.50,payout,txn_p1,STRIPE PAYOUT,2026-11-26,paid,bank_account,ba_1\n"
        + "po_0,2026-11-26 00:00:00,2026-11-25 16:00:00,usd,100.00,0.00,100.00,payout_reversal,txn_p2,,2026-11-26,failed,bank_account,ba_1\n"
    let rows = vendorRows(text)
    #expect(rows.map(named) == [
        [
            "processor": "stripe", "record_id": "txn_p1", "type": "PAYOUT", "occurred_at": "2026-11-25T00:00:00+00:00", "currency": "USD",
            "gross": "-1210.50", "fee": "0.00", "net": "-1210.50", "available_on": "2026-11-25", "payout_id": "po_1",
            "vendor_category": "payout",
        ],
        [
            "processor": "stripe", "record_id": "txn_p2", "type": "PAYOUT_FAILURE", "occurred_at": "2026-11-26T00:00:00+00:00",
            "currency": "USD", "gross": "100.00", "fee": "0.00", "net": "100.00", "available_on": "2026-11-26", "payout_id": "po_0",
            "vendor_category": "payout_reversal",
        ],
    ])
}

@Test func aStripeFileWithBOMCRLFBlankRowsEmptyQuotesAndReorderedCaseChangedExtraColumnsGivesTheSameRows() {
    let plain = vendorRows(stripeItemized)
    #expect(vendorRows(withBOMAndCRLF(stripeItemized)) == plain)
    // Blank lines and rows of empty fields anywhere, `""` for empty cells.
    var lines = stripeItemized.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines[3] = lines[3].replacingOccurrences(of: ",,", with: ",\"\",")
    lines.insert(",,,,,,,,,,,,,,,,,", at: 2)
    lines.insert("", at: 5)
    lines.append(",\"\",,,,,,,,,,,,,,,,")
    lines.append("")
    let messy = lines.joined(separator: "\n")
    let messyRows = vendorRows(messy)
    #expect(messyRows.map(\.values) == plain.map(\.values))
    // Reordered, upper-cased, with extra columns Stripe adds in later versions.
    let reordered =
        " NET ,Fee,GROSS,Currency,Balance_Transaction_ID,Reporting_Category,Created_UTC,customer_facing_amount,charge_id,payment_metadata[order_id],Available_On_UTC,automatic_payout_id,card_brand\n"
        + "23.97,1.03,25.00,usd,txn_1,charge,2026-11-22 07:03:11,25.00,ch_1,T1,2026-11-24 00:00:00,po_1,visa\n"
    #expect(vendorRows(reordered).map(\.values) == [plain[0].values])
}

@Test func stripeRowErrorsNameStripesColumnsAndTheRowInTheFile() {
    let text =
        stripeItemizedHeader
        + stripeRow("txn_1", "8/6/2026 12:00", category: "charge", gross: "25.00", fee: "1.03", net: "23.97")
        + "\n"
        + stripeRow("txn_2", category: "charge", gross: "\"25,00\"", fee: "1.03", net: "23.97")
        + stripeRow("7.56E+15", category: "charge", gross: "25.00", fee: "1.03", net: "23.97", charge: "1.2302025304E+022")
        + stripeRow("txn_4", category: "charge", gross: "25.00", fee: "1.03", net: "23.00")
        + stripeRow("txn_5", category: "charge", gross: "25.00", fee: "1.03", net: "23.97", currency: "eur")
        + stripeRow("txn_6", category: "charge", gross: "25.001", fee: "1.03", net: "23.971")
        + stripeRow("txn_7", category: "charge", gross: "25.00", fee: "1.03", net: "23.97", available: "2026-11-24")
        + stripeRow("txn_8", "2026-02-30 10:00:00", category: "charge", gross: "25.00", fee: "1.03", net: "23.97")
        + stripeRow("txn_9", "", category: "", gross: "", fee: "1.03", net: "23.97")
        + stripeRow("txn_10", category: "charge", gross: "1.00", fee: "0", net: "1.00")
        + stripeRow("txn_10", category: "charge", gross: "1.00", fee: "0", net: "1.00")
    let spreadsheet = "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"
    #expect(vendorErrors(text) == [
        "in.csv:2: column created_utc \"8/6/2026 12:00\": is not YYYY-MM-DD HH:MM:SS (was the file re-saved by a spreadsheet?)",
        "in.csv:4: column gross \"25,00\": decimal comma: run the report with decimal_separator '.'",
        "in.csv:5: column balance_transaction_id \"7.56E+15\": \(spreadsheet)",
        "in.csv:5: column charge_id \"1.2302025304E+022\": \(spreadsheet)",
        "in.csv:6: column net \"23.00\": net must equal gross - fee (25.00 - 1.03 = 23.97)",
        "in.csv:7: column currency \"eur\": foreign currency EUR (the ledger's currency is USD)",
        "in.csv:8: column gross \"25.001\": too many decimals for USD (at most 2)",
        "in.csv:8: column net \"23.971\": too many decimals for USD (at most 2)",
        "in.csv:9: column available_on_utc \"2026-11-24\": is not YYYY-MM-DD HH:MM:SS (was the file re-saved by a spreadsheet?)",
        "in.csv:10: column created_utc \"2026-02-30 10:00:00\": impossible date",
        "in.csv:11: column reporting_category \"\": required",
        "in.csv:11: column created_utc \"\": required",
        "in.csv:11: column gross \"\": required",
        "in.csv:13: duplicate key processor stripe, record_id txn_10 (first on row 12)",
    ])
}

@Test func aStripeFileMissingRequiredColumnsNamesEveryOne() {
    #expect(vendorErrors("balance_transaction_id,created_utc,reporting_category,currency,gross,fee,net_amount\n") == [
        "in.csv:1: unknown file format; header begins \"balance_transaction_id, created_utc, reporting_category, currency, gross, fee, net_amount\" (closest: Stripe itemized balance-transaction report, which lacks net)"
    ])
    #expect(vendorErrors("balance_transaction_id,reporting_category,currency,gross,fee,net,created_utc,created_utc\n") == [
        "in.csv:1: column created_utc appears twice in the header"
    ])
    #expect(vendorErrors("payout_id,effective_at,currency,gross,fee,net,reporting_category,balance_transaction_id\n") == [
        "in.csv:1: missing required column effective_at_utc"
    ])
}

@Test func stripeExportsThatAreNotStatementsAreRejectedWithWhatToDownload() {
    #expect(vendorErrors("balance_transaction_id,created,available_on,currency,gross,fee,net,reporting_category\n") == [
        "in.csv:1: Stripe report without created_utc: created is in the report run's time zone, which the file does not say; add the created_utc column"
    ])
    #expect(vendorErrors("reporting_category,currency,count,gross,fee,net\ncharge,usd,3,75.00,3.09,71.91\n") == [
        "in.csv:1: Stripe summary report: download the itemized report"
    ])
    #expect(vendorErrors("id,Description,Seller Message,Created (UTC),Amount,Amount Refunded,Currency,Captured,Converted Amount\n") == [
        "in.csv:1: Stripe Payments export lists payments, not balance changes: download the Balance or Payout reconciliation report"
    ])
    #expect(vendorErrors("id,Type,Source,Amount,Fee,Net,Currency,Created (UTC),Available On (UTC),Description,Transfer\n") == [
        "in.csv:1: legacy Stripe balance export: download the Balance report (itemized) instead"
    ])
    #expect(vendorErrors("balance_transaction_id;created_utc;currency;gross;fee;net;reporting_category\ntxn_1;2026-11-22 07:03:11;usd;25,00;1,03;23,97;charge\n") == [
        "in.csv:1: file uses ';' as separator: export it with ',' (Stripe: decimal_separator '.')"
    ])
    // A comma-separated header with a ';' inside one column's name (a metadata key) is read.
    #expect(vendorErrors("payment_metadata[a;b],balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\nx,txn_9,2026-11-02 10:00:00,usd,1,0,1,charge\n") == [])
}

@Test func stripeSettingsNameTheProcessorAndTheOrderMetadataKey() {
    var settings = IngestSettings()
    settings.vendors.stripeProcessorName = "stripe_eu"
    settings.vendors.stripeOrderMetadataKey = "OrderRef"
    let text =
        "balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category,charge_id,payment_metadata[order_id],payment_metadata[orderref],Payment_Metadata[OrderRef]\n"
        + "txn_1,2026-11-22 07:03:11,usd,25.00,1.03,23.97,charge,ch_1,A,B,C\n"
    let rows = vendorRows(text, settings: settings)
    #expect(named(rows[0])["processor"] == "stripe_eu")
    // The key inside the brackets is compared case-sensitively; the prefix is not.
    #expect(named(rows[0])["order_id"] == "C")
}

@Test func stripeFilesAndKindFlag() {
    let one = stripeItemizedHeader + stripeRow("txn_1", category: "charge", gross: "1.00", fee: "0", net: "1.00")
    #expect(vendorRows(one, kind: .settlements).count == 1)
    #expect(vendorErrors(one, kind: .posLines) == [
        "in.csv:1: the header is a Stripe itemized balance-transaction report, which gives settlements, not pos_lines"
    ])
}

@Test func detectionFollowsFormatsOrder() {
    // Payouts (#4) before itemized (#5), and a vendor format before a canonical kind (#6).
    let payoutsAndItemized = "payout_id,effective_at_utc,created_utc,balance_transaction_id,currency,gross,fee,net,reporting_category\n"
    #expect((try? readVendor(payoutsAndItemized).get().0) == .settlements)
    #expect(vendorErrors(payoutsAndItemized + "po_1,2026-11-25 00:00:00,2026-11-24 00:00:00,txn_1,usd,-1.00,0,-1.00,payout\n").isEmpty)
    let payoutRow = vendorRows(payoutsAndItemized + "po_1,2026-11-25 00:00:00,2026-11-24 00:00:00,txn_1,usd,-1.00,0,-1.00,payout\n")
    #expect(payoutRow.first.map(named)?["occurred_at"] == "2026-11-25T00:00:00+00:00")
    #expect(payoutRow.first.map(named)?["payout_id"] == "po_1")
    let stripeAndCanonical = "processor,record_id,type,occurred_at,balance_transaction_id,created_utc,currency,gross,fee,net,reporting_category\n"
    let rows = vendorRows(stripeAndCanonical + "x,y,CAPTURE,2026-01-01T00:00:00Z,txn_1,2026-11-22 07:03:11,usd,1.00,0,1.00,charge\n")
    #expect(rows.first.map(named)?["record_id"] == "txn_1")
}
