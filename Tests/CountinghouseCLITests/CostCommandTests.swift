import Foundation
import Testing

/// The costing commands end to end: the seed case of the costing issue from real files.
@Suite struct CostCommandTests {
    // Monday Oct 12: 10 units for 30.00 arrive at S01, but the receipt is delivered only on
    // Wednesday. Tuesday: one unit sold. An older receipt (Oct 5, 1 unit for 2.00) gives the
    // fallback unit cost.
    static let oldReceipt = """
        document_id,line_no,occurred_at,location,sku,type,quantity,total_cost
        GR0,1,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,1,2.00

        """
    static let oldSale = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        O0,1,2026-10-06T10:00:00Z,S01,SKU1,SALE,1,5.00

        """
    static let tuesdaySale = """
        order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
        O1,1,2026-10-13T10:00:00Z,S01,SKU1,SALE,1,5.00

        """
    static let lateReceipt = """
        document_id,line_no,occurred_at,location,sku,type,quantity,total_cost
        GR1,1,2026-10-12T09:00:00Z,S01,SKU1,RECEIVE,10,30.00

        """

    @Test(arguments: storeKinds)
    func theSeedCaseFromTheCommandLine(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let files = try [
            cli.write("d1/purchases.csv", Self.oldReceipt), cli.write("d1/pos_lines.csv", Self.oldSale),
            cli.write("d2/pos_lines.csv", Self.tuesdaySale), cli.write("d3/purchases.csv", Self.lateReceipt),
        ]
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-06T20:00:00Z", files[0], files[1]]).status == 0)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-13T20:00:00Z", files[2]]).status == 0)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-14T20:00:00Z", files[3]]).status == 0)

        // As known on Tuesday night: the sale is pending at the fallback, 2.00.
        let tuesday = try cli.run(["cost", "--period", "2026-10", "--as-known-at", "2026-10-13", "--out", "tuesday"])
        #expect(tuesday.status == 0, "\(tuesday.error)")
        let tuesdayCogs = try String(contentsOf: cli.directory.appendingPathComponent("tuesday/cogs.csv"), encoding: .utf8)
        #expect(tuesdayCogs == """
            outflow_id,kind,occurred_at,location,sku,document_id,line_no,quantity,costed_quantity,cost,pending_quantity,provisional_cost,cancelled_quantity,flags
            SALE:O0:1,SALE,2026-10-06T10:00:00+00:00,S01,SKU1,O0,1,1,1,2.00,0,0.00,0,
            SALE:O1:1,SALE,2026-10-13T10:00:00+00:00,S01,SKU1,O1,1,1,0,0.00,1,2.00,0,FALLBACK_PURCHASE_HERE

            """)
        let tuesdayValuation = try String(contentsOf: cli.directory.appendingPathComponent("tuesday/valuation.csv"), encoding: .utf8)
        #expect(tuesdayValuation == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,-1,-2.00,1\n")

        // As known now (Wednesday's receipt is in): the final cost, 30.00 / 10 = 3.00.
        let now = try cli.run(["cost", "--period", "2026-10", "--out", "now"], now: "2026-10-15T06:00:00Z")
        #expect(now.status == 0)
        let nowCogs = try String(contentsOf: cli.directory.appendingPathComponent("now/cogs.csv"), encoding: .utf8)
        #expect(nowCogs.hasSuffix("SALE:O1:1,SALE,2026-10-13T10:00:00+00:00,S01,SKU1,O1,1,1,1,3.00,0,0.00,0,\n"))
        let nowValuation = try String(contentsOf: cli.directory.appendingPathComponent("now/valuation.csv"), encoding: .utf8)
        #expect(nowValuation == "sku,location,quantity_on_hand,value,pending_quantity\nSKU1,S01,9,27.00,0\n")

        // Rerunning as known on Tuesday gives the same bytes again.
        #expect(try cli.run(["cost", "--period", "2026-10", "--as-known-at", "2026-10-13", "--out", "again"]).status == 0)
        let again = try String(contentsOf: cli.directory.appendingPathComponent("again/cogs.csv"), encoding: .utf8)
        #expect(again == tuesdayCogs)

        // explain: as known on Tuesday, the sale's unit is pending at GR0's unit cost; as known now
        // it was taken from GR1, round(30.00 × 1 / 10) = 3.00.
        let explainedTuesday = try cli.run(["explain", "SALE:O1:1", "--as-known-at", "2026-10-13", "--format", "csv"])
        #expect(explainedTuesday.status == 0, "\(explainedTuesday.error)")
        #expect(explainedTuesday.output == """
            part,units,value,unit_cost,layer,layer_source,recorded_at,how
            pending,1,2.00,2.0000,,,,"no stock yet for 1: provisional at the latest purchase here, 2.00 for 1 units, until a later inflow gives them a cost"

            """)
        let explainedNow = try cli.run(["explain", "SALE:O1:1"], now: "2026-10-15T06:00:00Z")
        #expect(explainedNow.status == 0, "\(explainedNow.error)")
        #expect(explainedNow.output.hasPrefix("SALE:O1:1: 1 × SKU1 SALE at S01, 2026-10-13T10:00:00+00:00, from "))
        #expect(explainedNow.output.contains(
            "/d2/pos_lines.csv:2 (recorded 2026-10-13T20:00:00+00:00)\ncost 3.00 for 1 units\nas known at 2026-10-15T06:00:00+00:00\n"))
        #expect(explainedNow.output.contains("purchase: 10 units for 30.00; remainder rule: round(30.00 × 1 / 10) = 3.00"))
        #expect(explainedNow.output.contains("d3/purchases.csv:2"))
        let unknown = try cli.run(["explain", "SALE:O404:1"], now: "2026-10-15T06:00:00Z")
        #expect(unknown.status == 1)
        #expect(unknown.error.contains("no outflow SALE:O404:1 as known at"))

        let verify = try cli.run(["verify"], now: "2026-10-15T06:00:00Z")
        #expect(verify.status == 0)
        #expect(verify.output == """
            ok     ledger hash chains
            ok     cost cache = rebuild
            ok     cost checkpoints = rebuild
            ok     on-hand units = plain sums
            ok     journal entries balance
            ok     inventory account = valuation
            ok     value conservation
            ok     closed periods = recomputed at their close
            ok     card clearing and processor balance = open reconciliation items

            """)
    }

    @Test func spanOptionsAreChecked() throws {
        let cli = try CLI()
        #expect(try cli.run(["cost", "--out", "x"]).status == 2)
        #expect(try cli.run(["cost", "--period", "2026-13", "--out", "x"]).status == 2)
        #expect(try cli.run(["cost", "--from", "2026-11-02", "--to", "2026-11-01", "--out", "x"]).status == 2)
        #expect(try cli.run(["cost", "--period", "2026-10", "--date", "2026-10-01", "--out", "x"]).status == 2)
    }
}
