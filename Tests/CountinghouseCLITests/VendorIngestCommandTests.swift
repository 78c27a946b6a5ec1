// Vendor files through the built executable: a Stripe report ingested with the configuration's
// [stripe] and [adyen] settings, then the same balance changes re-exported under another name
// (other column order, CRLF, a byte-order mark) are all duplicates, not new rows.

import Foundation
import Testing

@Suite struct VendorIngestCommandTests {
    static let stripe = """
        balance_transaction_id,created_utc,created,available_on_utc,currency,gross,fee,net,reporting_category,source_id,automatic_payout_id,charge_id,payment_intent_id,payment_metadata[order_id]
        txn_1,2026-10-06 10:00:00,2026-10-06 03:00:00,2026-10-08 00:00:00,usd,25.00,1.03,23.97,charge,ch_1,po_1,ch_1,pi_1,O1
        txn_2,2026-10-06 11:00:00,2026-10-06 04:00:00,2026-10-08 00:00:00,usd,-5.00,0.00,-5.00,refund,re_1,po_1,ch_1,pi_1,O1
        txn_3,2026-10-06 12:00:00,2026-10-06 05:00:00,2026-10-08 00:00:00,usd,-0.50,0.00,-0.50,fee,,po_1,,,

        """
    /// The same balance changes as another report run writes them: columns reordered and
    /// upper-cased, an extra column, CRLF, a byte-order mark, a blank line at the end.
    static let reExported =
        "\u{FEFF}NET,FEE,GROSS,Currency,Reporting_Category,Balance_Transaction_ID,Created_UTC,Available_On_UTC,Automatic_Payout_ID,Charge_ID,Payment_Intent_ID,Source_ID,Payment_Metadata[order_id],description\r\n"
        + "23.97,1.03,25.00,usd,charge,txn_1,2026-10-06 10:00:00,2026-10-08 00:00:00,po_1,ch_1,pi_1,ch_1,O1,Coffee\r\n"
        + "-5.00,0.00,-5.00,usd,refund,txn_2,2026-10-06 11:00:00,2026-10-08 00:00:00,po_1,ch_1,pi_1,re_1,O1,\r\n"
        + "-0.50,0.00,-0.50,usd,fee,txn_3,2026-10-06 12:00:00,2026-10-08 00:00:00,po_1,,,,,Billing\r\n"
        + ",,,,,,,,,,,,,\r\n"

    @Test(arguments: storeKinds)
    func aStripeReportReExportedUnderAnotherNameIsAllDuplicates(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        cli.environment["COUNTINGHOUSE_CONFIG"] = try cli.write("countinghouse.toml", "[stripe]\nprocessor_name = \"stripe_us\"\n")
        let first = try cli.write("inbox/balance_change_from_activity.itemized.csv", Self.stripe)
        let again = try cli.write("inbox/Itemized balance change from activity USD 2026-10-06 to 2026-10-07.csv", Self.reExported)
        let ingest = try cli.run(["ingest", first], now: "2026-10-07T06:00:00Z")
        #expect(ingest.status == 0, "\(ingest.output)\(ingest.error)")
        #expect(ingest.output == "\(first): settlements: 3 accepted, 0 duplicates, recorded at 2026-10-07T06:00:00+00:00\n")
        let second = try cli.run(["ingest", again], now: "2026-10-08T06:00:00Z")
        #expect(second.status == 0, "\(second.output)\(second.error)")
        #expect(second.output == "\(again): settlements: 0 accepted, 3 duplicates, recorded at 2026-10-08T06:00:00+00:00\n")
        // The processor came from the configuration, the rows once.
        let verify = try cli.run(["verify"])
        #expect(verify.status == 0, "\(verify.output)\(verify.error)")
    }

    @Test func aVendorFileWithBadRowsIsRejectedWholeNamingTheVendorsColumns() throws {
        let cli = try CLI()
        let bad = try cli.write(
            "adyen.csv",
            """
            Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Batch Number
            Acme,AcmeUS,8815,O1,visa,2026-10-06 10:00:00,CET,Settled,8815,USD,,25.00,,USD,,23.97,0.10,7
            Acme,AcmeUS,8816,O2,visa,2026-10-06 10:00:00,IST,Settled,8816,USD,,25.00,,USD,,23.97,0.10,7

            """)
        let result = try cli.run(["ingest", bad], now: "2026-10-07T06:00:00Z")
        #expect(result.status == 1)
        #expect(result.error == """
            \(bad): REJECTED (settlements): 1 error; nothing of it entered the ledger
              \(bad):3: column TimeZone "IST": is not a known abbreviation (CST and IST are ambiguous): set adyen.time_zone_abbreviations

            """)
        // Named in the configuration, the abbreviation is known, and the file lands.
        cli.environment["COUNTINGHOUSE_CONFIG"] = try cli.write("countinghouse.toml", "[adyen.time_zone_abbreviations]\nIST = \"+05:30\"\n")
        let accepted = try cli.run(["ingest", bad], now: "2026-10-07T06:00:00Z")
        #expect(accepted.output == "\(bad): settlements: 2 accepted, 0 duplicates, recorded at 2026-10-07T06:00:00+00:00\n", "\(accepted.error)")
    }
}
