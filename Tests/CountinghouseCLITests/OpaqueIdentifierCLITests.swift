import Foundation
import Testing

/// Identifiers are their bytes (FORMATS §1), end to end: a SKU and a location spelled in NFC
/// ("É", one scalar) and in NFD ("E" and U+0301) are two SKUs and two locations in the stock,
/// the costs, the journal and `verify`, through a late receipt that makes the cache replay.
@Suite struct OpaqueIdentifierCLITests {
    static let (skuNFC, skuNFD) = ("CAF\u{C9}", "CAFE\u{301}")
    static let (storeNFC, storeNFD) = ("S\u{C9}", "SE\u{301}")

    @Test(arguments: storeKinds)
    func twinSpellingsAreTwoSKUsAndTwoLocations(postgres: Bool) throws {
        let cli = try CLI(postgres: postgres)
        let (a, b, x, y) = (Self.skuNFC, Self.skuNFD, Self.storeNFC, Self.storeNFD)
        let receipts = try cli.write("d1/purchases.csv", """
            document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost
            GR1,1,2026-10-01T09:00:00Z,\(x),\(a),RECEIVE,10,1.00
            GR1,2,2026-10-01T09:00:00Z,\(y),\(b),RECEIVE,10,3.00
            GR1,3,2026-10-01T09:00:00Z,\(x),\(b),RECEIVE,10,2.00

            """)
        let sales = try cli.write("d2/pos_lines.csv", """
            order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
            O\(a),1,2026-10-02T10:00:00Z,\(x),\(a),SALE,2,5.00
            O\(b),1,2026-10-02T10:00:00Z,\(y),\(b),SALE,3,5.00
            O\(b),2,2026-10-02T10:00:00Z,\(y),\(a),SALE,1,5.00

            """)
        // Known later, dated before the sale at the second location: its pending unit is repriced.
        let late = try cli.write("d3/purchases.csv", """
            document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost
            GR2,1,2026-10-01T12:00:00Z,\(y),\(a),RECEIVE,10,4.00

            """)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-02T20:00:00Z", receipts, sales]).status == 0)
        #expect(try cli.run(["stock", "--format", "csv"], now: "2026-10-03T06:00:00Z").status == 0)
        #expect(try cli.run(["ingest", "--recorded-at", "2026-10-03T20:00:00Z", late]).status == 0)

        let report = try cli.run(["report", "--period", "2026-10", "--out", "october"], now: "2026-11-02T06:00:00Z")
        #expect(report.status == 0, "\(report.error)")
        let folder = cli.directory.appendingPathComponent("october")
        // By SKU, then location, in byte order: "E" (0x45) before "É" (0xC3 0x89).
        let valuation = try Data(contentsOf: folder.appendingPathComponent("valuation.csv"))
        #expect(valuation == Data("""
            sku,location,quantity_on_hand,value,pending_quantity
            \(b),\(y),7,21.00,0
            \(b),\(x),10,20.00,0
            \(a),\(y),9,36.00,0
            \(a),\(x),8,8.00,0

            """.utf8))
        let journal = try String(contentsOf: folder.appendingPathComponent("journal.csv"), encoding: .utf8)
        // Each location's sales entry: id, date, account, name, debit, credit, location.
        let salesLines = journal.split(separator: "\n").filter { $0.hasPrefix("SALES:") && $0.contains(",4000,") }
            .map { Array($0.split(separator: ",", omittingEmptySubsequences: false).prefix(7).joined(separator: ",").utf8) }
        #expect(salesLines == [
            "SALES:2026-10-02:\(y),2026-10-02,4000,Sales,0.00,20.00,\(y)", "SALES:2026-10-02:\(x),2026-10-02,4000,Sales,0.00,10.00,\(x)",
        ].map { Array($0.utf8) })
        let verify = try cli.run(["verify"], now: "2026-11-02T06:00:00Z")
        #expect(verify.status == 0, "\(verify.output)")
    }
}
