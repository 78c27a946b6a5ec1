// The entry points the harness fuzzes, and the properties each checks (see FuzzEntry.swift).

import CountinghouseCore
@testable import CountinghouseIngest

/// What the fast reader makes of `input`, read through chunks of `chunkSize` bytes, in the slow
/// parser's terms (as FastCSVScanTests compares them).
private func fastRecords(_ input: [UInt8], chunkSize: Int) -> ([SlowCSV.Record], ByteTally) {
    var reader = CSVReader(source: MemorySource(bytes: input), chunkSize: chunkSize)
    var records: [SlowCSV.Record] = []
    do {
        let tally = try reader.forEachRecord { record in
            if let problem = record.problem, problem.reason.isEmpty {
                violated("a CSV problem without a reason", "record \(record.number)")
            }
            records.append(
                SlowCSV.Record(
                    number: record.number, fields: (0..<record.fieldCount).map { Array(record.bytes($0)) },
                    problem: record.problem?.reason, problemField: record.problem?.fieldIndex,
                    hasNonASCII: record.problem == nil ? record.hasNonASCII : false, end: Int(record.end)))
        }
        return (records, tally)
    } catch {
        violated("reading memory threw", "\(error)")
    }
}

/// `csv`: the fast reader, in small chunks and in one, gives the slow parser's records.
func fuzzCSVReader(_ input: [UInt8]) {
    let expected = SlowCSV.records(input).map { record in
        var record = record
        if record.problem != nil { record.hasNonASCII = false }
        return record
    }
    for chunkSize in [4 + Int(input.first ?? 0) % 29, 1 << 16] {
        let (records, tally) = fastRecords(input, chunkSize: chunkSize)
        if records != expected {
            let common = min(records.count, expected.count)
            let index = (0..<common).first { records[$0] != expected[$0] } ?? common
            violated(
                "the fast reader differs from the slow parser (chunk size \(chunkSize))",
                "record \(index): fast \(index < records.count ? records[index].description : "none"), slow \(index < expected.count ? expected[index].description : "none")"
            )
        }
        if tally.byteCount != Int64(input.count) {
            violated("the reader's byte count", "\(tally.byteCount) of \(input.count) bytes")
        }
    }
}

/// `fields`: the fast field parsers against the slow ones (SlowFields.swift, linked here), on the
/// input as text: its first byte chooses the currency's decimals, the rest up to a line feed is
/// one field and what follows another, read after it through one date memo.
func fuzzFieldParsers(_ input: [UInt8]) {
    guard let first = input.first else { return }
    let exponent = [0, 2, 3, 4][Int(first) % 4]
    let rest = input.dropFirst()
    let cut = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
    var memo = DatePrefixMemo()
    for part in [Array(rest[..<cut]), Array(rest[cut...].dropFirst())] {
        // The slow parsers read Strings; bytes that are not UTF-8 would not round-trip.
        guard let text = String(validating: part, as: UTF8.self) else { continue }
        text.withBytes { bytes in
            func expect<T: Equatable>(_ fast: T, _ slow: T, _ parser: String) {
                if fast != slow { violated("\(parser) differs from the slow version", "\(text.debugDescription): fast \(fast), slow \(slow)") }
            }
            expect(parseMinorUnits(bytes, exponent: exponent), SlowFields.minorUnits(text, exponent: exponent), "money (\(exponent) decimals)")
            expect(parseWholeNumber(bytes), SlowFields.wholeNumber(text), "whole number")
            expect(parseLineNumber(bytes), SlowFields.lineNumber(text), "line number")
            expect(parseDate(bytes).map(\.daysSinceEpoch), SlowFields.date(text), "date")
            let slowInstant = SlowFields.instant(text)
            expect(parseInstant(bytes).map(\.nanosecondsSinceEpoch), slowInstant, "timestamp")
            expect(parseInstant(bytes, memo: &memo).map(\.nanosecondsSinceEpoch), slowInstant, "timestamp through the memo")
        }
    }
}

/// The reasons of errors about a file as a whole (row nil).
private let fileLevelReasons = ["the file is empty (no header row)", "stopped after ", "cannot read the file: "]

/// Every error names the file, a row within the input (or is about the whole file), a reason; one
/// showing a value names its column; a rejection has at least one error.
private func checkMessages(_ outcome: Result<(ValidFile, [LedgerRow]), IngestFailure>, input: [UInt8], file: String) {
    if case .success(let (_, rows)) = outcome {
        // What lands is text: valid UTF-8 (a String is) without NUL bytes.
        for row in rows {
            for case .text(let text) in row.values where text.utf8.contains(0) {
                violated("a NUL byte in an accepted value", "\(row)")
            }
        }
        return
    }
    guard case .failure(let failure) = outcome else { return }
    if failure.errors.isEmpty { violated("a rejection without an error", "\(input.count) bytes") }
    let lines = input.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    for error in failure.errors {
        if error.file != file { violated("an error naming another file", error.description) }
        if error.reason.allSatisfy({ $0 == " " }) { violated("an error without a reason", error.description) }
        if let row = error.row {
            if row < 1 || row > lines { violated("an error on a row past the input (\(lines) lines)", error.description) }
        } else if !fileLevelReasons.contains(where: { error.reason.hasPrefix($0) }) {
            violated("a row error without a row", error.description)
        }
        if error.value != nil && error.column == nil { violated("an error showing a value without its column", error.description) }
        if let column = error.column, column.isEmpty { violated("an error naming an empty column", error.description) }
    }
}

/// Whether two outcomes are the same (rows, file facts and errors).
private func same(
    _ left: Result<(ValidFile, [LedgerRow]), IngestFailure>, _ right: Result<(ValidFile, [LedgerRow]), IngestFailure>
) -> Bool {
    switch (left, right) {
    case (.success(let a), .success(let b)): return a.0 == b.0 && a.1 == b.1
    case (.failure(let a), .failure(let b)): return a == b
    default: return false
    }
}

private func shown(_ outcome: Result<(ValidFile, [LedgerRow]), IngestFailure>) -> String {
    switch outcome {
    case .success(let (file, rows)): return "valid \(file.kind.rawValue), \(rows.count) rows"
    case .failure(let failure): return "rejected:\n\(failure.description)"
    }
}

/// One file through the validator, read in one chunk and in chunks of a few bytes: the same
/// outcome, and messages that name what they should.
private func validateEveryWay(_ input: [UInt8], smallRecordLimit: Bool) {
    let file = "fuzz.csv"
    var ingestor = FileIngestor(settings: IngestSettings())
    let whole = ingestor.validate(bytes: input, displayName: file, kind: nil)
    checkMessages(whole, input: input, file: file)
    ingestor.chunkSize = 4 + input.count % 13
    let chunked = ingestor.validate(bytes: input, displayName: file, kind: nil)
    if !same(whole, chunked) {
        violated("the outcome depends on the chunk size \(ingestor.chunkSize)", "whole: \(shown(whole))\nchunked: \(shown(chunked))")
    }
    if smallRecordLimit {
        // A record past the limit ends the reading with an error, wherever it is.
        ingestor.chunkSize = 16
        ingestor.maximumRecordBytes = 64
        checkMessages(ingestor.validate(bytes: input, displayName: file, kind: nil), input: input, file: file)
    }
}

/// `validate`: whole files of any kind.
func fuzzValidation(_ input: [UInt8]) {
    validateEveryWay(input, smallRecordLimit: true)
}

/// `stripe`, `adyen`, `square`: the input as the rows under each of the vendor's headers.
func fuzzVendorRows(_ input: [UInt8], headers: [String]) {
    for header in headers {
        validateEveryWay(Array(header.utf8) + [UInt8(ascii: "\n")] + input, smallRecordLimit: false)
    }
}

/// The vendor exports' headers as the sample data's exports write them (FORMATS §3).
enum VendorHeaders {
    static let stripe = [
        "balance_transaction_id,created_utc,created,available_on_utc,available_on,currency,gross,fee,net,reporting_category,source_id,description,customer_facing_amount,customer_facing_currency,automatic_payout_id,automatic_payout_effective_at_utc,automatic_payout_effective_at,charge_id,payment_intent_id,payment_method_type,card_brand,card_funding,card_country,statement_descriptor,dispute_reason,payment_metadata[order_id]",
        "payout_id,effective_at_utc,effective_at,currency,gross,fee,net,reporting_category,balance_transaction_id,description,payout_expected_arrival_date,payout_status,payout_type,payout_destination_id",
    ]
    static let adyen = [
        "Company Account,Merchant Account,Psp Reference,Merchant Reference,Payment Method,Creation Date,TimeZone,Type,Modification Reference,Gross Currency,Gross Debit (GC),Gross Credit (GC),Exchange Rate,Net Currency,Net Debit (NC),Net Credit (NC),Commission (NC),Markup (NC),Scheme Fees (NC),Interchange (NC),Payment Method Variant,Modification Merchant Reference,Batch Number,Reserved4,Reserved5,Reserved6,Reserved7,Reserved8,Reserved9,Reserved10,Booking Date"
    ]
    static let square = [
        "Date,Time,Time Zone,Category,Item,Qty,Price Point Name,SKU,Modifiers Applied,Gross Sales,Discounts,Net Sales,Tax,Transaction ID,Payment ID,Device Name,Notes,Details,Event Type,Location,Dining Option,Customer ID,Customer Name,Customer Reference ID,Unit,Count,Itemization Type",
        "Date,Time,Time Zone,Gross Sales,Discounts,Service Charges,Net Sales,Gift Card Sales,Tax,Tip,Partial Refunds,Total Collected,Source,Card,Card Entry Methods,Cash,Square Gift Card,Other Tender,Other Tender Type,Other Tender Note,Fees,Net Total,Transaction ID,Payment ID,Card Brand,PAN Suffix,Device Name,Staff Name,Staff ID,Details,Description,Event Type,Location,Dining Options,Customer ID,Customer Name,Customer Reference ID,Device Nickname,Deposit ID,Deposit Date,Deposit Details",
    ]
}
