// The Adyen reader (FORMATS §3.2): the Settlement details report into settlements — debit and
// credit columns, gross in the transaction currency converted to the net currency, the fee split,
// account-level record ids, batches and their MerchantPayout, TimeZone abbreviations — and the
// same settlements fed as Stripe, as Adyen and as canonical giving the same ledger rows.
// Fixtures are in the report's own column layout and order.

import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseIngest

let adyenHeader =
    "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10,Booking Date\n"

/// One report row in the header's order (the commission columns are carried, never read).
func adyenRow(
    psp: String = "", reference: String = "", method: String = "", created: String = "2026-11-22 08:03:11", zone: String = "CET",
    type: String, modification: String, grossCurrency: String = "USD", grossDebit: String = "", grossCredit: String = "",
    rate: String = "", netCurrency: String = "USD", netDebit: String = "", netCredit: String = "", batch: String = "12",
    booking: String = "", account: String = "AcmeUS"
) -> String {
    "AcmeCorp,\(account),\(psp),\(reference),\(method),\(created),\(zone),\(type),\(modification),\(grossCurrency),\(grossDebit),\(grossCredit),\(rate),\(netCurrency),\(netDebit),\(netCredit),0.10,0.05,0.40,0.48,visacredit,,\(batch),,,,,,,,\(booking)\n"
}

let adyenReport =
    adyenHeader
    + adyenRow(psp: "8815", reference: "T1", method: "visa", type: "Settled", modification: "8815", grossCredit: "25.00", netCredit: "23.97")
    + adyenRow(psp: "8815", reference: "T1", type: "Refunded", modification: "8816", grossDebit: "10.00", netDebit: "10.00")
    + adyenRow(psp: "8817", reference: "T2", type: "Chargeback", modification: "8818", grossDebit: "25.00", netDebit: "40.00")
    + adyenRow(type: "Fee", modification: "Transaction Fees November", netDebit: ".50")
    + adyenRow(type: "fee", modification: "Transaction Fees November", netDebit: "0.50")
    + adyenRow(type: "Fee", modification: "Transaction Fees November", netDebit: "0.25")
    + adyenRow(created: "2026-11-23 02:00:00", type: "MerchantPayout", modification: "PAYOUT-12", netDebit: "1000.00")
    + adyenRow(type: "Balancetransfer", modification: "Balance transfer", netCredit: "7.00", batch: "")
    + adyenRow(psp: "8819", reference: "T3", created: "2026-07-01 10:00:00", zone: "PDT", type: "SettledBulk", modification: "8819",
        grossCurrency: "EUR", grossCredit: "10.00", rate: "1.0837", netCredit: "10.50", booking: "2026-07-03 00:00:00")
    + adyenRow(psp: "8820", reference: "T4", type: "RefundedReversed", modification: "8821", grossCurrency: "EUR", grossDebit: "0.05",
        rate: "1.1", netDebit: "0.06")
    + adyenRow(type: "BankInstructionReturned", modification: "PAYOUT-11", netCredit: "900.00")

@Test func adyenRowsMapOntoSettlements() {
    let rows = vendorRows(adyenReport)
    #expect(rows.count == 11)
    #expect(named(rows[0]) == [
        "processor": "adyen", "record_id": "8815", "type": "CAPTURE", "occurred_at": "2026-11-22T07:03:11+00:00", "currency": "USD",
        "gross": "25.00", "fee": "1.03", "net": "23.97", "payment_ref": "8815", "order_id": "T1", "payout_id": "12",
        "vendor_category": "Settled", "payment_method": "visa",
    ])
    // A refund: its own id in record_id, its payment in payment_ref.
    #expect(named(rows[1])["record_id"] == "8816")
    #expect(named(rows[1])["payment_ref"] == "8815")
    #expect([named(rows[1])["type"], named(rows[1])["gross"], named(rows[1])["fee"], named(rows[1])["net"]] == ["REFUND", "-10.00", "0.00", "-10.00"])
    // A chargeback with its fee: net on the debit side, larger than the gross.
    #expect([named(rows[2])["type"], named(rows[2])["gross"], named(rows[2])["fee"], named(rows[2])["net"]] == ["CHARGEBACK", "-25.00", "15.00", "-40.00"])
    // Account-level rows: batch:Type:reference, repeats numbered in file order (Type as written).
    #expect(rows[3...5].map { named($0)["record_id"] } == ["12:Fee:Transaction Fees November", "12:fee:Transaction Fees November", "12:Fee:Transaction Fees November:2"])
    #expect([named(rows[3])["type"], named(rows[3])["gross"], named(rows[3])["fee"], named(rows[3])["net"], named(rows[3])["payment_ref"]] == ["FEE", "-0.50", "0.00", "-0.50", nil])
    // The batch's MerchantPayout is its payout.
    #expect(named(rows[6]) == [
        "processor": "adyen", "record_id": "PAYOUT-12", "type": "PAYOUT", "occurred_at": "2026-11-23T01:00:00+00:00", "currency": "USD",
        "gross": "-1000.00", "fee": "0.00", "net": "-1000.00", "payout_id": "12", "vendor_category": "MerchantPayout",
    ])
    // No batch yet: `open`, and no payout_id.
    #expect(named(rows[7])["record_id"] == "open:Balancetransfer:Balance transfer")
    #expect(named(rows[7])["type"] == "ADJUSTMENT")
    #expect(named(rows[7])["payout_id"] == nil)
    // EUR 10.00 × 1.0837 = USD 10.837 → 10.84; fee 0.34; PDT is −07:00; the booking date.
    #expect([named(rows[8])["gross"], named(rows[8])["fee"], named(rows[8])["net"]] == ["10.84", "0.34", "10.50"])
    #expect(named(rows[8])["occurred_at"] == "2026-07-01T17:00:00+00:00")
    #expect(named(rows[8])["available_on"] == "2026-07-03")
    // −0.05 × 1.1 = −0.055 → −0.06, half away from zero.
    #expect([named(rows[9])["type"], named(rows[9])["gross"], named(rows[9])["fee"], named(rows[9])["net"]] == ["REFUND_FAILURE", "-0.06", "0.00", "-0.06"])
    #expect([named(rows[10])["type"], named(rows[10])["record_id"], named(rows[10])["gross"]] == ["PAYOUT_FAILURE", "PAYOUT-11", "900.00"])
}

@Test(arguments: [
    ("Settled", "CAPTURE"), ("SettledBulk", "CAPTURE"), ("SettledExternallyWithInfo", "CAPTURE"), ("SettledInstallment", "CAPTURE"),
    ("Refunded", "REFUND"), ("RefundedBulk", "REFUND"), ("RefundedExternallyWithInfo", "REFUND"), ("RefundedReversed", "REFUND_FAILURE"),
    ("Chargeback", "CHARGEBACK"), ("SecondChargeback", "CHARGEBACK"), ("ChargebackExternallyWithInfo", "CHARGEBACK"),
    ("ChargebackReversed", "CHARGEBACK_REVERSAL"), ("ChargebackReversedExternallyWithInfo", "CHARGEBACK_REVERSAL"),
    ("Fee", "FEE"), ("MiscCosts", "FEE"), ("PaymentCost", "FEE"), ("InvoiceDeduction", "FEE"), ("AuthorisationSchemeFee", "FEE"),
    ("MerchantPayout", "PAYOUT"), ("BankInstructionReturned", "PAYOUT_FAILURE"), ("DepositCorrection", "ADJUSTMENT"),
    ("Balancetransfer", "ADJUSTMENT"), ("ManualCorrected", "ADJUSTMENT"), ("MatchedStatement", "ADJUSTMENT"),
    ("InternalCompanyPayout", "ADJUSTMENT"), ("ReserveAdjustment", "ADJUSTMENT"), ("SETTLED", "CAPTURE"),
])
func eachAdyenTypeHasItsCanonicalType(type: String, canonical: String) {
    let rows = vendorRows(adyenHeader + adyenRow(psp: "1", type: type, modification: "M1", grossCredit: "1.00", netCredit: "1.00"))
    #expect(rows.first.map(named)?["type"] == canonical)
    #expect(rows.first.map(named)?["vendor_category"] == type)
}

@Test func anAdyenReportWithBOMCRLFBlankRowsAndReorderedColumnsGivesTheSameRows() {
    let plain = vendorRows(adyenReport)
    #expect(vendorRows(withBOMAndCRLF(adyenReport)) == plain)
    var lines = adyenReport.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    lines.insert(String(repeating: ",", count: 30), at: 4)
    lines.insert("", at: 1)
    lines.append(String(repeating: "\"\",", count: 30) + "\"\"")
    #expect(vendorRows(lines.joined(separator: "\n")).map(\.values) == plain.map(\.values))
    let reordered =
        "net credit (nc),NET DEBIT (NC),Batch Number,Type,TimeZone,Creation Date,Modification Reference,Psp Reference,Merchant Reference,Merchant Account,Gross Currency,Gross Credit (GC),Gross Debit (GC),Exchange Rate,Net Currency,Payment Method,Extra\n"
        + "23.97,\"\",12,Settled,CET,2026-11-22 08:03:11,8815,8815,T1,AcmeUS,USD,25.00,,1,USD,visa,x\n"
    #expect(vendorRows(reordered).map(\.values) == [plain[0].values])
}

/// Review findings: an account-level row's Gross columns are still checked (never negative, never
/// both sides); a missing Gross Currency or Net Currency is one error named by its column, not
/// errors on the canonical gross, fee and net.
@Test func adyenCurrencyAndAccountLevelGrossErrorsNameTheColumn() {
    let text =
        adyenHeader
        + adyenRow(type: "Fee", modification: "F1", grossDebit: "5.00", grossCredit: "-3", netDebit: "1.00")
        + adyenRow(type: "Fee", modification: "F2", grossDebit: "5.00", grossCredit: "3.00", netDebit: "1.00")
        + adyenRow(psp: "1", type: "Settled", modification: "1", grossCurrency: "", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "2", type: "Settled", modification: "2", grossCredit: "1.00", netCurrency: "", netCredit: "1.00")
    #expect(vendorErrors(text) == [
        "in.csv:2: column Gross Credit (GC) \"-3\": must not be negative",
        "in.csv:3: column Gross Debit (GC) \"5.00\": Gross Debit (GC) and Gross Credit (GC) are both non-zero",
        "in.csv:4: column Gross Currency \"\": required",
        "in.csv:5: column Net Currency \"\": required",
    ])
    // A transaction row with no gross on either side and no Gross Currency: gross 0.
    let noGross = adyenHeader + adyenRow(psp: "3", type: "Settled", modification: "3", grossCurrency: "", netDebit: "0.30")
    #expect(vendorErrors(noGross) == [])
}

@Test func adyenRowErrorsNameTheReportsColumns() {
    let spreadsheet = "looks like a number a spreadsheet rewrote; export the file again without opening it in a spreadsheet"
    let text =
        adyenHeader
        + adyenRow(psp: "1", zone: "IST", type: "Settled", modification: "1", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "2", type: "Settled", modification: "2", grossCredit: "1.00", netCredit: "-1.00")
        + adyenRow(psp: "3", type: "Settled", modification: "3", grossCredit: "1.00", netDebit: "5.00", netCredit: "1.00")
        + adyenRow(psp: "4", type: "Settled", modification: "4", grossCredit: "1.00", rate: "1.1", netCredit: "1.00")
        + adyenRow(psp: "5", type: "Settled", modification: "5", grossCurrency: "EUR", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "6", created: "22/11/2026 08:03", type: "Settled", modification: "6", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "7.56E+15", type: "Settled", modification: "7", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "8", type: "Settled", modification: "8", grossCurrency: "EUR", grossCredit: "1.00", netCurrency: "EUR", netCredit: "1.00")
        + adyenRow(psp: "9", type: "Settled", modification: "9", grossCredit: "1.005", netCredit: "1.00")
        + adyenRow(psp: "10", type: "Settled", modification: "10", grossCurrency: "EUR", grossCredit: "1.00", rate: "abc", netCredit: "1.00")
        + adyenRow(psp: "11", type: "", modification: "", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "12", type: "Settled", modification: "12", grossCredit: "\"1,00\"", netCredit: "1.00")
        + adyenRow(psp: "13", type: "Settled", modification: "13", grossCredit: "1.00", netCredit: "1.00", booking: "03.07.2026")
        + adyenRow(psp: "14", type: "Settled", modification: "14", grossCurrency: "XYZ", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(psp: "15", type: "Settled", modification: "15", grossCredit: "1.00", netCredit: "1.00", booking: "3 July 2026")
    #expect(vendorErrors(text) == [
        "in.csv:2: column TimeZone \"IST\": is not a known abbreviation (CST and IST are ambiguous): set adyen.time_zone_abbreviations",
        "in.csv:3: column Net Credit (NC) \"-1.00\": must not be negative",
        "in.csv:4: column Net Debit (NC) \"5.00\": Net Debit (NC) and Net Credit (NC) are both non-zero",
        "in.csv:5: column Exchange Rate \"1.1\": must be empty or 1 when Gross Currency equals Net Currency",
        "in.csv:6: column Exchange Rate \"\": is required when Gross Currency (EUR) differs from Net Currency (USD)",
        "in.csv:7: column Creation Date \"22/11/2026 08:03\": is not YYYY-MM-DD HH:MM:SS",
        "in.csv:8: column Psp Reference \"7.56E+15\": \(spreadsheet)",
        "in.csv:9: column Net Currency \"EUR\": foreign currency EUR (the ledger's currency is USD)",
        "in.csv:10: column Gross Credit (GC) \"1.005\": too many decimals for USD (at most 2)",
        "in.csv:11: column Exchange Rate \"abc\": not a positive decimal (at most 15 decimals)",
        "in.csv:12: column Type \"\": required",
        "in.csv:13: column Gross Credit (GC) \"1,00\": not a number",
        "in.csv:14: column Booking Date \"03.07.2026\": not a date (expected YYYY-MM-DD)",
        "in.csv:15: column Gross Currency \"XYZ\": unknown currency",
        "in.csv:16: column Booking Date \"3 July 2026\": is not YYYY-MM-DD (a time may follow)",
    ])
}

@Test func aRepeatedAdyenRowIsADuplicateAndAMissingColumnIsNamed() {
    let row = adyenRow(psp: "8815", type: "Settled", modification: "8815", grossCredit: "25.00", netCredit: "23.97")
    #expect(vendorErrors(adyenHeader + row + row) == ["in.csv:3: duplicate key processor adyen, record_id 8815 (first on row 2)"])
    let withoutBatch = adyenHeader.replacingOccurrences(of: ",Batch Number", with: ",Batch").replacingOccurrences(of: "Exchange Rate,", with: "")
    #expect(vendorErrors(withoutBatch) == [
        "in.csv:1: missing required column Exchange Rate", "in.csv:1: missing required column Batch Number",
    ])
    #expect(vendorErrors("Merchant Account,Psp Reference,Type,Creation Date,Net Currency,Amount\n") == [
        "in.csv:1: unknown file format; header begins \"Merchant Account, Psp Reference, Type, Creation Date, Net Currency, Amount\" (closest: Adyen Settlement details report, which lacks Merchant Reference, TimeZone, Modification Reference, Gross Currency, Gross Debit (GC), Gross Credit (GC), Exchange Rate, Net Debit (NC), Net Credit (NC), Batch Number)"
    ])
}

@Test func adyenSettingsNameProcessorsByAccountAndAddTimeZones() {
    var settings = IngestSettings()
    settings.vendors.adyenProcessorNameByMerchantAccount = ["AcmeEU": "adyen_eu"]
    settings.vendors.adyenTimeZoneAbbreviations = ["IST": 19800, "CET": 3600 * 2]
    let text =
        adyenHeader
        + adyenRow(psp: "1", zone: "IST", type: "Settled", modification: "1", grossCredit: "1.00", netCredit: "1.00", account: "AcmeEU")
        + adyenRow(psp: "2", zone: "CET", type: "Settled", modification: "2", grossCredit: "1.00", netCredit: "1.00")
    let rows = vendorRows(text, settings: settings)
    #expect(rows.map { named($0)["processor"] } == ["adyen_eu", "adyen"])
    #expect(rows.map { named($0)["occurred_at"] } == ["2026-11-22T02:33:11+00:00", "2026-11-22T06:03:11+00:00"])
}

// MARK: - The same settlements as Stripe, as Adyen and as canonical

@Test func theSameSettlementsFedAsStripeAsAdyenAndAsCanonicalGiveTheSameLedgerRows() {
    var settings = IngestSettings()
    settings.vendors.stripeProcessorName = "acquirer"
    settings.vendors.adyenProcessorNameByMerchantAccount = ["AcmeUS": "acquirer"]
    let stripe =
        stripeItemizedHeader
        + stripeRow("8815", "2026-11-22 07:03:11", category: "charge", gross: "25.00", fee: "1.03", net: "23.97", payout: "12",
            charge: "8815", brand: "visa", order: "T1", available: "2026-11-24 00:00:00")
        + stripeRow("8816", "2026-11-22 09:00:00", category: "refund", gross: "-10.00", fee: "0.00", net: "-10.00", payout: "12",
            charge: "8815", brand: "visa", order: "T1", available: "2026-11-24 00:00:00")
    let adyen =
        adyenHeader
        + adyenRow(psp: "8815", reference: "T1", created: "2026-11-22 08:03:11", type: "Settled", modification: "8815",
            grossCredit: "25.00", netCredit: "23.97", booking: "2026-11-24")
        + adyenRow(psp: "8815", reference: "T1", created: "2026-11-22 10:00:00", type: "Refunded", modification: "8816",
            grossDebit: "10.00", netDebit: "10.00", booking: "2026-11-24")
    let canonicalHeader = "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,available_on,payout_id,vendor_category,payment_method\n"
    func canonical(_ charge: String, _ refund: String) -> String {
        canonicalHeader
            + "acquirer,8815,CAPTURE,2026-11-22T07:03:11Z,USD,25.00,1.03,23.97,8815,T1,2026-11-24,12,\(charge),\n"
            + "acquirer,8816,REFUND,2026-11-22T10:00:00+01:00,USD,-10,0,-10,8815,T1,2026-11-24,12,\(refund),\n"
    }
    let fromStripe = vendorRows(stripe, settings: settings)
    let fromAdyen = vendorRows(adyen, settings: settings)
    #expect(fromStripe.count == 2)
    #expect(fromStripe.map(\.values) == vendorRows(canonical("charge", "refund"), settings: settings).map(\.values))
    #expect(fromAdyen.map(\.values) == vendorRows(canonical("Settled", "Refunded"), settings: settings).map(\.values))
    // Adyen's Payment Method is the payment_method (lower case); Stripe gives none (FORMATS §3.1).
    let withMethod = adyen.replacingOccurrences(of: "AcmeCorp,AcmeUS,8815,T1,,", with: "AcmeCorp,AcmeUS,8815,T1,VISA,")
    let method = LedgerKind.settlements.schema.index(of: "payment_method") ?? 0
    #expect(vendorRows(withMethod, settings: settings).map { $0.values[method] } == [.text("visa"), .text("visa")])
    // Stripe and Adyen differ only in the vendor's own category, which each keeps.
    let category = LedgerKind.settlements.schema.index(of: "vendor_category") ?? 0
    func withoutCategory(_ rows: [LedgerRow]) -> [[FieldValue]] { rows.map { var values = $0.values; values[category] = .null; return values } }
    #expect(withoutCategory(fromStripe) == withoutCategory(fromAdyen))
}
