import Foundation
import Testing

/// What users see, pinned: the report folders of the sample chain (both months, October before
/// and after its close), trail, explain, entry, verify, the `--help` of every command, and the
/// message of every kind of rejected file. See `Golden` for re-recording.
@Suite struct GoldenTests {
    static let sampleData = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sample-data")
    static let configuration = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("jobs/countinghouse.toml")

    /// The kinds in the order the nightly job ingests a day's files.
    static let kindOrder = ["items", "purchases", "transfers", "counts", "pos_lines", "pos_tenders", "settlements"]

    /// The morning after the last delivery, as `make demo` uses it.
    static let now = "2026-12-01T12:00:00Z"
    static let closeTime = "2026-11-01T12:00:00Z"

    /// Ingests the sample chain's day folders whose names pass `include`, each recorded the next
    /// morning at 06:00 UTC (as the nightly job does), and returns the transcripts.
    static func ingestDays(_ cli: CLI, where include: (String) -> Bool) throws -> String {
        var transcripts = ""
        let days = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("inbox").path)
            .filter(include).sorted()
        for day in days {
            let folder = cli.directory.appendingPathComponent("inbox/\(day)")
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            let ordered = kindOrder.filter { names.contains("\($0).csv") }.map { "\($0).csv" }
                + names.filter { $0.hasSuffix(".csv") && !kindOrder.contains(String($0.dropLast(4))) }.sorted()
            guard let date = ISO8601DateFormatter().date(from: "\(day)T06:00:00Z") else {
                Issue.record("day folder \(day) is not a date")
                continue
            }
            let next = ISO8601DateFormatter().string(from: date.addingTimeInterval(86_400))
            let arguments = ["ingest", "--recorded-at", next] + ordered.map { "inbox/\(day)/\($0)" }
            let result = try cli.run(arguments)
            #expect(result.status == 0, "\(result.output)\(result.error)")
            transcripts += Golden.transcript(arguments, result)
        }
        return transcripts
    }

    /// Runs a command as known now and returns its transcript, expecting `status`.
    static func transcript(
        _ cli: CLI, _ arguments: [String], now: String = GoldenTests.now, status: Int32 = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let result = try cli.run(arguments, now: now)
        #expect(result.status == status, "\(arguments): \(result.output)\(result.error)", sourceLocation: sourceLocation)
        return Golden.transcript(arguments, result)
    }

    /// The sample chain replayed as `make demo` does (October day by day, October closed on the
    /// morning of November 1, then November), and what every reading command shows of it. Both
    /// stores give the same bytes.
    @Test(arguments: storeKinds)
    func sampleChain(postgres: Bool) throws {
        // Recording writes from the SQLite run only; the PostgreSQL run compares with it.
        if postgres && Golden.recording { return }
        let cli = try CLI(postgres: postgres)
        cli.environment["COUNTINGHOUSE_CONFIG"] = Self.configuration.path
        try FileManager.default.copyItem(at: Self.sampleData, to: cli.directory.appendingPathComponent("inbox"))
        try Golden.check("sample/ingest-october.txt", try Self.ingestDays(cli) { $0.hasPrefix("2026-10-") })
        try Golden.check("sample/close-2026-10.txt", try Self.transcript(cli, ["close", "--period", "2026-10"], now: Self.closeTime))
        // The folder the month-end job writes: October as posted, as known at its close.
        try Golden.check(
            "sample/report-2026-10-at-close.txt",
            try Self.transcript(cli, ["report", "--period", "2026-10", "--out", "reports/at-close/2026-10"], now: Self.closeTime))
        try Golden.checkFolder("sample/at-close/2026-10", cli.directory.appendingPathComponent("reports/at-close/2026-10"))
        try Golden.check("sample/ingest-november.txt", try Self.ingestDays(cli) { $0.hasPrefix("2026-11-") })

        // October as it was known before the close (computed), and as known now (posted, with its
        // drift); November with October's prior-period adjustments.
        let reports: [(name: String, arguments: [String])] = [
            ("before-close/2026-10", ["--period", "2026-10", "--as-known-at", "2026-11-01T11:00:00Z"]),
            ("now/2026-10", ["--period", "2026-10"]),
            ("now/2026-11", ["--period", "2026-11"]),
            ("now/2026-11-15", ["--date", "2026-11-15"]),
        ]
        for report in reports {
            let arguments = ["report"] + report.arguments + ["--out", "reports/\(report.name)"]
            try Golden.check("sample/report-\(report.name.replacingOccurrences(of: "/", with: "-")).txt", try Self.transcript(cli, arguments))
            try Golden.checkFolder("sample/\(report.name)", cli.directory.appendingPathComponent("reports/\(report.name)"))
        }
        // The workbooks as a person opens them (once: both stores write the same bytes, which
        // run.json pins): a closed period's, and an open one's with its prior-period adjustments.
        if !postgres && hasLibreOffice {
            // October as known on the 21st: the candle sold from an empty shelf is still pending.
            let pending = try cli.run(["report", "--period", "2026-10", "--as-known-at", "2026-10-21", "--out", "reports/pending/2026-10"])
            #expect(pending.status == 0, "\(pending.error)")
            for name in ["now/2026-10", "now/2026-11", "pending/2026-10"] {
                try WorkbookRoundTrip.check(
                    cli.directory.appendingPathComponent("reports/\(name)"),
                    scratch: cli.directory.appendingPathComponent("libreoffice/\(name)"))
            }
        }

        // The seasonal candle sold from an empty shelf at S02 before its late receipt.
        try Golden.check(
            "sample/stock-HOM-1040-S02-as-known-at-2026-10-22.txt",
            try Self.transcript(cli, ["stock", "--sku", "HOM-1040", "--location", "S02", "--as-of", "2026-10-21", "--as-known-at", "2026-10-22"]))
        try Golden.check("sample/trail-HOM-1040-S02.txt", try Self.transcript(cli, ["trail", "--sku", "HOM-1040", "--location", "S02"]))
        let cogs = try String(contentsOf: cli.directory.appendingPathComponent("reports/now/2026-10/cogs.csv"), encoding: .utf8)
        let candle = try #require(
            cogs.split(separator: "\n").first { $0.contains(",HOM-1040,") && $0.contains(",S02,") && $0.contains("2026-10-20T") })
        let outflowID = String(candle.split(separator: ",")[0])
        try Golden.check("sample/explain-candle.txt", try Self.transcript(cli, ["explain", outflowID]))
        try Golden.check(
            "sample/explain-candle-as-known-at-2026-10-22.txt", try Self.transcript(cli, ["explain", outflowID, "--as-known-at", "2026-10-22"]))
        for entry in ["SALES:2026-10-20:S02", "COGS:2026-10-20:S02", "ADJUST:2026-11-01:2026-10"] {
            try Golden.check("sample/entry-\(entry.replacingOccurrences(of: ":", with: "_")).txt", try Self.transcript(cli, ["entry", entry]))
        }
        // Each month's card money (the stories of the README), and one order's story: the partial
        // refund.
        try Golden.check(
            "sample/reconcile-2026-10.txt", try Self.transcript(cli, ["reconcile", "--period", "2026-10", "--out", "reconciled/2026-10"]))
        try Golden.check(
            "sample/reconcile-2026-11.txt", try Self.transcript(cli, ["reconcile", "--period", "2026-11", "--out", "reconciled/2026-11"]))
        try Golden.check("sample/payment-S01-100075.txt", try Self.transcript(cli, ["payment", "S01-100075"]))
        try Golden.check("sample/files.txt", try Self.transcript(cli, ["files"]))
        try Golden.check("sample/verify.txt", try Self.transcript(cli, ["verify"]))
    }

    /// `--help` of the program and of every command, at a fixed terminal width.
    @Test func help() throws {
        let cli = try CLI()
        cli.environment["COLUMNS"] = "100"
        let commands = ["", "init", "ingest", "files", "stock", "trail", "cost", "report", "reconcile", "payment", "close", "entry", "explain", "verify", "run", "runs", "sample"]
        for command in commands {
            let arguments = command.isEmpty ? ["--help"] : [command, "--help"]
            let result = try cli.run(arguments)
            #expect(result.status == 0)
            try Golden.check("help/\(command.isEmpty ? "countinghouse" : command).txt", Golden.transcript(arguments, result))
        }
        let version = try cli.run(["--version"])
        #expect(version.status == 0)
        try Golden.check("help/version.txt", Golden.transcript(["--version"], version))
    }

    static let linesHeader = "order_id,line_no,occurred_at,location,sku,type,quantity,unit_price,discount,tax,currency,original_order_id,original_line_no\n"
    static let tendersHeader = "order_id,tender_no,occurred_at,location,tender,type,amount,currency,processor,payment_ref\n"
    static let purchasesHeader = "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost,total_cost,currency,supplier,original_document_id\n"
    static let transfersHeader = "transfer_id,line_no,type,occurred_at,from_location,to_location,sku,quantity,receipt_no\n"
    static let settlementsHeader = "processor,record_id,type,occurred_at,currency,gross,fee,net,payment_ref,order_id,available_on,payout_id\n"
    static let at = "2026-10-05T09:00:00Z"

    /// Files rejected whole, one case per reason a file or a row can be refused: the name of the
    /// case, the file's name and its content.
    static let rejectedFiles: [(name: String, file: String, content: String)] = [
        ("empty-file", "pos_lines.csv", ""),
        ("header-invalid-utf8", "pos_lines.csv", "order_id,line_no,\u{FFFD}x\n"),
        ("header-unknown-kind", "mystery.csv", "a,b,c\n1,2,3\n"),
        ("header-closest-kind", "lines.csv", "order_id,line_no,occurred_at,location,sku,type,unit_price\nO1,1,\(at),S01,A,SALE,1.00\n"),
        ("header-fits-two-kinds", "both.csv",
         "order_id,line_no,tender_no,occurred_at,location,sku,type,quantity,unit_price,tender,amount,processor\n"),
        ("header-repeated-column", "purchases.csv", "document_id,line_no,occurred_at,location,sku,type,quantity,total_cost,sku\n"),
        ("row-field-count", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1.00\n"),
        ("row-required-empty", "pos_lines.csv", linesHeader + "O1,1,\(at),,A,SALE,1,1.00,,,,,\n"),
        ("row-timestamp-without-offset", "pos_lines.csv", linesHeader + "O1,1,2026-10-05T09:00:00,S01,A,SALE,1,1.00,,,,,\n"),
        ("row-timestamp-shape", "pos_lines.csv", linesHeader + "O1,1,10/05/2026 09:00,S01,A,SALE,1,1.00,,,,,\n"),
        ("row-impossible-date", "pos_lines.csv", linesHeader + "O1,1,2026-02-30T09:00:00Z,S01,A,SALE,1,1.00,,,,,\n"),
        ("row-fraction-quantity", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1.5,1.00,,,,,\n"),
        ("row-quantity-not-positive", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,0,1.00,,,,,\n"),
        ("row-money-decimals", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1.005,,,,,\n"),
        ("row-money-not-a-number", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1;00,,,,,\n"),
        ("row-money-negative", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,-1.00,,,,,\n"),
        ("row-money-out-of-range", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,99999999999999999999.00,,,,,\n"),
        ("row-foreign-currency", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1.00,,,EUR,,\n"),
        ("row-unknown-currency", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1.00,,,EURO,,\n"),
        ("row-unknown-type", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,GIFT,1,1.00,,,,,\n"),
        ("row-reserved-location", "pos_lines.csv", linesHeader + "O1,1,\(at),IN_TRANSIT,A,SALE,1,1.00,,,,,\n"),
        ("row-line-number-leading-zero", "pos_lines.csv", linesHeader + "O1,01,\(at),S01,A,SALE,1,1.00,,,,,\n"),
        ("row-invalid-utf8", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A\u{FFFD},SALE,1,1.00,,,,,\n"),
        ("row-return-reference-half", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,RETURN,1,1.00,,,,,2\n"),
        ("row-gross-out-of-range", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,9223372036854775,10000.00,,,,,\n"),
        ("row-duplicate-key-in-file", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1,1.00,,,,,\nO1,1,\(at),S01,A,SALE,1,1.00,,,,,\n"),
        ("row-unknown-tender", "pos_tenders.csv", tendersHeader + "O1,1,\(at),S01,CHEQUE,PAYMENT,1.00,,,\n"),
        ("row-receive-without-cost", "purchases.csv", purchasesHeader + "GR1,1,\(at),S01,A,RECEIVE,2,,,,,\n"),
        ("row-receipt-cost-out-of-range", "purchases.csv", purchasesHeader + "GR1,1,\(at),S01,A,RECEIVE,9223372036854775,10000.00,,,,\n"),
        ("row-transfer-line-differs", "transfers.csv",
         transfersHeader + "T1,1,SHIP,\(at),WH1,S01,A,5,\nT1,1,RECEIVE,\(at),WH1,S02,B,5,\n"),
        ("row-net-not-gross-minus-fee", "settlements.csv", settlementsHeader + "stripe,txn_1,CAPTURE,\(at),USD,10.00,0.30,9.60,,,,\n"),
        ("row-override-names-nothing", "overrides.csv", "override_id,action,payment_ref,order_id,record_id,note,author\nOV1,IGNORE,,,,because,ana\n"),
        ("file-not-found", "missing.csv", "-"),
        ("row-amount-past-the-limit", "pos_tenders.csv", tendersHeader + "O1,1,\(at),S01,CASH,PAYMENT,10000000000.01,,,\n"),
        ("row-quantity-past-the-limit", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1000000001,1.00,,,,,\n"),
        ("row-gross-past-the-money-limit", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,A,SALE,1000,10000000000.00,,,,,\n"),
        ("row-receipt-cost-past-the-money-limit", "purchases.csv", purchasesHeader + "GR1,1,\(at),S01,A,RECEIVE,2,6000000000.00,,,,\n"),
        ("row-count-value-past-the-money-limit", "counts.csv",
         "count_id,occurred_at,location,sku,counted_quantity,unit_cost\nC1,\(at),S01,A,2,6000000000.00\n"),
        ("row-settlement-amount-past-the-limit", "settlements.csv",
         settlementsHeader + "stripe,po_1,PAYOUT,\(at),USD,-10000000000.01,0,-10000000000.01,,,,\n"),
        ("row-identifier-from-a-spreadsheet", "pos_tenders.csv", tendersHeader + "7.56E+15,1,\(at),S01,CARD,PAYMENT,1.00,,stripe,\n"),
        ("row-sku-from-a-spreadsheet", "pos_lines.csv", linesHeader + "O1,1,\(at),S01,1.23457E+11,SALE,1,1.00,,,,,\n"),
        ("row-value-too-long", "pos_lines.csv",
         linesHeader + "O1,1,\(at),S01,\(String(repeating: "A", count: 201)),SALE,1,1.00,,,,,\n"),
        ("row-free-text-too-long", "purchases.csv",
         purchasesHeader + "GR1,1,\(at),S01,A,RECEIVE,2,1.00,,,\(String(repeating: "Acme ", count: 401)),\n"),
    ]

    /// Every reason a file is rejected, with the exact message a user sees.
    @Test func rejectedFiles() throws {
        for rejected in Self.rejectedFiles {
            let cli = try CLI()
            let path = "in/\(rejected.file)"
            if rejected.content != "-" {
                // "\u{FFFD}" stands for a byte that is not UTF-8.
                var bytes: [UInt8] = []
                for scalar in rejected.content.unicodeScalars {
                    if scalar == "\u{FFFD}" { bytes.append(0xFF) } else { bytes.append(contentsOf: String(scalar).utf8) }
                }
                let url = cli.directory.appendingPathComponent(path)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(bytes).write(to: url)
            }
            let arguments = ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", path]
            let result = try cli.run(arguments)
            #expect(result.status == 1, "\(rejected.name)")
            try Golden.check("rejected/\(rejected.name).txt", Golden.transcript(arguments, result))
        }
    }

    /// Files rejected for what the ledger already holds or what the configuration allows.
    @Test func rejectedAgainstTheLedger() throws {
        let cli = try CLI()
        try cli.write("countinghouse.toml", "[[locations]]\ncode = \"S01\"\n[[locations]]\ncode = \"WH1\"\n")
        try cli.write("day1/purchases.csv", Self.purchasesHeader + "GR1,1,\(Self.at),S01,A,RECEIVE,10,2.50,,,Acme,\n")
        try cli.write("day1/transfers.csv", Self.transfersHeader + "T1,1,SHIP,\(Self.at),WH1,S01,A,5,\n")
        try cli.write("day2/purchases.csv", Self.purchasesHeader + "GR1,1,\(Self.at),S01,A,RECEIVE,12,2.50,,,Acme,\n")
        try cli.write("day2/transfers.csv", Self.transfersHeader + "T1,1,RECEIVE,\(Self.at),WH1,S01,B,5,\n")
        try cli.write("day2/pos_lines.csv", Self.linesHeader + "O1,1,\(Self.at),S09,A,SALE,1,1.00,,,,,\nO2,1,\(Self.at),S01,A,SALE,1,1.00,,,,,\nO2,1,\(Self.at),S01,A,SALE,1,1.00,,,,,\n")
        var transcript = try Self.transcript(
            cli, ["ingest", "--recorded-at", "2026-10-06T06:00:00Z", "day1/purchases.csv", "day1/transfers.csv"])
        transcript += try Self.transcript(
            cli, ["ingest", "--recorded-at", "2026-10-07T06:00:00Z", "day2/purchases.csv", "day2/transfers.csv", "day2/pos_lines.csv"],
            status: 1)
        transcript += try Self.transcript(cli, ["ingest", "--recorded-at", "2026-10-06T05:00:00Z", "day2/pos_lines.csv"], status: 1)
        try Golden.check("rejected/against-the-ledger.txt", transcript)
    }
}
