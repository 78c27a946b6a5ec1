// The card stories of the sample chain (README, "Sample data and the nightly job"), through the
// built executable: sample-data/ ingested day by day as the nightly job does, then each story's
// items looked up by their ids in October's and November's reconciliation.csv and payments.csv.
// A story that no longer produces its status fails here by name.

import Foundation
import Testing

@Suite struct SampleCardStoryTests {
    /// One reconciliation.csv or payments.csv, as rows of named fields.
    struct Table {
        let rows: [[String: String]]

        init(_ text: String) {
            let records = parseRFC4180(text)
            guard let header = records.first else {
                rows = []
                return
            }
            rows = records.dropFirst().map { record in
                Dictionary(uniqueKeysWithValues: zip(header, record + Array(repeating: "", count: max(0, header.count - record.count))))
            }
        }

        /// The statuses of the rows whose fields have these values.
        func statuses(_ match: [String: String]) -> [String] {
            rows.filter { row in match.allSatisfy { row[$0.key] == $0.value } }.map { $0["status"] ?? "" }
        }

        func rows(_ match: [String: String]) -> [[String: String]] {
            rows.filter { row in match.allSatisfy { row[$0.key] == $0.value } }
        }
    }

    static func reconcile(_ cli: CLI, _ arguments: [String], folder: String) throws -> (items: Table, payments: Table) {
        let result = try cli.run(["reconcile"] + arguments + ["--out", folder], now: GoldenTests.now)
        #expect(result.status == 0, "\(arguments): \(result.output)\(result.error)")
        let directory = cli.directory.appendingPathComponent(folder)
        return (
            Table(try String(contentsOf: directory.appendingPathComponent("reconciliation.csv"), encoding: .utf8)),
            Table(try String(contentsOf: directory.appendingPathComponent("payments.csv"), encoding: .utf8))
        )
    }

    @Test func eachStoryHasItsStatusInOctoberAndNovember() throws {
        let cli = try CLI()
        cli.environment["COUNTINGHOUSE_CONFIG"] = GoldenTests.configuration.path
        try FileManager.default.copyItem(at: GoldenTests.sampleData, to: cli.directory.appendingPathComponent("inbox"))
        _ = try GoldenTests.ingestDays(cli) { _ in true }

        let october = try Self.reconcile(cli, ["--period", "2026-10"], folder: "r/2026-10")
        let november = try Self.reconcile(cli, ["--period", "2026-11"], folder: "r/2026-11")
        // October as it was known the morning of its close, before the MATCH override of Nov 19.
        let octoberAtClose = try Self.reconcile(
            cli, ["--period", "2026-10", "--as-known-at", "2026-11-01T11:00:00Z"], folder: "r/2026-10-at-close")
        // November before the overrides were delivered (recorded 2026-11-20 06:00 UTC).
        let novemberBeforeOverrides = try Self.reconcile(
            cli, ["--period", "2026-11", "--as-known-at", "2026-11-20T05:00:00Z"], folder: "r/2026-11-before-overrides")

        // A refund with its fee returned: matched, its fee negative.
        let feeReturned = october.items.rows(["category": "REFUND", "record_id": "txn_GokpD5ICXYvB2LiuOza0SNPP"])
        #expect(feeReturned.map { $0["status"] } == ["MATCHED"])
        #expect(feeReturned.first?["fee"]?.hasPrefix("-") == true)
        // A partial refund: matched; the payment is partly refunded.
        #expect(october.items.statuses(["category": "REFUND", "record_id": "txn_b3cgcdg1EzVNeqnWWdcXZK0l"]) == ["MATCHED"])
        #expect(october.payments.rows(["order_id": "S01-100075"]).map { $0["life"] } == ["PARTIALLY_REFUNDED"])
        // A refund without a POS return (Stripe's dashboard, Nov 5): an unmatched settlement.
        #expect(november.items.statuses(["category": "REFUND", "record_id": "txn_D3RhmL9hPXabTrYnVKC3xQqm"]) == ["UNMATCHED_SETTLEMENT"])
        #expect(november.payments.rows(["order_id": "S02-100400"]).map { $0["life"] } == ["REFUNDED"])
        // A POS return refunded in cash: no card item at all; the card sale stays paid out.
        #expect(october.items.rows(["order_id": "S02-100196"]).isEmpty)
        #expect(october.payments.rows(["order_id": "S02-100131"]).map { $0["life"] } == ["PAID_OUT"])
        // A split tender on two cards: each card tender matched on its own.
        #expect(october.items.statuses(["category": "POS_PAYMENT", "order_id": "S01-100128"]) == ["MATCHED", "MATCHED"])
        // A chargeback (Oct 23) open at October's end, reversed in November.
        #expect(october.items.statuses(["record_id": "txn_CmTmEKeKfhuDK0Q9a7o9E62V"]) == ["CHARGEBACK_OPEN"])
        #expect(november.items.statuses(["record_id": "txn_YOFVnzoDAOUkhs49q9d4MPXD"]) == ["CHARGEBACK_REVERSED"])
        #expect(october.payments.rows(["order_id": "S02-100180"]).map { $0["life"] } == ["DISPUTED"])
        #expect(november.payments.rows(["order_id": "S02-100180"]).map { $0["life"] } == ["DISPUTE_WON"])
        // A failed refund: the refund and its failure cancel; the customer's POS refund stays unsettled.
        #expect(october.items.statuses(["record_id": "4741442025497041", "category": "REFUND"]) == ["REFUND_FAILED"])
        #expect(october.items.statuses(["record_id": "6713436497630980"]) == ["REFUND_FAILED"])
        #expect(october.items.statuses(["category": "POS_REFUND", "order_id": "S03-100149"]) == ["UNSETTLED"])
        #expect(november.items.statuses(["category": "POS_REFUND", "order_id": "S03-100149"]) == ["UNSETTLED"])
        // Fees not tied to a sale; November's Stripe fee is ignored by OV-2026-11-003.
        #expect(october.items.statuses(["record_id": "txn_hfktwMaUuv4u0M3ONNkzIm1U"]) == ["FEE"])
        #expect(november.items.statuses(["record_id": "1049:Fee:Transaction Fees October"]) == ["FEE"])
        #expect(november.items.statuses(["record_id": "txn_OmCMdXnxzHucxCcOzpaaHzl0"]) == ["OVERRIDDEN"])
        // A payout 2.50 short of its batch.
        let short = november.items.rows(["record_id": "PAYOUT-1049"])
        #expect(short.map { $0["status"] } == ["PAYOUT_MISMATCH"])
        #expect(short.first?["difference"] == "2.50")
        // A duplicate capture: the tender and the second capture.
        #expect(november.items.statuses(["category": "POS_PAYMENT", "order_id": "S01-100441"]) == ["DUPLICATE_SETTLEMENT"])
        #expect(november.items.statuses(["category": "CAPTURE", "record_id": "txn_pHJp3tVsjsZ5XLLwsFxylS9D"]) == ["MATCHED"])
        #expect(november.items.statuses(["category": "CAPTURE", "record_id": "txn_VEUY2fUEgL6RSqzH4K5kmZVS"]) == ["DUPLICATE_SETTLEMENT"])
        // A capture that matches only by amount and time (step 3).
        let byAmount = november.items.rows(["category": "CAPTURE", "record_id": "3638740999526738"])
        #expect(byAmount.map { $0["status"] } == ["MATCHED"])
        #expect(byAmount.first?["match_step"] == "3")
        #expect(byAmount.first?["payment_ref"] == "")
        // The ambiguous pair: ambiguous at October's close; as known now, OV-2026-11-001 joins the
        // first sale and the first capture and the second pair matches by amount and time.
        for id in ["S03-100315", "S03-100316"] {
            #expect(octoberAtClose.items.statuses(["category": "POS_PAYMENT", "order_id": id]) == ["AMBIGUOUS"])
        }
        for id in ["5049573482612960", "1004229386276780"] {
            #expect(octoberAtClose.items.statuses(["category": "CAPTURE", "record_id": id]) == ["AMBIGUOUS"])
        }
        #expect(october.items.statuses(["category": "POS_PAYMENT", "order_id": "S03-100315"]) == ["OVERRIDDEN"])
        #expect(october.items.statuses(["category": "CAPTURE", "record_id": "5049573482612960"]) == ["OVERRIDDEN"])
        #expect(october.items.statuses(["category": "POS_PAYMENT", "order_id": "S03-100316"]) == ["MATCHED"])
        #expect(october.items.statuses(["category": "CAPTURE", "record_id": "1004229386276780"]) == ["MATCHED"])
        // In transit at the end of October (a tender of Oct 31), matched in November.
        #expect(october.items.statuses(["category": "POS_PAYMENT", "order_id": "S01-100370"]) == ["IN_TRANSIT"])
        #expect(octoberAtClose.items.statuses(["category": "POS_PAYMENT", "order_id": "S01-100370"]) == ["IN_TRANSIT"])
        #expect(november.items.statuses(["category": "POS_PAYMENT", "order_id": "S01-100370"]) == ["MATCHED"])
        // A capture 0.75 short: an amount mismatch until OV-2026-11-002 writes it off.
        #expect(novemberBeforeOverrides.items.statuses(["category": "POS_PAYMENT", "order_id": "S02-100467"]) == ["AMOUNT_MISMATCH"])
        let writtenOff = november.items.rows(["category": "POS_PAYMENT", "order_id": "S02-100467"])
        #expect(writtenOff.map { $0["status"] } == ["OVERRIDDEN"])
        #expect(writtenOff.first?["written_off"] == "0.75")
        // The Square pop-up: a refund of a sale (the return names only the sale's Transaction ID),
        // matched to Square's canonical REFUND record.
        #expect(october.items.statuses(["processor": "square", "category": "REFUND", "order_id": "nmopS6e6OE4aApFTFkOkjXNR"]) == ["MATCHED"])
        #expect(october.items.statuses(["processor": "square", "category": "POS_REFUND"]) == ["MATCHED"])
        // The fee schedule fits every generated fee, and nothing else is off by an amount.
        for table in [october.items, november.items] {
            #expect(table.statuses(["status": "FEE_VARIANCE"]).isEmpty)
        }
        #expect(november.items.statuses(["status": "AMOUNT_MISMATCH"]).isEmpty)
    }
}

/// RFC 4180 records (quoted fields may hold commas, quotes doubled, line breaks).
func parseRFC4180(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field: [UInt8] = []
    var quoted = false
    let bytes = Array(text.utf8)
    var index = 0
    while index < bytes.count {
        let byte = bytes[index]
        index += 1
        if quoted {
            if byte == 0x22 {
                if index < bytes.count && bytes[index] == 0x22 {
                    field.append(0x22)
                    index += 1
                } else {
                    quoted = false
                }
            } else {
                field.append(byte)
            }
        } else if byte == 0x22 {
            quoted = true
        } else if byte == 0x2C {
            record.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        } else if byte == 0x0A {
            record.append(String(decoding: field, as: UTF8.self))
            records.append(record)
            record = []
            field.removeAll(keepingCapacity: true)
        } else if byte != 0x0D {
            field.append(byte)
        }
    }
    if !field.isEmpty || !record.isEmpty {
        record.append(String(decoding: field, as: UTF8.self))
        records.append(record)
    }
    return records
}
