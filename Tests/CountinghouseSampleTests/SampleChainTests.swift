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
        // S01 and S02 take cards through Stripe (charge ids), S03 through Adyen (PSP references).
        #expect(tenders.filter { $0["tender"] == "CARD" }.allSatisfy {
            $0["location"] == "S03"
                ? $0["processor"] == "adyen" && $0["payment_ref"].count == 16 && $0["payment_ref"].allSatisfy(\.isNumber)
                : $0["processor"] == "stripe" && $0["payment_ref"].hasPrefix("ch_")
        })
        var cardTenders: [String: Int] = [:]
        for tender in tenders where tender["tender"] == "CARD" { cardTenders[tender["order_id"], default: 0] += 1 }
        #expect(cardTenders.filter { $0.value == 2 }.map(\.key) == ["S01-100128"])
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

    /// Square's canonical settlements (the pop-up): net = gross − fee, every payout pays exactly
    /// its records, each capture is a Square card tender's amount at 2.6 % + 0.10.
    @Test func squareSettlementsBalanceTheirPayouts() {
        let settlements = rows(.settlements, in: standardFiles)
        #expect(settlements.count > 100)
        #expect(settlements.allSatisfy { $0["processor"] == "square" })
        var payoutTotals: [String: Int64] = [:]
        for record in settlements {
            #expect(minorUnits(record["net"]) == minorUnits(record["gross"]) - minorUnits(record["fee"]))
            payoutTotals[record["payout_id"], default: 0] += minorUnits(record["net"])
        }
        #expect(payoutTotals.count >= 40)
        #expect(payoutTotals.values.allSatisfy { $0 == 0 })
        #expect(Set(settlements.map { $0["type"] }) == ["CAPTURE", "REFUND", "PAYOUT"])
        for capture in settlements where capture["type"] == "CAPTURE" {
            let gross = minorUnits(capture["gross"])
            #expect(minorUnits(capture["fee"]) == roundHalfAwayFromZero(Int128(gross) * 26, 1_000) + 10)
        }
    }

    /// Stripe: each payout reconciliation report's rows sum to its payout in the payouts report,
    /// and every charge is a Stripe card tender's amount (the stories' short capture aside) at
    /// 2.9 % + 0.30.
    @Test func stripeReportsBalanceTheirPayouts() {
        let itemized = vendorRows("stripe_payout_reconciliation.itemized_", in: standardFiles)
        let payouts = vendorRows("stripe_payouts.itemized_", in: standardFiles)
        #expect(payouts.count >= 15)
        var totals: [String: Int64] = [:]
        for row in itemized {
            #expect(minorUnits(row["net"]) == minorUnits(row["gross"]) - minorUnits(row["fee"]))
            totals[row["automatic_payout_id"], default: 0] += minorUnits(row["net"])
        }
        for payout in payouts { totals[payout["payout_id"], default: 0] += minorUnits(payout["net"]) }
        #expect(totals.count == payouts.count)
        #expect(totals.values.allSatisfy { $0 == 0 })
        #expect(Set(itemized.map { $0["reporting_category"] }) == ["charge", "refund", "dispute", "dispute_reversal", "fee"])
        var cardPayments: [String: Int64] = [:]
        for tender in standardTenders where tender["processor"] == "stripe" && tender["type"] == "PAYMENT" {
            cardPayments[tender["payment_ref"]] = minorUnits(tender["amount"])
        }
        for charge in itemized where charge["reporting_category"] == "charge" {
            let gross = minorUnits(charge["gross"])
            if charge["balance_transaction_id"] != "txn_IUeVVVn7oi0P4t1ayj6nRpmi" {
                #expect(cardPayments[charge["charge_id"]] == gross)
            }
            #expect(minorUnits(charge["fee"]) == roundHalfAwayFromZero(Int128(gross) * 29, 1_000) + 30)
        }
    }

    /// Adyen: every batch's nets and its MerchantPayout sum to zero, except the batch paid 2.50
    /// short; the fees follow the schedule by payment method.
    @Test func adyenBatchesBalanceExceptTheShortOne() {
        let reports = standardFiles.filter { $0.relativePath.contains("/adyen_settlement_detail_report_batch_") }
        #expect(reports.count >= 15)
        var residuals: [String: Int64] = [:]
        for row in vendorRows("adyen_settlement_detail_report_batch_", in: standardFiles) {
            let net = minorUnits(row["Net Credit (NC)"].isEmpty ? "0.00" : row["Net Credit (NC)"])
                - minorUnits(row["Net Debit (NC)"].isEmpty ? "0.00" : row["Net Debit (NC)"])
            residuals[row["Batch Number"], default: 0] += net
            #expect(["EDT", "EST"].contains(row["TimeZone"]))
            if row["Type"] == "Settled" {
                let gross = minorUnits(row["Gross Credit (GC)"])
                let percent: Int128 = row["Payment Method"] == "amex" ? 33 : 25
                #expect(gross - net == roundHalfAwayFromZero(Int128(gross) * percent, 1_000) + 11)
            }
        }
        #expect(residuals.filter { $0.value != 0 } == ["1049": 250])
    }

    /// Every story's ids, as the README lists them (order ids first, then record ids).
    @Test func cardStoriesAreWhereTheReadmeSaysTheyAre() {
        let expected: [SampleChain.CardStory: [String]] = [
            .ambiguousPair: ["S03-100315", "S03-100316", "5049573482612960", "1004229386276780"],
            .amountAndTime: ["S03-100456", "3638740999526738"],
            .cashRefundOfCardSale: ["S02-100131", "S02-100196"],
            .chargebackReversed: ["S02-100180", "txn_CmTmEKeKfhuDK0Q9a7o9E62V", "txn_YOFVnzoDAOUkhs49q9d4MPXD"],
            .dashboardRefund: ["S02-100400", "txn_D3RhmL9hPXabTrYnVKC3xQqm"],
            .duplicateCapture: ["S01-100441", "txn_pHJp3tVsjsZ5XLLwsFxylS9D", "txn_VEUY2fUEgL6RSqzH4K5kmZVS"],
            .failedRefund: ["S03-100110", "S03-100149", "4741442025497041", "6713436497630980"],
            .inTransit: ["S01-100370"],
            .partialRefund: ["S01-100075", "S01-100111", "txn_b3cgcdg1EzVNeqnWWdcXZK0l"],
            .payoutShort: ["PAYOUT-1049"],
            .popUpRefund: ["nmopS6e6OE4aApFTFkOkjXNR", "xZXMciX60Z5y2vKAL2XF9PnO"],
            .refundWithFeeReturned: ["S01-100066", "S01-100106", "txn_GokpD5ICXYvB2LiuOza0SNPP"],
            .shortCaptureWrittenOff: ["S02-100467", "txn_IUeVVVn7oi0P4t1ayj6nRpmi"],
            .splitOnTwoCards: ["S01-100128"],
            .standaloneFee: ["txn_hfktwMaUuv4u0M3ONNkzIm1U", "1049:Fee:Transaction Fees October", "txn_OmCMdXnxzHucxCcOzpaaHzl0"],
        ]
        #expect(SampleChain.storyReferences(.standard) == expected)
        let overrides = rows(.overrides, in: standardFiles)
        #expect(overrides.map { [$0.folder, $0["override_id"], $0["action"], $0["order_id"], $0["record_id"]] } == [
            ["2026-11-19", "OV-2026-11-001", "MATCH", "S03-100315", "5049573482612960"],
            ["2026-11-19", "OV-2026-11-002", "WRITE_OFF", "S02-100467", ""],
            ["2026-11-19", "OV-2026-11-003", "IGNORE", "", "txn_OmCMdXnxzHucxCcOzpaaHzl0"],
        ])
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
