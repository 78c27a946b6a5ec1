// `countinghouse-bench vendors`: the vendor readers' parse + validate throughput beside the
// canonical settlements reader's, on generated files of the same balance changes (fixed seed).
//
// Prints, for a Stripe itemized report, an Adyen Settlement details report and the canonical
// settlements file (COUNTINGHOUSE_BENCH_ROWS rows each, default 1,000,000): size, wall seconds of
// `FileIngestor.check` (the best of three, after a warm-up), MB/s and rows/s, CPU seconds, and the
// ratio to the canonical reader. Figures only, never a pass or fail. The canonical reader checks a
// large file on two threads; a vendor file is read in one pass (its rows number repeats across the
// file), so the CPU figures compare the work, the wall figures what a user waits.

import CountinghouseCore
import CountinghouseIngest
import Foundation

func benchVendors() throws {
    let rowCount = Int(environment["COUNTINGHOUSE_BENCH_ROWS"] ?? "") ?? 1_000_000
    let folder = URL(fileURLWithPath: environment["COUNTINGHOUSE_BENCH_DIR"] ?? "bench-data", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let files = [
        ("canonical settlements", folder.appendingPathComponent("settlements-\(rowCount).csv").path, VendorBenchFile.canonical),
        ("Stripe itemized", folder.appendingPathComponent("stripe-itemized-\(rowCount).csv").path, VendorBenchFile.stripe),
        ("Adyen settlement details", folder.appendingPathComponent("adyen-settlement-details-\(rowCount).csv").path, VendorBenchFile.adyen),
    ]
    for (_, path, layout) in files where !FileManager.default.fileExists(atPath: path) {
        try layout.write(rows: rowCount, to: path)
    }
    let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
    var canonicalRate = 0.0
    var canonicalCPU = 0.0
    for (name, path, _) in files {
        let byteCount = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        _ = ingestor.check(path: path, displayName: path, kind: nil)  // warm the page cache
        var best = Double.infinity
        var bestCPU = Double.infinity
        for _ in 0..<3 {
            let startCPU = processCPUSeconds()
            let (check, seconds) = timed { ingestor.check(path: path, displayName: path, kind: nil) }
            guard case .valid = check else {
                print("\(name): the generated file did not validate: \(check)")
                exit(1)
            }
            best = min(best, seconds)
            bestCPU = min(bestCPU, processCPUSeconds() - startCPU)
        }
        let megabytes = Double(byteCount) / 1e6
        let rate = megabytes / best
        if canonicalRate == 0 {
            canonicalRate = rate
            canonicalCPU = bestCPU
        }
        print(
            "\(name): \(format(megabytes)) MB, \(rowCount) rows: parse + validate \(format(best, 3)) s wall, "
                + "\(format(rate)) MB/s, \(format(Double(rowCount) / best, 0)) rows/s, \(format(bestCPU, 3)) s CPU; "
                + "× canonical: \(format(rate / canonicalRate, 2)) MB/s, \(format(bestCPU / canonicalCPU, 2)) CPU")
    }
}

/// The three layouts of the same generated balance changes.
enum VendorBenchFile {
    case canonical
    case stripe
    case adyen

    func write(rows: Int, to path: String) throws {
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        var text = header
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let start = CivilDate(year: 2026, month: 1, day: 1)?.daysSinceEpoch ?? 0
        for index in 0..<rows {
            let second = Int64(index) * 29
            let day = CivilDate(daysSinceEpoch: start + second / 86_400)
            let secondOfDay = second % 86_400
            func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let clock = "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))"
            let available = day.adding(days: 2).description
            let gross = Int64(next() % 50_000) + 100
            let isRefund = next() % 10 == 0
            let fee = isRefund ? 0 : gross * 29 / 1000 + 30
            let signedGross = isRefund ? -gross : gross
            let net = signedGross - fee
            func money(_ value: Int64) -> String { formatMinorUnits(value, exponent: 2) }
            let batch = Int64(index / 5000) + 1
            switch self {
            case .canonical:
                text += "stripe,txn_\(index),\(isRefund ? "REFUND" : "CAPTURE"),\(day)T\(clock)Z,USD,\(money(signedGross)),\(money(fee)),\(money(net)),ch_\(index),O\(index),\(available),po_\(batch),\(isRefund ? "refund" : "charge"),\n"
            case .stripe:
                text += "txn_\(index),\(day) \(clock),\(day) \(clock),\(available) 00:00:00,\(available) 00:00:00,usd,\(money(signedGross)),\(money(fee)),\(money(net)),\(isRefund ? "refund" : "charge"),\(isRefund ? "re" : "ch")_\(index),Order O\(index),po_\(batch),\(available) 00:00:00,ch_\(index),pi_\(index),visa,O\(index)\n"
            case .adyen:
                let grossSide = isRefund ? "\(money(gross))," : ",\(money(gross))"
                let netSide = net < 0 ? "\(money(-net))," : ",\(money(net))"
                text += "Acme,AcmeUS,\(8_800_000_000_000_000 + index),O\(index),,\(day) \(clock),UTC,\(isRefund ? "Refunded" : "Settled"),\(isRefund ? "R\(index)" : "\(8_800_000_000_000_000 + index)"),USD,\(grossSide),,USD,\(netSide),0.10,0.05,0.40,\(money(fee)),visacredit,,\(batch),,,,,,,,\(available)\n"
            }
            if text.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text = ""
            }
        }
        try handle.write(contentsOf: Data(text.utf8))
    }

    var header: String {
        switch self {
        case .canonical:
            return "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,available_on,payout_id,vendor_category,payment_method\n"
        case .stripe:
            return "balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,source_id,description,automatic_payout_id,automatic_payout_effective_at_utc,charge_id,payment_intent_id,card_brand,payment_metadata[order_id]\n"
        case .adyen:
            return "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10,Booking Date\n"
        }
    }
}
