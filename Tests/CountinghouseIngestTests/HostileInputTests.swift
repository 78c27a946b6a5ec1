// Hostile and broken input (issue 14 §5): the messages for files a spreadsheet, a regional setting,
// another encoding or a crash made, each with its input and its full message; and the inputs the
// fuzz harness (Sources/countinghouse-fuzz) found, each kept as a regression test.

import CountinghouseCore
import Testing

@testable import CountinghouseIngest

/// The full error messages of validating `bytes` (empty when the file is valid).
private func errorMessages(bytes: [UInt8]) -> [String] {
    switch ingestor.validate(bytes: bytes, displayName: "in.csv", kind: nil) {
    case .success: return []
    case .failure(let failure): return failure.errors.map(\.description)
    }
}

private let saveAsUTF8 = "UTF-16 is not supported: save it as CSV UTF-8"

@Test func aUTF16FileIsNamedAsSuchWithOrWithoutItsByteOrderMark() {
    let text = linesHeader + "T1,1,\(at),S01,A,SALE,2,1.00,,,,,,\n"
    var littleEndian: [UInt8] = []
    var bigEndian: [UInt8] = []
    for unit in text.utf16 {
        littleEndian += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        bigEndian += [UInt8(unit >> 8), UInt8(unit & 0xFF)]
    }
    let withMark = "in.csv:1: the file is UTF-16 (it starts with a UTF-16 byte-order mark); \(saveAsUTF8)"
    #expect(errorMessages(bytes: [0xFF, 0xFE] + littleEndian) == [withMark])
    #expect(errorMessages(bytes: [0xFE, 0xFF] + bigEndian) == [withMark])
    let withoutMark = "in.csv:1: the file looks like UTF-16 (every other byte of the header is 0); \(saveAsUTF8)"
    #expect(errorMessages(bytes: littleEndian) == [withoutMark])
    #expect(errorMessages(bytes: bigEndian) == [withoutMark])
}

@Test func aHeaderNotInUTF8SaysToSaveTheFileAsUTF8() {
    #expect(errorMessages(bytes: Array("sku,name\u{0}x\n".utf8)) == [
        "in.csv:1: NUL bytes (0x00) in the header: this is not a CSV text file, or it is damaged"
    ])
    #expect(errorMessages(bytes: Array("sku,d".utf8) + [0xE9] + Array("signation\nA,b\n".utf8)) == [
        "in.csv:1: invalid UTF-8 in the header: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"
    ])
}

@Test func aNULByteInAValueIsARowErrorThatDoesNotShowIt() {
    // Quoted or not, in a known column or an ignored one: nothing with a NUL reaches the ledger.
    let reason = "NUL byte (0x00) in the value: the file is damaged or not a CSV text file"
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A\u{0}B,SALE,2,1.00,,,,,,\n") == ["in.csv:2: column sku: \(reason)"])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,\"A\u{0}B\",SALE,2,1.00,,,,,,\n") == ["in.csv:2: column sku: \(reason)"])
    #expect(errorMessages("sku,name,extra\nA,b,\u{0}\n") == ["in.csv:2: column extra: \(reason)"])
    // The zeros a crash leaves at the end of a file.
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,1.00,,,,,,\n\u{0}\u{0}\u{0}\u{0}") == [
        "in.csv:3: has 1 fields but the header has 14; it holds NUL bytes (0x00): the file is damaged (cut short or padded by a crash?) or not a CSV text file"
    ])
}

@Test func anAmountInScientificNotationOrWithADecimalCommaSaysHowToWriteIt() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,1.23E+22,,,,,,\n") == [
        "in.csv:2: column unit_price \"1.23E+22\": not a number: a spreadsheet wrote it in scientific notation and the digits it stood for are lost; export the file again without opening it in a spreadsheet"
    ])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,1E+3,1.00,,,,,,\n") == [
        "in.csv:2: column quantity \"1E+3\": not a number: a spreadsheet wrote it in scientific notation and the digits it stood for are lost; export the file again without opening it in a spreadsheet"
    ])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,\"1.234,56\",,,,,,\n") == [
        "in.csv:2: column unit_price \"1.234,56\": not a number: write it with '.' as the decimal separator and no thousands separators (1234.56, not 1.234,56 or 1,234.56)"
    ])
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,\"1,234.56\",,,,,,\n") == [
        "in.csv:2: column unit_price \"1,234.56\": not a number: write it with '.' as the decimal separator and no thousands separators (1234.56, not 1.234,56 or 1,234.56)"
    ])
}

@Test func aDateWithSlashesSaysToWriteItYearFirst() {
    let hint = "a date with '/' (31/12/2026) can be day-first or month-first: write it YYYY-MM-DD"
    #expect(errorMessages(linesHeader + "T1,1,31/12/2026 10:00,S01,A,SALE,2,1.00,,,,,,\n") == [
        "in.csv:2: column occurred_at \"31/12/2026 10:00\": not a timestamp (expected YYYY-MM-DDTHH:MM:SS±HH:MM); \(hint)"
    ])
    #expect(errorMessages("override_id,action,order_id,effective_on,note,author\nOV1,WRITE_OFF,O1,12/31/2026,lost,ana\n") == [
        "in.csv:2: column effective_on \"12/31/2026\": not a date (expected YYYY-MM-DD); \(hint)"
    ])
}

@Test func aRowOfAFewFieldsTooManyAsksAboutAnUnquotedComma() {
    #expect(errorMessages(linesHeader + "T1,1,\(at),S01,A,SALE,2,1.234,56,,,,,,\n") == [
        "in.csv:2: has 15 fields but the header has 14 (a value holding ',' must be in quotes: is a decimal comma (1.234,56) or a thousands separator not quoted?)"
    ])
    // Far more fields than the header: no guess.
    #expect(errorMessages(linesHeader + String(repeating: "x,", count: 99) + "x\n") == ["in.csv:2: has 100 fields but the header has 14"])
}

// MARK: - Found by the fuzz harness

/// A header that leaves a column unnamed (`sku,,name`): an error in that column names it by its
/// position, never as an empty column (`column : quoted field not closed…`).
@Test func anErrorInAColumnTheHeaderLeavesUnnamedNamesItsPosition() {
    #expect(errorMessages("sku,,name\nA,\"open\n") == [
        "in.csv:2: column 2 (unnamed in the header): quoted field not closed before the end of the file"
    ])
    #expect(errorMessages(bytes: Array("sku, ,name\nA,".utf8) + [0xFF] + Array(",b\n".utf8)) == [
        "in.csv:2: column 2 (unnamed in the header) \"\u{FFFD}\": invalid UTF-8: the file is not saved as UTF-8 (Windows-1252 or Latin-1?); save it as CSV UTF-8"
    ])
}
