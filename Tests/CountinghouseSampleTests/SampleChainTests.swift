// The sample generator: deterministic bytes, the committed sample-data, and each case the demo and
// the end-to-end tests rely on.
import CountinghouseCore
import CountinghouseSample
import Foundation
import Testing

/// The default generation, made once for all tests.
let standardFiles = SampleChain.generate(.standard)
let standardLines = rows(.posLines, in: standardFiles)
let standardTenders = rows(.posTenders, in: standardFiles)
let standardPurchases = rows(.purchases, in: standardFiles)
let standardTransfers = rows(.transfers, in: standardFiles)

private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

@Suite struct DeterminismTests {
    @Test func sameParametersGiveTheSameBytes() {
        let parameters = SampleChain.Parameters(dayCount: 10)
        #expect(SampleChain.generate(parameters) == SampleChain.generate(parameters))
        #expect(SampleChain.generate(parameters) == Array(standardFiles.prefix { $0.relativePath < "2026-10-11" }))
    }

    @Test func anotherSeedGivesOtherBytes() {
        let first = SampleChain.generate(SampleChain.Parameters(seed: 1, dayCount: 5))
        let second = SampleChain.generate(SampleChain.Parameters(seed: 2, dayCount: 5))
        #expect(first != second)
    }

    @Test func bulkFileHasExactlyTheRowsAskedFor() {
        for kind in SampleChain.bulkKinds {
            var bytes: [UInt8] = []
            SampleChain.bulkRows(kind: kind, rows: 500) { bytes.append(contentsOf: $0) }
            let text = String(decoding: bytes, as: UTF8.self)
            let records = parseCSV(text)
            #expect(records.count == 501, "\(kind.rawValue)")
            #expect(records.first == SampleChain.columns(of: kind), "\(kind.rawValue)")
            var again: [UInt8] = []
            SampleChain.bulkRows(kind: kind, rows: 500) { again.append(contentsOf: $0) }
            #expect(again == bytes, "\(kind.rawValue)")
        }
    }

    @Test func scaledChainKeepsItsShape() {
        let files = SampleChain.generate(
            SampleChain.Parameters(seed: 7, storeCount: 12, skuCount: 150, dayCount: 8, linesPerDay: 1_200))
        let lines = rows(.posLines, in: files)
        #expect(lines.count > 8_000)
        #expect(Set(lines.map { $0["location"] }).count == 12)
        #expect(Set(lines.map { $0["sku"] }).count > 140)
        #expect(unbalancedTickets(lines: lines, tenders: rows(.posTenders, in: files)).isEmpty)
    }
}

@Suite struct CommittedSampleTests {
    /// `sample-data/` is exactly what `countinghouse sample --out sample-data --replace` writes.
    @Test func committedSampleDataEqualsTheDefaultGeneration() throws {
        let directory = repositoryRoot + "/sample-data"
        let manager = FileManager.default
        var committed: [String: [UInt8]] = [:]
        for folder in try manager.contentsOfDirectory(atPath: directory) where SampleFileWriter.isDayFolderName(folder) {
            for name in try manager.contentsOfDirectory(atPath: directory + "/" + folder) {
                let path = folder + "/" + name
                committed[path] = Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + path)))
            }
        }
        let generated = Dictionary(uniqueKeysWithValues: standardFiles.map { ($0.relativePath, $0.bytes) })
        let hint = "regenerate: swift run countinghouse sample --out sample-data --replace"
        let missing = Set(generated.keys).subtracting(committed.keys).sorted()
        let extra = Set(committed.keys).subtracting(generated.keys).sorted()
        #expect(missing.isEmpty, "\(missing.count) files missing, e.g. \(missing.prefix(3)); \(hint)")
        #expect(extra.isEmpty, "\(extra.count) files not generated, e.g. \(extra.prefix(3)); \(hint)")
        for path in generated.keys.sorted() where committed[path] != nil {
            #expect(committed[path] == generated[path], "\(path) differs; \(hint)")
        }
    }

    @Test func sampleStaysSmall() {
        let bytes = standardFiles.reduce(0) { $0 + $1.bytes.count }
        #expect(bytes > 300_000 && bytes < 2_000_000)
    }
}

@Suite struct SampleCaseTests {
    var lines: [SampleRow] { standardLines }
    var tenders: [SampleRow] { standardTenders }
    var purchases: [SampleRow] { standardPurchases }
    var transfers: [SampleRow] { standardTransfers }

    @Test func returnsReferenceAnEarlierSaleLine() {
        let sales = Dictionary(
            uniqueKeysWithValues: lines.filter { $0["type"] == "SALE" }.map { ($0["order_id"] + "#" + $0["line_no"], $0) })
        let returns = lines.filter { $0["type"] == "RETURN" }
        #expect(returns.count >= 10)
        for line in returns {
            let sale = sales[line["original_order_id"] + "#" + line["original_line_no"]]
            #expect(sale != nil, "return \(line["order_id"]) names no sale line")
            guard let sale else { continue }
            #expect(sale["sku"] == line["sku"] && sale["location"] == line["location"])
            #expect(Int(line["quantity"])! <= Int(sale["quantity"])!)
            #expect(instant(sale["occurred_at"]) < instant(line["occurred_at"]))
            #expect(sale["order_id"] != line["order_id"])
        }
    }

    @Test func ticketsHaveCompLinesAndSplitTenders() {
        let comps = lines.filter { $0["type"] == "COMP" }
        #expect(!comps.isEmpty)
        #expect(comps.allSatisfy { $0["unit_price"] == "0.00" })
        var kindsByOrder: [String: Set<String>] = [:]
        for tender in tenders { kindsByOrder[tender["order_id"], default: []].insert(tender["tender"]) }
        #expect(kindsByOrder.values.contains { $0 == ["CARD", "CASH"] })
        #expect(lines.contains { minorUnits($0["discount"]) > 0 })
        #expect(tenders.contains { $0["tender"] == "CARD" && $0["type"] == "REFUND" })
        #expect(tenders.filter { $0["tender"] == "CARD" }.allSatisfy {
            $0["processor"] == "stripe" && ($0["payment_ref"].hasPrefix("pi_") || $0["payment_ref"].hasPrefix("ch_"))
        })
    }

    @Test func everyTicketBalances() {
        #expect(unbalancedTickets(lines: lines, tenders: tenders).isEmpty)
    }

    @Test func someReceiptsArriveLate() {
        let late = purchases.filter { $0["type"] == "RECEIVE" && String($0["occurred_at"].prefix(10)) < $0.folder }
        #expect(late.count >= 3)
        #expect(late.contains { $0["location"] != "WH1" })
    }

    @Test func onePurchaseReturnNamesItsReceipt() {
        let returns = purchases.filter { $0["type"] == "RETURN" }
        #expect(returns.count == 1)
        guard let purchaseReturn = returns.first else { return }
        #expect(purchases.contains {
            $0["type"] == "RECEIVE" && $0["document_id"] == purchaseReturn["original_document_id"]
                && $0["sku"] == purchaseReturn["sku"] && $0["location"] == purchaseReturn["location"]
        })
    }

    @Test func transfersShipThenReceiveOneShort() {
        var shipped: [String: SampleRow] = [:]
        for row in transfers where row["type"] == "SHIP" { shipped[row["transfer_id"] + "#" + row["line_no"]] = row }
        var short = 0
        for row in transfers where row["type"] == "RECEIVE" {
            guard let ship = shipped[row["transfer_id"] + "#" + row["line_no"]] else {
                Issue.record("receipt without shipment: \(row.fields)")
                continue
            }
            #expect(instant(ship["occurred_at"]) < instant(row["occurred_at"]))
            #expect(ship["sku"] == row["sku"] && ship["to_location"] == row["to_location"])
            if Int(row["quantity"])! < Int(ship["quantity"])! { short += 1 }
        }
        #expect(short == 1)
    }

    /// Replays every stock movement in time order: stock never goes negative except the seasonal
    /// sale from an empty shelf, which a later (late-delivered) receipt fills; the count differs
    /// from the books on exactly two SKUs.
    @Test func stockReplayFindsTheSeasonalSaleAndTheCountDiscrepancy() {
        struct Movement { let at: Instant; let order: Int; let key: String; let quantity: Int; let isCount: Bool }
        var movements: [Movement] = []
        for row in purchases {
            let quantity = Int(row["quantity"])!
            movements.append(Movement(
                at: instant(row["occurred_at"]), order: row["type"] == "RECEIVE" ? 0 : 1,
                key: row["location"] + " " + row["sku"], quantity: row["type"] == "RECEIVE" ? quantity : -quantity,
                isCount: false))
        }
        for row in transfers {
            let receive = row["type"] == "RECEIVE"
            movements.append(Movement(
                at: instant(row["occurred_at"]), order: receive ? 0 : 1,
                key: (receive ? row["to_location"] : row["from_location"]) + " " + row["sku"],
                quantity: receive ? Int(row["quantity"])! : -Int(row["quantity"])!, isCount: false))
        }
        for row in lines {
            let inflow = row["type"] == "RETURN"
            movements.append(Movement(
                at: instant(row["occurred_at"]), order: inflow ? 0 : 1, key: row["location"] + " " + row["sku"],
                quantity: inflow ? Int(row["quantity"])! : -Int(row["quantity"])!, isCount: false))
        }
        let counts = rows(.counts, in: standardFiles)
        #expect(Set(counts.map { $0.folder }) == ["2026-11-14"])
        for row in counts {
            movements.append(Movement(
                at: instant(row["occurred_at"]), order: 2, key: row["location"] + " " + row["sku"],
                quantity: Int(row["counted_quantity"])!, isCount: true))
        }
        movements.sort { ($0.at, $0.order) < ($1.at, $1.order) }
        var onHand: [String: Int] = [:]
        var negative: [String] = []
        var discrepancies: [String] = []
        for movement in movements {
            if movement.isCount {
                if onHand[movement.key, default: 0] != movement.quantity { discrepancies.append(movement.key) }
                onHand[movement.key] = movement.quantity
            } else {
                onHand[movement.key, default: 0] += movement.quantity
                if onHand[movement.key]! < 0 { negative.append(movement.key) }
            }
        }
        #expect(negative == ["S02 HOM-1040"])
        #expect((onHand["S02 HOM-1040"] ?? 0) > 0)
        #expect(discrepancies.count == 2)
        #expect(onHand.values.allSatisfy { $0 >= 0 })
    }

    @Test func settlementsNetIsGrossLessFeeAndPayoutsBalance() {
        let settlements = rows(.settlements, in: standardFiles)
        var payoutTotals: [String: Int64] = [:]
        for record in settlements {
            #expect(minorUnits(record["net"]) == minorUnits(record["gross"]) - minorUnits(record["fee"]))
            payoutTotals[record["payout_id"], default: 0] += minorUnits(record["net"])
        }
        #expect(payoutTotals.count >= 10)
        #expect(payoutTotals.values.allSatisfy { $0 == 0 })
        let types = Set(settlements.map { $0["type"] })
        #expect(types == ["CAPTURE", "REFUND", "FEE", "PAYOUT"])
        var cardPayments: [String: Int64] = [:]
        for tender in tenders where tender["tender"] == "CARD" && tender["type"] == "PAYMENT" {
            cardPayments[tender["payment_ref"]] = minorUnits(tender["amount"])
        }
        for capture in settlements where capture["type"] == "CAPTURE" {
            let gross = minorUnits(capture["gross"])
            #expect(cardPayments[capture["payment_ref"]] == gross)
            // 2.9 % + 0.30, rounded half away from zero.
            #expect(minorUnits(capture["fee"]) == roundHalfAwayFromZero(Int128(gross) * 29, 1_000) + 30)
        }
    }

    @Test func itemsComeOnTheFirstDayAndTheSeasonalLaunch() {
        let items = rows(.items, in: standardFiles)
        #expect(Set(items.map { $0.folder }) == ["2026-10-01", "2026-10-20"])
        #expect(items.filter { $0.folder == "2026-10-01" }.count == 39)
        #expect(items.contains { $0["name"] == "Notebook A5 \"Dotted\"" })
    }
}

/// Orders whose tenders (payments − refunds) differ from their lines' collected total.
func unbalancedTickets(lines: [SampleRow], tenders: [SampleRow]) -> [String] {
    var balance: [String: Int64] = [:]
    for line in lines {
        let collected = Int64(line["quantity"])! * minorUnits(line["unit_price"]) - minorUnits(line["discount"])
            + minorUnits(line["tax"])
        switch line["type"] {
        case "SALE": balance[line["order_id"], default: 0] += collected
        case "RETURN": balance[line["order_id"], default: 0] -= collected
        default: break
        }
    }
    for tender in tenders {
        let amount = minorUnits(tender["amount"])
        balance[tender["order_id"], default: 0] -= tender["type"] == "PAYMENT" ? amount : -amount
    }
    return balance.filter { $0.value != 0 }.map(\.key).sorted()
}
