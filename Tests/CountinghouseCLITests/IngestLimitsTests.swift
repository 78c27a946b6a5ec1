import Foundation
import Testing

/// Values nobody meant never reach the append-only ledger: amounts past the money limit (the issue's
/// two rows of 5e16 minor units, which made `report` and `verify` trap on every run after), and
/// a file with every row at the limits still lands and reports.
@Suite struct IngestLimitsTests {
    static let header = "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,total_cost\n"

    @Test func rowsOfHugeAmountsAreRejectedAndTheLedgerStillReports() throws {
        let cli = try CLI()
        let huge = try cli.write(
            "purchases-huge.csv",
            Self.header + "GR1,1,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,1,,500000000000000.00\n"
                + "GR1,2,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,1,,500000000000000.00\n")
        let rejected = try cli.run(["ingest", huge], now: "2026-10-06T06:00:00Z")
        #expect(rejected.status == 1)
        #expect(rejected.error == """
            \(huge): REJECTED (purchases): 2 errors; nothing of it entered the ledger
              \(huge):2: column total_cost "500000000000000.00": amount out of range (at most 10000000000.00)
              \(huge):3: column total_cost "500000000000000.00": amount out of range (at most 10000000000.00)

            """)

        // Rows at the limits land, and every command that sums them runs.
        let atTheLimits = try cli.write(
            "purchases.csv",
            Self.header + "GR2,1,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,1000000000,,10000000000.00\n"
                + "GR2,2,2026-10-05T09:00:00Z,S01,SKU1,RECEIVE,100,100000000.00,\n"
                + "GR2,3,2026-10-05T09:00:00Z,S01,SKU2,RECEIVE,1000000000,,10000000000.00\n")
        let landed = try cli.run(["ingest", atTheLimits], now: "2026-10-06T06:00:00Z")
        #expect(landed.status == 0, "\(landed.output)\(landed.error)")
        let stock = try cli.run(["stock", "--format", "csv"], now: "2026-10-07T00:00:00Z")
        #expect(stock.status == 0, "\(stock.error)")
        #expect(stock.output.contains("SKU1,S01,1000000100,20000000000.00,0"))
        let report = try cli.run(["report", "--period", "2026-10", "--out", "books"], now: "2026-11-02T00:00:00Z")
        #expect(report.status == 0, "\(report.error)")
        #expect(try cli.run(["verify"], now: "2026-11-02T00:00:00Z").status == 0)
    }

    /// Rows within the limits whose product over a SKU leaves 64 bits (a sale of 10^9 units with no
    /// stock, priced at a standard cost of 10^12 minor units): the commands that cost it refuse with
    /// an error naming the SKU, instead of crashing on every run.
    @Test func aSKUWhoseCostsCouldOverflowIsAnErrorNotACrash() throws {
        let cli = try CLI()
        let items = try cli.write("items.csv", "sku,name,standard_cost\nA,big,10000000000.00\nB,small,1.00\n")
        let sales = try cli.write(
            "pos_lines.csv",
            "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price\n"
                + "O1,1,2026-10-05T10:00:00Z,S01,A,SALE,1000000000,0.00\nO2,1,2026-10-05T10:00:00Z,S01,B,SALE,1,2.00\n")
        #expect(try cli.run(["ingest", items, sales], now: "2026-10-06T06:00:00Z").status == 0)
        for arguments in [["stock"], ["report", "--period", "2026-10", "--out", "books"]] {
            let result = try cli.run(arguments, now: "2026-11-02T00:00:00Z")
            #expect(result.status == 1, "\(arguments): \(result.error)")
            #expect(result.error.hasPrefix(
                "error: the stock value SKU A could reach (its receipts plus its other units times its highest unit cost) is out of range ("))
        }
    }
}
