import Foundation
import Testing

/// The ledger commands end to end: files on disk, the built executable, a real store.
@Suite struct IngestCommandTests {
    static let purchases = """
        document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,supplier
        GR1,1,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,10,2.50,Acme
        GR1,2,2026-10-05T09:00:00Z,S01,SKU2,RECEIVE,4,1.00,Acme

        """
    static let sales = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,tax
        O1,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,3,5.00,0.40
        O1,2,2026-10-06T10:00:00Z,S01,SKU2,SALE,5,2.00,0

        """

    @Test(arguments: storeKinds)
    func ingestThenStockAndTrail(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let purchases = try cli.write("purchases.csv", Self.purchases)
        let sales = try cli.write("pos_lines.csv", Self.sales)
        #expect(try cli.run(["init"]).status == 0)
        let ingest = try cli.run(["ingest", purchases, sales], now: "2026-10-06T20:00:00Z")
        #expect(ingest.status == 0, "\(ingest.output)\(ingest.error)")
        #expect(ingest.output == """
            \(purchases): purchases: 2 accepted, 0 duplicates, recorded at 2026-10-06T20:00:00+00:00
            \(sales): pos_lines: 2 accepted, 0 duplicates, recorded at 2026-10-06T20:00:00+00:00

            """)
        let stock = try cli.run(["stock", "--format", "csv"], now: "2026-10-07T00:00:00Z")
        #expect(stock.output == """
            sku,location,quantity_on_hand,value,pending_quantity
            SKU1,S01,7,17.50,0
            SKU2,S01,-1,-1.00,1

            """)
        let asOf = try cli.run(["stock", "--sku", "SKU1", "--as-of", "2026-10-05", "--format", "csv"])
        #expect(asOf.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,10,25.00,0\n")
        let trail = try cli.run(["trail", "--sku", "SKU1", "--location", "S01", "--format", "csv"])
        #expect(trail.output == """
            occurred_at,event,document_id,line_no,quantity,value,unit_cost,quantity_on_hand,value_on_hand,pending_on_hand,flags,recorded_at,source
            2026-10-05T09:00:00+00:00,PURCHASE_RECEIPT,GR1,1,10,25.00,2.5000,10,25.00,0,,2026-10-06T20:00:00+00:00,\(purchases):2
            2026-10-06T10:00:00+00:00,SALE,O1,1,-3,-7.50,2.5000,7,17.50,0,,2026-10-06T20:00:00+00:00,\(sales):2
            ,  from layer,GR1,1,3,7.50,2.5000,,,,,2026-10-06T20:00:00+00:00,\(purchases):2

            """)
    }

    @Test(arguments: storeKinds)
    func aReturnNamingOnlyItsOrderLandsAndTheTrailShowsTheLineItResolvedTo(postgres: Bool) throws {
        // As Square refunds give them: each return names only order O1. O1 sold SKU1 on line 1 and
        // SKU2 on line 2, so the SKU1 return resolves to O1:1 and the SKU2 one to O1:2.
        let cli = try CLI(postgres: postgres)
        let purchases = try cli.write("purchases.csv", Self.purchases)
        let sales = try cli.write("pos_lines.csv", Self.sales)
        let refunds = try cli.write("refunds.csv", """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,original_order_id
            R1,1,2026-10-07T10:00:00Z,S01,SKU1,RETURN,1,5.00,O1
            R1,2,2026-10-07T10:00:00Z,S01,SKU2,RETURN,2,2.00,O1

            """)
        #expect(try cli.run(["init"]).status == 0)
        let ingest = try cli.run(["ingest", purchases, sales, refunds], now: "2026-10-07T20:00:00Z")
        #expect(ingest.status == 0, "\(ingest.output)\(ingest.error)")
        let trail = try cli.run(["trail", "--sku", "SKU1", "--location", "S01", "--format", "csv"])
        #expect(trail.output.hasSuffix("""
            2026-10-07T10:00:00+00:00,CUSTOMER_RETURN,R1,1,1,2.50,2.5000,8,20.00,0,,2026-10-07T20:00:00+00:00,\(refunds):2
            ,  of sale line,O1,1,1,,,,,,,,

            """), "\(trail.output)")
        let other = try cli.run(["trail", "--sku", "SKU2", "--location", "S01", "--format", "csv"])
        #expect(other.output.contains(",  of sale line,O1,2,2,,,,,,,,\n"), "\(other.output)")
    }

    @Test(arguments: storeKinds)
    func theSameFileTwiceIsSkippedAndTheSameRowsElsewhereAreDuplicates(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let first = try cli.write("day1/purchases.csv", Self.purchases)
        let copy = try cli.write("day2/purchases.csv", Self.purchases)
        let sameRowsCRLF = try cli.write("day3/purchases.csv", Self.purchases.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(try cli.run(["ingest", first], now: "2026-10-06T20:00:00Z").status == 0)
        let again = try cli.run(["ingest", copy, sameRowsCRLF], now: "2026-10-07T20:00:00Z")
        #expect(again.status == 0)
        #expect(again.output == """
            \(copy): purchases: already ingested as \(first) at 2026-10-06T20:00:00+00:00 (same sha256); skipped
            \(sameRowsCRLF): purchases: 0 accepted, 2 duplicates, recorded at 2026-10-07T20:00:00+00:00

            """)
        let files = try cli.run(["files", "--format", "csv"])
        #expect(files.output.split(separator: "\n").count == 3)  // header + the two files that were ingested
    }

    @Test(arguments: storeKinds)
    func aRejectedFileLeavesNothingAndTheOthersStillLand(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let bad = try cli.write(
            "bad.csv",
            """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            O1,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,3,5.00
            O1,2,2026-10-06T10:00:00,S01,SKU1,SALE,1.5,5.00

            """)
        let good = try cli.write("purchases.csv", Self.purchases)
        let result = try cli.run(["ingest", bad, good], now: "2026-10-06T20:00:00Z")
        #expect(result.status == 1)
        #expect(result.error.contains("\(bad): REJECTED (pos_lines): 2 errors; nothing of it entered the ledger"))
        #expect(result.error.contains("\(bad):3: column occurred_at \"2026-10-06T10:00:00\":"))
        #expect(result.error.contains("\(bad):3: column quantity \"1.5\":"))
        #expect(result.output.contains("\(good): purchases: 2 accepted"))
        let stock = try cli.run(["stock", "--format", "csv"])
        #expect(stock.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,10,25.00,0\nSKU2,S01,4,4.00,0\n")
        let files = try cli.run(["files", "--format", "csv"])
        #expect(!files.output.contains("bad.csv"))
    }

    @Test(arguments: storeKinds)
    func aConflictingRowRejectsTheFileShowingBothVersions(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let original = try cli.write("a.csv", Self.purchases)
        let changed = try cli.write("b.csv", Self.purchases.replacingOccurrences(of: "RECEIVE,10,2.50", with: "RECEIVE,12,2.50"))
        #expect(try cli.run(["ingest", original], now: "2026-10-06T20:00:00Z").status == 0)
        let result = try cli.run(["ingest", changed], now: "2026-10-07T20:00:00Z")
        #expect(result.status == 1)
        #expect(result.error.contains("\(changed): REJECTED (purchases): 1 error"))
        #expect(result.error.contains("quantity"))
        #expect(result.error.contains("10") && result.error.contains("12"))
        let stock = try cli.run(["stock", "--sku", "SKU1", "--format", "csv"])
        #expect(stock.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,10,25.00,0\n")
    }

    @Test(arguments: storeKinds)
    func recordedAtGoingBackwardsIsRefused(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let purchases = try cli.write("purchases.csv", Self.purchases)
        let sales = try cli.write("pos_lines.csv", Self.sales)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-07T06:00:00Z", purchases]).status == 0)
        let backwards = try cli.run(["ingest", "--recorded-at", "2026-10-06", sales])
        #expect(backwards.status == 1)
        #expect(backwards.output.contains("knowledge never goes backwards") || backwards.error.contains("knowledge never goes backwards"))
        let stock = try cli.run(["stock", "--sku", "SKU1", "--format", "csv"])
        #expect(stock.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,10,25.00,0\n")
    }

    @Test(arguments: storeKinds)
    func asKnownAtSeesOnlyWhatHadBeenRecorded(postgres: Bool) throws {
        // The sale is learned on the 6th, the receipt that preceded it only on the 8th.
        let cli = try CLI(postgres: postgres)
        let sales = try cli.write("pos_lines.csv", Self.sales)
        let purchases = try cli.write("purchases.csv", Self.purchases)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-06T20:00:00Z", sales]).status == 0)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-08T20:00:00Z", purchases]).status == 0)
        let then = try cli.run(["stock", "--sku", "SKU1", "--as-known-at", "2026-10-07", "--format", "csv"])
        #expect(then.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,-3,0.00,3\n")
        let now = try cli.run(["stock", "--sku", "SKU1", "--format", "csv"], now: "2026-10-09T00:00:00Z")
        #expect(now.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,7,17.50,0\n")
    }

    @Test func usageErrorsExitWithTwo() throws {
        let cli = try CLI()
        #expect(try cli.run(["ingest"]).status == 2)
        #expect(try cli.run(["stock", "--format", "xml"]).status == 2)
        #expect(try cli.run(["stock", "--as-of", "yesterday"]).status == 2)
        #expect(try cli.run(["ingest", "--kind", "receipts", "x.csv"]).status == 2)
    }

    @Test func configurationErrorsSayWhatToFix() throws {
        let cli = try CLI()
        try cli.write("countinghouse.toml", "currency = \"EURO\"\n")
        let result = try cli.run(["files"])
        #expect(result.status == 78)  // EX_CONFIG: the configuration is wrong
        #expect(result.error == "error: countinghouse.toml:1: currency EURO is not an ISO 4217 code\n")
    }

    @Test func configuredLocationsRejectRowsNamingOthers() throws {
        let cli = try CLI()
        try cli.write("countinghouse.toml", """
            timezone = "America/New_York"
            [[locations]]
            code = "S01"
            [[locations]]
            code = "WH1"

            """)
        let purchases = try cli.write("purchases.csv", Self.purchases.replacingOccurrences(of: "09:00:00Z,S01,SKU2", with: "09:00:00Z,S09,SKU2"))
        let result = try cli.run(["ingest", purchases], now: "2026-10-06T20:00:00Z")
        #expect(result.status == 1)
        #expect(result.error == """
            \(purchases): REJECTED (purchases): 1 error; nothing of it entered the ledger
              \(purchases):3: column location "S09": unknown location (countinghouse.toml lists S01, WH1)

            """)
        // The reporting time zone: a date means the end of that day in New York (04:59:59.999999999Z).
        let sales = try cli.write("pos_lines.csv", Self.sales.replacingOccurrences(of: "2026-10-06T10:00:00Z", with: "2026-10-07T03:30:00Z"))
        let fixed = try cli.write("fixed.csv", Self.purchases)
        #expect(try cli.run(["ingest", fixed, sales], now: "2026-10-07T20:00:00Z").status == 0)
        let evening = try cli.run(["stock", "--sku", "SKU1", "--as-of", "2026-10-06", "--format", "csv"])
        #expect(evening.output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,7,17.50,0\n")
        let trail = try cli.run(["trail", "--sku", "SKU1", "--location", "S01", "--format", "csv"])
        #expect(trail.output.contains("2026-10-06T23:30:00-04:00,SALE,O1,1,-3,-7.50,2.5000,7,17.50,0,"))
    }

    @Test(arguments: storeKinds)
    func aKilledIngestLeavesNoTraceAndRunningItAgainCompletesIt(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        var text = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price\n"
        for index in 1...5000 { text += "O\(index),1,2026-10-06T10:00:00Z,S01,SKU1,SALE,1,5.00\n" }
        let file = try cli.write("pos_lines.csv", text)
        // The ingest kills itself (SIGKILL, as kill -9 would) after handing 2500 rows to the store.
        cli.environment["COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS"] = "2500"
        let killed = try cli.run(["ingest", file], now: "2026-10-06T20:00:00Z")
        #expect(killed.status == 9 || killed.status == 137)
        cli.environment.removeValue(forKey: "COUNTINGHOUSE_FAULT_KILL_AFTER_ROWS")
        #expect(try cli.run(["files", "--format", "csv"]).output == "id,recorded_at,kind,rows_accepted,rows_duplicate,bytes,sha256,name\n")
        #expect(try cli.run(["stock", "--format", "csv"]).output == "sku,location,quantity_on_hand,value,pending_quantity\n")
        let again = try cli.run(["ingest", file], now: "2026-10-06T21:00:00Z")
        #expect(again.status == 0)
        #expect(again.output.contains("5000 accepted, 0 duplicates"))
        #expect(try cli.run(["stock", "--format", "csv"]).output == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,-5000,0.00,5000\n")
    }
}
