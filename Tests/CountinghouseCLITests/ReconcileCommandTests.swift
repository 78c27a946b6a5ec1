// `reconcile`, `payment` and the reconciliation files of `report`, through the built executable on
// both stores: the same card money fed as Stripe, as Adyen and as canonical settlements reconciles
// the same; a write-off applied, and still applied after a rerun and after a later file; as known
// before a late settlement; the roll-forward tying to the trial balance, and `verify`.

import Foundation
import Testing

@Suite struct ReconcileCommandTests {
    static let tenders = """
        order_id,tender_no,occurred_at,location,tender,type,amount,currency,processor,payment_ref
        T1,1,2026-10-06T09:58:00Z,S01,CARD,PAYMENT,25.00,USD,acquirer,8815
        R1,1,2026-10-06T10:58:00Z,S01,CARD,REFUND,5.00,USD,acquirer,8815
        T2,1,2026-10-30T15:00:00Z,S01,CARD,PAYMENT,12.00,USD,acquirer,8820

        """

    /// The same balance changes three ways: a charge of 25.00 (fee 1.03), its refund of 5.00, an
    /// account fee of 0.50, and payout 12 of the 18.47 left.
    static let stripeItemized = """
        balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,source_id,automatic_payout_id,charge_id,payment_intent_id,payment_metadata[order_id]
        8815,2026-10-06 10:00:00,2026-10-08 00:00:00,usd,25.00,1.03,23.97,charge,8815,12,8815,,T1
        8816,2026-10-06 11:00:00,2026-10-08 00:00:00,usd,-5.00,0.00,-5.00,refund,re_1,12,8815,,R1
        12:Fee:F1,2026-10-07 00:00:00,2026-10-08 00:00:00,usd,-0.50,0.00,-0.50,fee,,12,,,

        """
    static let stripePayouts = """
        payout_id,effective_at_utc,balance_transaction_id,currency,gross,fee,net,reporting_category
        12,2026-10-09 00:00:00,PAYOUT-12,usd,-18.47,0.00,-18.47,payout

        """
    static let adyen = """
        Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Batch Number,Booking Date
        Acme,AcmeUS,8815,T1,visa,2026-10-06 10:00:00,UTC,Settled,8815,USD,,25.00,,USD,,23.97,1.03,12,2026-10-08
        Acme,AcmeUS,8815,R1,visa,2026-10-06 11:00:00,UTC,Refunded,8816,USD,5.00,,,USD,5.00,,,12,2026-10-08
        Acme,AcmeUS,,,,2026-10-07 00:00:00,UTC,Fee,F1,USD,,,,USD,0.50,,,12,2026-10-08
        Acme,AcmeUS,,,,2026-10-09 00:00:00,UTC,MerchantPayout,PAYOUT-12,USD,,,,USD,18.47,,,12,2026-10-09

        """
    static let canonical = """
        processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,available_on,payout_id,vendor_category
        acquirer,8815,CAPTURE,2026-10-06T10:00:00Z,USD,25.00,1.03,23.97,8815,T1,2026-10-08,12,charge
        acquirer,8816,REFUND,2026-10-06T11:00:00Z,USD,-5.00,0.00,-5.00,8815,R1,2026-10-08,12,refund
        acquirer,12:Fee:F1,FEE,2026-10-07T00:00:00Z,USD,-0.50,0.00,-0.50,,,2026-10-08,12,fee
        acquirer,PAYOUT-12,PAYOUT,2026-10-09T00:00:00Z,USD,-18.47,0.00,-18.47,,,2026-10-09,12,payout

        """
    static let configuration = """
        [stripe]
        processor_name = "acquirer"

        [adyen.processor_name_by_merchant_account]
        AcmeUS = "acquirer"

        """

    static func read(_ cli: CLI, _ name: String) throws -> String {
        try String(contentsOf: cli.directory.appendingPathComponent(name), encoding: .utf8)
    }

    /// reconciliation.csv without its last column (vendor_category: each processor's own words).
    static func withoutVendorCategory(_ csv: String) -> String {
        csv.split(separator: "\n").map { line in
            String(line[..<(line.lastIndex(of: ",") ?? line.endIndex)])
        }.joined(separator: "\n")
    }

    @Test(arguments: storeKinds)
    func theSameSettlementsAsStripeAdyenAndCanonicalReconcileTheSame(postgres: Bool) throws {
        var outputs: [[String]] = []
        for files in [["stripe.csv": Self.stripeItemized, "payouts.csv": Self.stripePayouts], ["adyen.csv": Self.adyen],
                      ["settlements.csv": Self.canonical]] {
            let cli = try CLI(postgres: postgres)
            cli.environment["COUNTINGHOUSE_CONFIG"] = try cli.write("countinghouse.toml", Self.configuration)
            var paths = [try cli.write("pos_tenders.csv", Self.tenders)]
            for (name, text) in files.sorted(by: { $0.key < $1.key }) { paths.append(try cli.write(name, text)) }
            let ingest = try cli.run(["ingest"] + paths, now: "2026-10-10T06:00:00Z")
            #expect(ingest.status == 0, "\(ingest.output)\(ingest.error)")
            let reconcile = try cli.run(["reconcile", "--period", "2026-10", "--out", "rec"], now: "2026-11-02T06:00:00Z")
            #expect(reconcile.status == 0, "\(reconcile.error)")
            outputs.append([
                Self.withoutVendorCategory(try Self.read(cli, "rec/reconciliation.csv")), try Self.read(cli, "rec/rollforward.csv"),
                try Self.read(cli, "rec/payments.csv"), reconcile.output,
            ])
        }
        #expect(outputs[0] == outputs[2])
        #expect(outputs[1] == outputs[2])
        // The canonical run's figures: the payment refunded in part and paid out, the refund
        // matched, the fee and the payout, T2 in transit at the end of October (a day old).
        let rows = outputs[2][0].split(separator: "\n").map(String.init)
        #expect(rows == [
            "status,category,processor,order_id,payment_ref,record_id,pos_amount,settled_amount,difference,fee,occurred_at,settled_on,payout_id,age_days,note,tender_no,match_step,expected_fee,written_off,payment_life",
            "MATCHED,POS_PAYMENT,acquirer,T1,8815,8815,25.00,25.00,0.00,1.03,2026-10-06T09:58:00+00:00,2026-10-06,12,,matched by payment_ref,1,1,,,PARTIALLY_REFUNDED",
            "MATCHED,CAPTURE,acquirer,T1,8815,8815,25.00,25.00,,1.03,2026-10-06T10:00:00+00:00,2026-10-06,12,,matched by payment_ref,,1,,,PARTIALLY_REFUNDED",
            "MATCHED,POS_REFUND,acquirer,R1,8815,8816,-5.00,-5.00,0.00,0.00,2026-10-06T10:58:00+00:00,2026-10-06,12,,matched by payment_ref,1,1,,,PARTIALLY_REFUNDED",
            "MATCHED,REFUND,acquirer,R1,8815,8816,-5.00,-5.00,,0.00,2026-10-06T11:00:00+00:00,2026-10-06,12,,matched by payment_ref,,1,,,PARTIALLY_REFUNDED",
            "FEE,FEE,acquirer,,,12:Fee:F1,,-0.50,,0.00,2026-10-07T00:00:00+00:00,2026-10-07,12,,,,,,,",
            "PAYOUT_OK,PAYOUT,acquirer,,,PAYOUT-12,18.47,18.47,0.00,0.00,2026-10-09T00:00:00+00:00,2026-10-09,12,,,,,,,",
            "IN_TRANSIT,POS_PAYMENT,acquirer,T2,8820,,12.00,,12.00,,2026-10-30T15:00:00+00:00,,,1,,1,,,,CAPTURED",
        ])
    }

    static let november = """
        processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,payout_id
        acquirer,9001,CAPTURE,2026-11-02T09:00:00Z,USD,12.00,0.65,11.35,8820,T2,

        """

    @Test(arguments: storeKinds)
    func aWriteOffAppliesOnItsDayAndStaysAppliedAfterARerunAndALaterFile(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let tenders = try cli.write("d1/pos_tenders.csv", Self.tenders)
        // The capture came 0.75 short.
        let settlements = try cli.write(
            "d2/settlements.csv",
            Self.canonical.replacingOccurrences(of: "8815,CAPTURE,2026-10-06T10:00:00Z,USD,25.00,1.03,23.97", with: "8815,CAPTURE,2026-10-06T10:00:00Z,USD,24.25,1.03,23.22")
                .replacingOccurrences(of: "-18.47,0.00,-18.47", with: "-17.72,0.00,-17.72"))
        #expect(try cli.run(["ingest", tenders], now: "2026-10-07T06:00:00Z").status == 0)
        #expect(try cli.run(["ingest", settlements], now: "2026-10-10T06:00:00Z").status == 0)
        let before = try cli.run(["reconcile", "--period", "2026-10", "--out", "before"], now: "2026-10-15T06:00:00Z")
        #expect(before.output.contains("AMOUNT_MISMATCH acquirer order T1 tender 1 0.75"), "\(before.output)")

        let overrides = try cli.write(
            "d3/overrides.csv",
            "override_id,action,order_id,effective_on,note,author\nW1,WRITE_OFF,T1,2026-10-20,short capture under 1.00,ana\n")
        #expect(try cli.run(["ingest", overrides], now: "2026-10-21T06:00:00Z").status == 0)
        let after = try cli.run(["reconcile", "--period", "2026-10", "--out", "after"], now: "2026-10-22T06:00:00Z")
        #expect(after.status == 0)
        let row = try #require(try Self.read(cli, "after/reconciliation.csv").split(separator: "\n").first { $0.contains(",T1,") })
        #expect(row.hasPrefix("OVERRIDDEN,POS_PAYMENT,acquirer,T1,8815,8815,25.00,24.25,0.00,"))
        #expect(row.contains("WRITE_OFF W1 by ana: short capture under 1.00"))
        #expect(row.contains(",0.75,PARTIALLY_REFUNDED"))  // written_off, then the payment's life
        // The journal posts it on its day; the entry's drill-down names the override.
        let entry = try cli.run(["entry", "WRITEOFF:2026-10-20:W1"], now: "2026-10-22T06:00:00Z")
        #expect(entry.status == 0, "\(entry.error)")
        #expect(entry.output.contains("6020"))
        #expect(entry.output.contains("d3/overrides.csv:2"))

        // A rerun gives the same bytes; a later file leaves the write-off applied.
        let rerun = try cli.run(["reconcile", "--period", "2026-10", "--out", "rerun"], now: "2026-10-22T06:00:00Z")
        #expect(rerun.output == after.output.replacingOccurrences(of: "files in after", with: "files in rerun"))
        #expect(try Self.read(cli, "rerun/reconciliation.csv") == Self.read(cli, "after/reconciliation.csv"))
        let late = try cli.write("d4/settlements.csv", Self.november)
        #expect(try cli.run(["ingest", late], now: "2026-11-03T06:00:00Z").status == 0)
        let now = "2026-12-01T06:00:00Z"
        #expect(try cli.run(["reconcile", "--period", "2026-10", "--out", "oct"], now: now).status == 0)
        let october = try Self.read(cli, "oct/reconciliation.csv")
        #expect(october.contains("OVERRIDDEN,POS_PAYMENT,acquirer,T1,"))
        // T2 was in transit at October's end (the capture of November 2 changes nothing then)...
        #expect(october.contains("IN_TRANSIT,POS_PAYMENT,acquirer,T2,8820,,12.00,,12.00,"))
        // ...and November lists it, open at its start, with its capture.
        #expect(try cli.run(["reconcile", "--period", "2026-11", "--out", "nov"], now: now).status == 0)
        let novemberRows = try Self.read(cli, "nov/reconciliation.csv").split(separator: "\n").filter { $0.contains("8820") }
        #expect(novemberRows.count == 2)
        #expect(novemberRows.allSatisfy { $0.hasPrefix("MATCHED,") })

        // As known before the override: the mismatch, no write-off.
        #expect(try cli.run(["reconcile", "--period", "2026-10", "--as-known-at", "2026-10-15", "--out", "known"], now: now).status == 0)
        #expect(try Self.read(cli, "known/reconciliation.csv") == Self.read(cli, "before/reconciliation.csv"))
        // As known before the late capture, November's T2 is still waiting.
        #expect(try cli.run(["reconcile", "--period", "2026-11", "--as-known-at", "2026-11-01T06:00:00Z", "--out", "early"], now: now).status == 0)
        #expect(try Self.read(cli, "early/reconciliation.csv").contains("UNSETTLED,POS_PAYMENT,acquirer,T2,"))

        // The roll-forward's closing card clearing is the trial balance's 1100, and verify agrees.
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "report"], now: now).status == 0)
        let closing = try #require(
            try Self.read(cli, "report/rollforward.csv").split(separator: "\n").first { $0.hasPrefix("card_clearing,acquirer,CLOSING") })
        #expect(closing.split(separator: ",", omittingEmptySubsequences: false)[4] == "12.00")
        let clearing = try #require(try Self.read(cli, "report/trial_balance.csv").split(separator: "\n").first { $0.hasPrefix("1100,") })
        #expect(clearing.hasSuffix(",12.00"))
        #expect(try Self.read(cli, "report/reconciliation.csv") == october)
        let verify = try cli.run(["verify"], now: now)
        #expect(verify.status == 0, "\(verify.output)")
        #expect(verify.output.contains("ok     card clearing and processor balance = open reconciliation items"))

        let story = try cli.run(["payment", "R1"], now: now)
        #expect(story.status == 0)
        #expect(story.output.contains("order T1 tender 1 CARD PAYMENT"))
        #expect(story.output.contains("payment acquirer 8815: PARTIALLY_REFUNDED, refunded 5.00, chargebacks 0.00"))
        let unknown = try cli.run(["payment", "NOPE"], now: now)
        #expect(unknown.status == 1)
        #expect(unknown.error == "error: no tender or settlement names order NOPE as known at 2026-12-01T06:00:00+00:00\n")
    }

    /// A write-off learnt after October's close and dated in October changes October's journal:
    /// November carries the adjustment, and its memo names the override's row as the late row.
    @Test(arguments: storeKinds)
    func aWriteOffLearntAfterTheCloseIsAPriorPeriodAdjustmentNamingIt(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let tenders = try cli.write("d1/pos_tenders.csv", "order_id,tender_no,occurred_at,location,tender,type,amount,currency,processor,payment_ref\nA1,1,2026-10-20T10:00:00Z,S01,CARD,PAYMENT,10.00,USD,stripe,ch_1\n")
        let settlements = try cli.write(
            "d2/settlements.csv",
            "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref\nstripe,t1,CAPTURE,2026-10-21T10:00:00Z,USD,9.25,0.57,8.68,ch_1\n")
        #expect(try cli.run(["ingest", tenders, settlements], now: "2026-10-22T06:00:00Z").status == 0)
        #expect(try cli.run(["close", "--period", "2026-10"], now: "2026-11-02T06:00:00Z").status == 0)
        let overrides = try cli.write(
            "d3/overrides.csv", "override_id,action,order_id,effective_on,note,author\nW1,WRITE_OFF,A1,2026-10-31,short,ana\n")
        #expect(try cli.run(["ingest", overrides], now: "2026-11-10T06:00:00Z").status == 0)
        let report = try cli.run(["report", "--period", "2026-11", "--out", "nov"], now: "2026-12-01T06:00:00Z")
        #expect(report.status == 0, "\(report.error)")
        let adjustments = try Self.read(cli, "nov/journal.csv").split(separator: "\n").filter { $0.hasPrefix("ADJUST:2026-11-01:2026-10,") }
        #expect(adjustments.count == 2)
        #expect(adjustments.allSatisfy { $0.contains("late rows ") && $0.contains("d3/overrides.csv:2") })
        #expect(adjustments.contains { $0.contains(",6020,") && $0.contains(",0.75,") })
        let verify = try cli.run(["verify"], now: "2026-12-01T06:00:00Z")
        #expect(verify.status == 0, "\(verify.output)")
    }

    /// A close posts the period's reconciliation files: a tolerance raised afterwards does not
    /// change October's files (its 0.75 stays an AMOUNT_MISMATCH), and verify says the posted file
    /// no longer equals a recomputation, naming the configuration among the causes.
    @Test(arguments: storeKinds)
    func aClosePostsTheReconciliationSoALaterConfigurationDoesNotChangeIt(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let tenders = try cli.write("d1/pos_tenders.csv", "order_id,tender_no,occurred_at,location,tender,type,amount,currency,processor,payment_ref\nA1,1,2026-10-20T10:00:00Z,S01,CARD,PAYMENT,10.00,USD,stripe,ch_1\n")
        let settlements = try cli.write(
            "d2/settlements.csv",
            "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref\nstripe,t1,CAPTURE,2026-10-21T10:00:00Z,USD,9.25,0.57,8.68,ch_1\n")
        #expect(try cli.run(["ingest", tenders, settlements], now: "2026-10-22T06:00:00Z").status == 0)
        #expect(try cli.run(["close", "--period", "2026-10"], now: "2026-11-02T06:00:00Z").status == 0)
        let atClose = try cli.run(["reconcile", "--period", "2026-10", "--out", "at-close"], now: "2026-11-02T06:00:00Z")
        #expect(try Self.read(cli, "at-close/reconciliation.csv").contains("AMOUNT_MISMATCH,POS_PAYMENT,stripe,A1,"), "\(atClose.output)")

        cli.environment["COUNTINGHOUSE_CONFIG"] = try cli.write("countinghouse.toml", "[reconciliation]\ntolerance = \"1.00\"\n")
        let now = "2026-12-01T06:00:00Z"
        #expect(try cli.run(["reconcile", "--period", "2026-10", "--out", "later"], now: now).status == 0)
        #expect(try Self.read(cli, "later/reconciliation.csv") == Self.read(cli, "at-close/reconciliation.csv"))
        #expect(try cli.run(["report", "--period", "2026-10", "--out", "report"], now: now).status == 0)
        #expect(try Self.read(cli, "report/reconciliation.csv") == Self.read(cli, "at-close/reconciliation.csv"))
        // An open span uses the configuration in effect: the 0.75 is within the new tolerance.
        #expect(try cli.run(["reconcile", "--from", "2026-10-01", "--to", "2026-11-30", "--out", "open"], now: now).status == 0)
        #expect(try Self.read(cli, "open/reconciliation.csv").contains("MATCHED,POS_PAYMENT,stripe,A1,"))
        let verify = try cli.run(["verify"], now: now)
        #expect(verify.status == 1)
        #expect(verify.output.contains(
            "2026-10: the posted reconciliation.csv differs from a recomputation as known at the close (a change of the chart of accounts, time zone, currency or [reconciliation] since then also shows here)"))
    }
}

