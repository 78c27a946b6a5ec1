// The workbook's rules on ledgers built by hand, whose answers are worked out here from the rows:
// the reorder rule (at or below the reorder point, the smallest quantity above it, rounded up to a
// whole multiple of the reorder quantity; the latest catalogue row wins), the pending costs (oldest
// first, then outflow id; each fallback in words; age at the span's end), and the ageing buckets'
// edges.
import CountinghouseCore
import CountinghouseIngest
import CountinghouseReport
import CountinghouseXLSX
import Foundation
import Testing

@testable import CountinghouseApp
@testable import CountinghouseCore

@Suite struct WorkbookDataTests {
    static let october = ReportSpan.period("2026-10")!

    /// A ledger (UTC, clock 2026-11-05) of a few SKUs at S01–S03, October and early November:
    /// - A: catalogue reorder point 3, then (a later items file) 5; order multiple 5. 10 received at
    ///   S01, 6 sold there; 3 sold at S02 from an empty shelf (pending, at S01's purchase cost).
    /// - B: reorder point 4, no multiple, no standard cost; 5 received, 4 sold at S01.
    /// - C: reorder point 2, multiple 10; 20 received, 18 sold at S01 (exactly at the point).
    /// - D: no reorder point; 1 received, 1 sold.
    /// - E: reorder point 0, multiple 4, standard cost 1.50; 2 sold at S02, never received.
    /// - F: not in the catalogue; 1 sold at S03 on Oct 5 (no cost known), 1 more on Nov 2.
    /// - G: sold at S01 on Oct 3 from an empty shelf, received there on Oct 4 (filled: not pending).
    /// - H: reorder point 1; 2 received, 2 sold at S01 (a position of nothing).
    /// - J: 1 received at S01 at 4.00, 2 sold there on Oct 15 (one pending at that cost).
    static func ledger() throws -> TestLedger {
        let ledger = try TestLedger("workbook-data")
        let files: [(name: String, recordedAt: String, text: String)] = [
            (
                "items-1.csv", "2026-10-01T00:00:00Z",
                """
                sku,name,category,standard_cost,reorder_point,reorder_quantity
                A,Alpha,X,2.00,3,5
                B,Beta,X,,4,
                C,Gamma,X,1.00,2,10
                D,Delta,X,3.00,,
                E,Epsilon,X,1.50,0,4
                H,Eta,X,1.00,1,

                """
            ),
            (
                "purchases.csv", "2026-10-02T00:00:00Z",
                """
                document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost
                P1,1,2026-10-02T09:00:00Z,S01,A,RECEIVE,10,1.00
                P1,2,2026-10-02T09:00:00Z,S01,B,RECEIVE,5,2.00
                P1,3,2026-10-02T09:00:00Z,S01,C,RECEIVE,20,1.00
                P1,4,2026-10-02T09:00:00Z,S01,D,RECEIVE,1,3.00
                P1,5,2026-10-02T09:00:00Z,S01,H,RECEIVE,2,1.00
                P1,6,2026-10-02T09:00:00Z,S01,J,RECEIVE,1,4.00
                P2,1,2026-10-04T09:00:00Z,S01,G,RECEIVE,1,1.00

                """
            ),
            (
                "pos_lines.csv", "2026-11-03T00:00:00Z",
                """
                order_id,line_no,occurred_at,location,sku,type,quantity,unit_price
                O0,1,2026-10-03T12:00:00Z,S01,G,SALE,1,5.00
                O1,1,2026-10-10T12:00:00Z,S01,A,SALE,6,5.00
                O1,2,2026-10-10T12:00:00Z,S01,B,SALE,4,5.00
                O1,3,2026-10-10T12:00:00Z,S01,C,SALE,18,5.00
                O1,4,2026-10-10T12:00:00Z,S01,D,SALE,1,5.00
                O1,5,2026-10-10T12:00:00Z,S01,H,SALE,2,5.00
                O2,1,2026-10-12T12:00:00Z,S02,E,SALE,2,5.00
                O3,1,2026-10-12T12:00:00Z,S02,A,SALE,3,5.00
                O4,1,2026-10-05T08:00:00Z,S03,F,SALE,1,5.00
                O5,1,2026-10-15T12:00:00Z,S01,J,SALE,2,5.00
                O6,1,2026-11-02T12:00:00Z,S03,F,SALE,1,5.00

                """
            ),
            (
                "items-2.csv", "2026-11-04T00:00:00Z",
                """
                sku,name,category,standard_cost,reorder_point,reorder_quantity
                A,Alpha 2,X,2.00,5,5

                """
            ),
        ]
        for file in files {
            let path = ledger.root.appendingPathComponent(file.name).path
            try file.text.write(toFile: path, atomically: true, encoding: .utf8)
            let outcomes = try IngestJob.ingest(
                ledger.session, paths: [path], kind: nil, recordedAt: TimestampText.parseInstant(file.recordedAt)!) { _ in }
            for outcome in outcomes where outcome.isRejected { Issue.record("\(file.name) was rejected: \(outcome.fate)") }
        }
        return ledger
    }

    // MARK: Reorder

    @Test func theReorderRuleOnItsOwn() throws {
        func suggested(_ onHand: Int64, _ pending: Int64, _ point: Int64, _ multiple: Int64?) throws -> Int64? {
            try WorkbookData.suggestedQuantity(
                quantityOnHand: onHand, pendingQuantity: pending, reorderPoint: point, reorderQuantity: multiple, what: "X")
        }
        #expect(try suggested(6, 0, 5, nil) == nil, "above the point")
        #expect(try suggested(5, 0, 5, nil) == 1, "at the point")
        #expect(try suggested(7, 2, 5, nil) == 1, "on hand less pending at the point")
        #expect(try suggested(0, 0, 5, 4) == 8)
        #expect(try suggested(-3, 3, 5, 5) == 15)
        #expect(try suggested(2, 0, 5, 0) == 4, "a multiple of 0 rounds nothing")
        #expect(throws: OutOfRange.self) { try suggested(.min, .max, .max, nil) }
        // Against the definition, over a grid: the smallest whole multiple that brings the units
        // available above the point.
        for onHand in Int64(-6)...6 {
            for pending in Int64(0)...3 {
                for point in Int64(0)...5 {
                    for multiple in [nil, 1, 3, 4] as [Int64?] {
                        let available = onHand - pending
                        let step = multiple ?? 1
                        let smallest = (1...100).lazy.map { Int64($0) * step }.first { available + $0 > point }
                        #expect(try suggested(onHand, pending, point, multiple) == (available <= point ? smallest : nil))
                    }
                }
            }
        }
    }

    @Test func reorderListsThePositionsAtOrBelowTheirPointWithTheLatestCatalogue() throws {
        let ledger = try Self.ledger()
        defer { ledger.remove() }
        let books = try BooksAsKnown(ledger.session, knownAt: ledger.context.knownNow)
        let rows = try WorkbookData.reorder(books, span: Self.october, context: ledger.context)
        #expect(
            rows == [
                ReorderRow(sku: "A", name: "Alpha 2", location: "S01", quantityOnHand: 4, pendingQuantity: 0, reorderPoint: 5, reorderQuantity: 5, suggestedQuantity: 5),
                ReorderRow(sku: "B", name: "Beta", location: "S01", quantityOnHand: 1, pendingQuantity: 0, reorderPoint: 4, reorderQuantity: nil, suggestedQuantity: 4),
                ReorderRow(sku: "C", name: "Gamma", location: "S01", quantityOnHand: 2, pendingQuantity: 0, reorderPoint: 2, reorderQuantity: 10, suggestedQuantity: 10),
                ReorderRow(sku: "H", name: "Eta", location: "S01", quantityOnHand: 0, pendingQuantity: 0, reorderPoint: 1, reorderQuantity: nil, suggestedQuantity: 2),
                ReorderRow(sku: "A", name: "Alpha 2", location: "S02", quantityOnHand: -3, pendingQuantity: 3, reorderPoint: 5, reorderQuantity: 5, suggestedQuantity: 15),
                ReorderRow(sku: "E", name: "Epsilon", location: "S02", quantityOnHand: -2, pendingQuantity: 2, reorderPoint: 0, reorderQuantity: 4, suggestedQuantity: 8),
            ])
        // As known before the second catalogue file, A's point was 3: S01's 4 units were enough.
        let before = try BooksAsKnown(ledger.session, knownAt: .at(TimestampText.parseInstant("2026-11-03T12:00:00Z")!))
        let earlier = try WorkbookData.reorder(before, span: Self.october, context: ledger.context)
        #expect(!earlier.contains { $0.sku == "A" && $0.location == "S01" })
        #expect(earlier.first { $0.sku == "A" && $0.location == "S02" }?.reorderPoint == 3)
        let table = WorkbookTables.reorder(rows)
        #expect(table.name == "reorder")
        #expect(table.columnNames == [
            "sku", "name", "location", "quantity_on_hand", "pending_quantity", "reorder_point", "reorder_quantity", "suggested_quantity",
        ])
        #expect(table.rows[1][6] == .empty, "no multiple")
    }

    // MARK: Pending costs

    @Test func pendingCostsAreOldestFirstThenByOutflowIDWithTheirFallbackInWords() throws {
        let ledger = try Self.ledger()
        defer { ledger.remove() }
        let context = ledger.context
        let books = try BooksAsKnown(ledger.session, knownAt: context.knownNow)
        let rows = try WorkbookData.pendingCosts(books, span: Self.october, context: context)
        // O2 (E) and O3 (A) at one instant: by outflow id, not by SKU as cogs.csv would.
        #expect(rows.map(\.outflow.outflowID) == ["SALE:O4:1", "SALE:O2:1", "SALE:O3:1", "SALE:O5:1"])
        #expect(rows.map(\.pricedBy) == [
            "zero (no cost known)", "standard cost", "last purchase cost at another location", "last purchase cost at this location",
        ])
        #expect(rows.map(\.outflow.pendingQuantity) == [1, 2, 3, 1])
        #expect(rows.map(\.outflow.provisionalCost) == [0, 300, 300, 400])
        #expect(rows.map(\.ageDays) == [26, 19, 19, 16])
        // November adds F's second sale; the ages are at November's end.
        let november = try WorkbookData.pendingCosts(books, span: ReportSpan.period("2026-11")!, context: context)
        #expect(november.map(\.outflow.outflowID) == ["SALE:O4:1", "SALE:O2:1", "SALE:O3:1", "SALE:O5:1", "SALE:O6:1"])
        #expect(november.map(\.ageDays) == [56, 49, 49, 46, 28])
        let table = WorkbookTables.pendingCosts(rows, exponent: 2, offset: context.offset)
        #expect(table.columnNames == [
            "outflow_id", "kind", "occurred_at", "location", "sku", "document_id", "line_no", "pending_quantity", "provisional_cost",
            "priced_by", "flags", "age_days",
        ])
        #expect(table.totals?[8].value == .money(1000, exponent: 2))
    }

    /// The books as known now read their costs from the cache; the engine's runs give the same rows.
    @Test func theSameRowsFromTheCostCacheAndFromTheEngine() throws {
        let ledger = try Self.ledger()
        defer { ledger.remove() }
        let context = ledger.context
        let books = try BooksAsKnown(ledger.session, knownAt: context.knownNow)
        guard case .cached(let store) = books.costs else {
            Issue.record("the books as known now should read their costs from the cache")
            return
        }
        let computed = CostView.computed(try Costs.runs(store, knownAt: books.knownAt, sku: nil))
        for span in [Self.october, ReportSpan.period("2026-11")!] {
            let pending = try WorkbookData.pendingCosts(costs: books.costs, span: span, context: context)
            #expect(!pending.isEmpty)
            #expect(pending == (try WorkbookData.pendingCosts(costs: computed, span: span, context: context)))
            let trail = try WorkbookData.stockTrail(
                costs: books.costs, knownAt: books.knownAt, moved: books.skusMoved(in: span), span: span, context: context)
            #expect(!trail.isEmpty)
            #expect(
                trail
                    == (try WorkbookData.stockTrail(
                        costs: computed, knownAt: books.knownAt, moved: books.skusMoved(in: span), span: span, context: context)))
            // Books keeping no rows, only the SKUs that moved each day of the span, give the same trail.
            let spanBooks = try BooksAsKnown(ledger.session, knownAt: context.knownNow, detail: .movements(in: span))
            #expect(try WorkbookData.stockTrail(spanBooks, span: span, context: context) == trail)
            // The same entries in the span; outside it the same lines (sales memos name no tickets there).
            #expect(JournalOutputs.entries(spanBooks.entries, in: span) == JournalOutputs.entries(books.entries, in: span))
            #expect(spanBooks.entries.map(\.lines) == books.entries.map(\.lines))
            let items = books.items.map(\.row)
            let reorder = try WorkbookData.reorder(costs: books.costs, items: items, span: span, context: context)
            #expect(!reorder.isEmpty)
            #expect(reorder == (try WorkbookData.reorder(costs: computed, items: items, span: span, context: context)))
        }
    }

    /// November's stock trail: only F moved (at S03), opening with October's sale from an empty shelf.
    @Test func theStockTrailOpensWithWhatWasThereBeforeTheSpan() throws {
        let ledger = try Self.ledger()
        defer { ledger.remove() }
        let context = ledger.context
        let books = try BooksAsKnown(ledger.session, knownAt: context.knownNow)
        let rows = try WorkbookData.stockTrail(books, span: ReportSpan.period("2026-11")!, context: context)
        #expect(rows.map { "\($0.sku) \($0.location) \($0.event)" } == ["F S03 OPENING", "F S03 SALE"])
        #expect(rows.map(\.quantityOnHand) == [-1, -2])
        #expect(rows.map(\.pendingOnHand) == [1, 2])
        #expect(rows.map(\.quantity) == [nil, -1])
        #expect(rows.map(\.valueOnHand) == [0, 0], "no cost known: zero")
        #expect(rows[0].occurredAt == context.startOfDay(CivilDate(text: "2026-11-01")!))
        #expect(rows[1].source?.hasSuffix("pos_lines.csv:12") == true)
        #expect(rows[1].flags == ["FALLBACK_ZERO"])
        let table = WorkbookTables.stockTrail(rows, exponent: 2, offset: context.offset)
        #expect(table.columnNames == [
            "sku", "location", "occurred_at", "event", "quantity", "value", "quantity_on_hand", "value_on_hand", "pending_on_hand",
            "document_id", "line_no", "source", "flags",
        ])
        #expect(table.rows[0][4] == .empty && table.rows[0][9] == .empty)
    }

    @Test func pricingWordsForEveryFlag() {
        #expect(WorkbookTables.pricing(flags: "") == "")
        #expect(WorkbookTables.pricing(flags: "CANCELLED_BY_RETURN;FALLBACK_STANDARD_COST") == "standard cost")
        #expect(WorkbookTables.pricing(flags: "FALLBACK_PURCHASE_HERE;FROM_PROVISIONAL_LAYER") == "last purchase cost at this location; value of a provisional layer")
        #expect(WorkbookTables.pricing(flags: "FALLBACK_PURCHASE_ELSEWHERE;SELF_DEPENDENT") == "last purchase cost at another location")
        #expect(WorkbookTables.pricing(flags: "FALLBACK_ZERO") == "zero (no cost known)")
        #expect(WorkbookTables.pricing(flags: "FROM_PROVISIONAL_LAYER") == "value of a provisional layer")
    }

    // MARK: Ageing

    @Test func ageingBucketsHaveTheirEdgesAndCountOnlyOpenExceptions() throws {
        func row(_ status: ReconciliationStatus, age: Int64?, difference: Int64? = nil, settled: Int64? = nil, pos: Int64? = nil)
            -> ReconciliationRow
        {
            ReconciliationRow(
                item: .tender(0), status: status, category: "POS_PAYMENT", processor: "stripe", orderID: nil, paymentRef: nil,
                recordID: nil, posAmount: pos, settledAmount: settled, difference: difference, fee: nil,
                occurredAt: Instant(nanosecondsSinceEpoch: 0), settledOn: nil, payoutID: nil, ageDays: age, note: "", tenderNumber: 1,
                matchStep: "", expectedFee: nil, writtenOff: nil, paymentLife: nil, vendorCategory: nil)
        }
        let rows = [
            row(.unsettled, age: 0, pos: 100), row(.amountMismatch, age: 7, difference: 5, settled: 900, pos: 905),
            row(.unmatchedSettlement, age: 8, settled: -250), row(.chargebackOpen, age: 30, settled: -40),
            row(.adjustment, age: 31, difference: 3), row(.feeVariance, age: 60, difference: 1), row(.payoutMismatch, age: 61, difference: 2),
            row(.duplicateSettlement, age: 90, difference: 7), row(.ambiguous, age: 91, pos: 11), row(.unsettled, age: 400, pos: 13),
            // Not counted: open but no exception; an exception no longer open.
            row(.inTransit, age: 3, pos: 1000), row(.matched, age: nil, difference: 0), row(.amountMismatch, age: nil, difference: 9),
        ]
        let report = ReconciliationReport(
            span: Self.october, rows: rows, rollforward: [], payments: [], overridesNamingNothing: [], matchesRefused: [])
        let buckets = try WorkbookData.reconciliationAgeing(report)
        #expect(buckets == [
            AgeingBucket(label: "0–7 days", items: 2, amount: 105), AgeingBucket(label: "8–30 days", items: 2, amount: -290),
            AgeingBucket(label: "31–60 days", items: 2, amount: 4), AgeingBucket(label: "61–90 days", items: 2, amount: 9),
            AgeingBucket(label: "over 90 days", items: 2, amount: 24),
        ])
        let empty = try WorkbookData.reconciliationAgeing(
            ReconciliationReport(span: Self.october, rows: [], rollforward: [], payments: [], overridesNamingNothing: [], matchesRefused: []))
        #expect(empty.map(\.items) == [0, 0, 0, 0, 0], "every bucket present")
        let table = WorkbookTables.reconciliationAgeing(buckets, exponent: 2)
        #expect(table.columnNames == ["age_bucket", "items", "amount"])
        #expect(table.totals?[2].value == .money(-148, exponent: 2))
    }

    // MARK: A stock trail made again

    static func trailRow(_ sku: String, _ quantity: Int64) -> StockTrailRow {
        StockTrailRow(
            sku: sku, location: "S01", occurredAt: Instant(nanosecondsSinceEpoch: 0), event: "SALE", quantity: quantity, value: nil,
            quantityOnHand: 0, valueOnHand: 0, pendingOnHand: 0, documentID: nil, lineNumber: nil, source: nil, flags: [])
    }

    /// A chunk that cannot be made again, or makes another count of rows than it was counted at,
    /// gives empty rows, says why, and the workbook writer refuses the file (nothing left beside
    /// the folder).
    @Test func aStockTrailThatCannotBeMadeAgainRefusesTheWorkbook() throws {
        struct Lost: Error {}
        let pages = StockTrailPages(chunks: [["A"], ["B"], ["C"]], counts: [2, 1, 2]) { chunk in
            switch chunk.first {
            case "A": return [Self.trailRow("A", 1), Self.trailRow("A", 2)]
            case "B": throw Lost()
            default: return [Self.trailRow("C", 1)]
            }
        }
        #expect(pages.count == 5)
        #expect(pages.row(1).quantity == 2 && pages.failure == nil)
        #expect(pages.row(2).sku == "" && pages.failure is Lost)
        let mismatched = StockTrailPages(chunks: [["C"]], counts: [2]) { _ in [Self.trailRow("C", 1)] }
        #expect(mismatched.row(0).sku == "")
        #expect((mismatched.failure as? AppFailure)?.status == .internalError)

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-pages-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let table = WorkbookTables.stockTrail(count: pages.count, exponent: 2, offset: { _ in 0 }) { pages.row($0) }
        let workbook = Workbook(
            sheets: [ReportSheet(title: "Stock Trail", tables: [table])], madeAgain: [pages],
            properties: XLSXProperties(knowledgeTime: Instant(nanosecondsSinceEpoch: 0)),
            attention: WorkbookAttention(pendingOutflows: 0, exceptions: 0, exceptionsByStatus: []))
        let out = folder.appendingPathComponent("report").path
        let error = #expect(throws: AppFailure.self) { try WorkbookJob.writeStaged(workbook, beside: out) }
        #expect(error?.status == .internalError)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty)
    }
}

/// The stock trail's chunks: every moved SKU once, in byte order, at most 32 a chunk, and fewer as
/// the span's movements grow (six a SKU a day: a month, 32; a quarter, 16; a year, 4; three years,
/// 1; the same month moving 57 times a day, 5).
@Suite struct StockTrailChunkTests {
    @Test func chunksFollowTheSpansMovementsNotItsLength() {
        let skus = Set((0..<400).map { OpaqueID("SKU-\(String($0, radix: 7))") })
        let inOrder = skus.sorted()
        for (perSKU, expected) in [(0, 32), (6 * 31, 32), (6 * 92, 16), (6 * 365, 4), (6 * 1095, 1), (57 * 31, 5), (10_000_000, 1)] {
            let chunks = WorkbookData.stockTrailChunks(skus, movements: skus.count * perSKU)
            #expect(Array(chunks.joined()) == inOrder, "\(perSKU) movements a SKU")
            #expect(chunks.dropLast().allSatisfy { $0.count == expected } && chunks.last.map { $0.count <= expected } == true, "\(perSKU) movements a SKU")
        }
        #expect(WorkbookData.stockTrailChunks([], movements: 0).isEmpty)
    }
}
