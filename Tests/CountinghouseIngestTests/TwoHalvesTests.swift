// Tests of checking a file in two halves on two threads: for every split position the outcome
// (validity, sha256, row count, every error and its order) is the one pass's, including splits
// inside quoted line breaks, between CR and LF, after a byte-order mark, with errors and duplicate
// keys on both sides, and when the error limit is reached in the second half.

import CountinghouseCore
import Crypto
import Foundation
import Testing

@testable import CountinghouseIngest

private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("halves-\(UUID().uuidString).csv").path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A `FileCheck` as a comparable value.
private enum CheckResult: Hashable {
    case valid(ValidFile)
    case invalid(LedgerKind?, [RowError])

    init(_ check: FileCheck) {
        switch check {
        case .valid(let file): self = .valid(file)
        case .invalid(let kind, let errors): self = .invalid(kind, errors)
        }
    }
}

/// Checks `bytes` in one pass, then in two halves with the split searched from every byte; expects
/// the same result each time. Returns how many positions were really checked in two halves.
private func expectSameInTwoHalves(
    _ bytes: [UInt8], kind: LedgerKind? = nil, maximumErrorCount: Int = 100_000, chunkSize: Int = 1 << 20,
    settings: IngestSettings = IngestSettings(), sourceLocation: SourceLocation = #_sourceLocation
) throws -> Int {
    let path = try temporaryFile(bytes)
    defer { try? FileManager.default.removeItem(atPath: path) }
    var onePass = FileIngestor(settings: settings)
    onePass.maximumErrorCount = maximumErrorCount
    onePass.chunkSize = chunkSize
    onePass.twoHalvesMinimumBytes = .max
    let expected = CheckResult(onePass.check(path: path, displayName: "f.csv", kind: kind))
    var split = onePass
    split.twoHalvesMinimumBytes = 0
    var splitCount = 0
    for start in 0..<Int64(bytes.count) {
        split.splitSearchStart = start
        // nil: the file is not split (check then runs one pass).
        if let outcome = try split.checkInTwoHalves(path: path, displayName: "f.csv", kind: kind) {
            if outcome.halves == 2 { splitCount += 1 }
            #expect(CheckResult(outcome.check) == expected, "split searched from byte \(start)", sourceLocation: sourceLocation)
        }
        #expect(CheckResult(split.check(path: path, displayName: "f.csv", kind: kind)) == expected, sourceLocation: sourceLocation)
    }
    return splitCount
}

private func line(_ order: String, _ number: String, type: String = "SALE", quantity: String = "1", sku: String = "SKU-A") -> String {
    "\(order),\(number),\(at),S01,\(sku),\(type),\(quantity),9.99,0.00,0.89,USD,,,\n"
}

@Test func aValidFileGivesTheSameOutcomeAtEverySplit() throws {
    var text = "\u{FEFF}" + linesHeader
    for order in 1...12 { text += line("O\(order)", "1") }
    let bytes = Array(text.utf8)
    let splits = try expectSameInTwoHalves(bytes)
    // Every line break after the header's is a record boundary in a file without quotes.
    #expect(splits > bytes.count / 2)
    let result = CheckResult(ingestor.check(path: try temporaryFile(bytes), displayName: "f.csv", kind: nil))
    #expect(result == .valid(ValidFile(kind: .posLines, sha256: hexadecimal(SHA256.hash(data: bytes)), byteCount: Int64(bytes.count), rowCount: 12)))
}

@Test func errorsAndDuplicateKeysOnBothSidesOfTheSplitKeepTheirOrder() throws {
    var text = linesHeader
    text += line("O1", "1")
    text += line("O2", "1", quantity: "x")
    text += line("O1", "1")  // a duplicate of row 2
    text += line("O7", "1")
    text += "\r\n"  // a blank line still takes a number
    text += line("O3", "1", type: "BAD", quantity: "0")
    text += line("O4", "1", sku: "\"SKU\nwith a line break\"")
    text += line("O5", "1").replacingOccurrences(of: "\n", with: "\r\n")
    text += line("O2", "1")  // a duplicate of a row that had an error (its key was not kept)
    text += line("O6", "1", sku: "\"\"\"quoted\"\"\r\n\"")
    text += line("\u{FEFF}O7", "1")  // a byte-order mark mid-file is data: not a duplicate of O7
    text += line("O3", "1")
    text += line("O1", "1", quantity: "-2")
    text += line("O5", "1")  // a duplicate across the split
    text += "O8,1,\(at),S01,\"SKU,x\",SALE,1,9.99,0.00,0.89,USD,,,"  // no final line break
    let splits = try expectSameInTwoHalves(Array(text.utf8))
    #expect(splits > 0)
    let errors = errorMessages(text)
    #expect(errors.contains { $0.contains("duplicate key") })
    #expect(errors.count >= 6)
}

@Test func badRecordsAndInvalidUTF8AtTheSplitKeepTheirOrder() throws {
    var bytes = Array((linesHeader + line("O1", "1") + "O2,\"x\"y,1\n" + line("O3", "1")).utf8)
    bytes += Array("O4,1,\(at),S01,".utf8) + [0xFF] + Array(",SALE,1,9.99,0.00,0.89,USD,,,\n".utf8)
    bytes += Array((line("O5", "1") + "O6,1,\"never closed\n" + line("O7", "1")).utf8)
    #expect(try expectSameInTwoHalves(bytes) > 0)
    #expect(try expectSameInTwoHalves(bytes, chunkSize: 7) > 0)
}

@Test func theErrorLimitReachedInTheSecondHalfStopsAtTheSameRow() throws {
    var text = linesHeader
    for order in 1...10 { text += line("O\(order)", "1", type: order % 3 == 0 ? "BAD" : "SALE", quantity: order % 2 == 0 ? "x" : "1") }
    for limit in [1, 2, 3, 4, 7] {
        #expect(try expectSameInTwoHalves(Array(text.utf8), maximumErrorCount: limit) > 0, "limit \(limit)")
    }
}

@Test func transfersAreCheckedInOnePass() throws {
    // A transfer line's later rows are compared with its first: the file is never split.
    let text = transfersHeader + "T1,1,SHIP,\(at),S01,S02,A,3,\n" + "T1,1,RECEIVE,\(at),S01,S02,B,3,1\n"
    #expect(try expectSameInTwoHalves(Array(text.utf8)) == 0)
    #expect(errorMessages(text).count == 1)
}

@Test func aRejectedHeaderIsWordedByOnePass() throws {
    let text = "order_id,nothing_else\n" + line("O1", "1")
    #expect(try expectSameInTwoHalves(Array(text.utf8)) == 0)
    #expect(try expectSameInTwoHalves(Array(text.utf8), kind: .posLines) == 0)
}

@Test func unknownLocationsOnBothSidesOfTheSplitKeepTheirOrder() throws {
    var text = linesHeader
    for order in 1...12 {
        let location = order % 4 == 0 ? "S09" : "S01"
        text += line("O\(order)", "1", quantity: order % 5 == 0 ? "x" : "1").replacingOccurrences(of: ",S01,", with: ",\(location),")
    }
    let settings = IngestSettings(locationCodes: ["S01", "WH1"])
    #expect(try expectSameInTwoHalves(Array(text.utf8), settings: settings) > 0)
    let configured = FileIngestor(settings: settings)
    guard case .failure(let failure) = configured.validate(bytes: Array(text.utf8), displayName: "f.csv", kind: nil) else {
        Issue.record("expected unknown locations")
        return
    }
    #expect(failure.errors.map(\.row) == [5, 6, 9, 11, 13])
}

@Test func aVendorFileIsCheckedInOnePassWhateverItsSize() throws {
    // Adyen numbers repeated account-level rows across the file and Square numbers a ticket's lines:
    // a vendor file is never split, and its outcome (errors, duplicates) is the one pass's.
    let text =
        adyenHeader
        + adyenRow(type: "Fee", modification: "Fees", netDebit: "1.00")
        + adyenRow(psp: "1", type: "Settled", modification: "1", grossCredit: "1.00", netCredit: "1.00")
        + adyenRow(type: "Fee", modification: "Fees", netDebit: "1.00")
        + adyenRow(psp: "1", type: "Settled", modification: "1", grossCredit: "1.00", netCredit: "1.00")
    let splits = try expectSameInTwoHalves(Array(text.utf8))
    #expect(splits == 0)
}
