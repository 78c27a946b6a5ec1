// Tests of the byte-level CSV reader: RFC 4180 quoting, line ends, the byte-order mark, record
// numbers, malformed quoting as problems, and chunk boundaries falling anywhere (tiny chunks).

import Crypto
import Testing

@testable import CountinghouseIngest

/// One record as the tests see it.
struct ReadRecord: Equatable {
    var number: Int
    var fields: [String]
    var problem: String?
}

/// Reads `text` (or `bytes`) with the given chunk size into plain records.
func readRecords(_ bytes: [UInt8], chunkSize: Int = 1 << 20, maximumRecordBytes: Int = 64 << 20) throws -> (
    [ReadRecord], ByteTally
) {
    var reader = CSVReader(source: MemorySource(bytes: bytes), chunkSize: chunkSize, maximumRecordBytes: maximumRecordBytes)
    var records: [ReadRecord] = []
    let tally = try reader.forEachRecord { record in
        let fields = (0..<record.fieldCount).map { String(decoding: record.bytes($0), as: UTF8.self) }
        records.append(ReadRecord(number: record.number, fields: fields, problem: record.problem?.reason))
    }
    return (records, tally)
}

func readRecords(_ text: String, chunkSize: Int = 1 << 20) throws -> [ReadRecord] {
    try readRecords(Array(text.utf8), chunkSize: chunkSize).0
}

private let tricky = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nplain,,\"\"\n\"crlf\r\ninside\",z,\"\"\"\"\nlast,no,newline"

private let trickyExpected = [
    ReadRecord(number: 1, fields: ["a", "b", "c"]),
    ReadRecord(number: 2, fields: ["x, y", "say \"hi\"", "two\nlines"]),
    ReadRecord(number: 3, fields: ["plain", "", ""]),
    ReadRecord(number: 4, fields: ["crlf\r\ninside", "z", "\""]),
    ReadRecord(number: 5, fields: ["last", "no", "newline"]),
]

@Test func quotedFieldsCommasDoubledQuotesAndLineBreaks() throws {
    #expect(try readRecords(tricky) == trickyExpected)
}

@Test func everyChunkSizePutsBoundariesInsideQuotesAndCRLFPairs() throws {
    for chunkSize in [4, 5, 6, 7, 8, 11, 13] {
        #expect(try readRecords(tricky, chunkSize: chunkSize) == trickyExpected, "chunk size \(chunkSize)")
    }
}

@Test func aRecordLongerThanTheChunkGrowsTheBuffer() throws {
    let long = String(repeating: "x", count: 100)
    let records = try readRecords("h\n\"\(long)\"\n\(long)\n", chunkSize: 8)
    #expect(records.map(\.fields) == [["h"], [long], [long]])
}

@Test func aRecordLongerThanTheMaximumStopsTheReading() throws {
    let text = "h\n\"" + String(repeating: "x", count: 100) + "\n"
    let (records, _) = try readRecords(Array(text.utf8), chunkSize: 8, maximumRecordBytes: 32)
    #expect(
        records.last?.problem
            == "record longer than 32 bytes, the most one record may take (is a quote not closed?); the rest of the file was not read")
}

@Test func byteOrderMarkIsSkippedButHashed() throws {
    let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("sku\nA\n".utf8)
    let (records, tally) = try readRecords(bytes, chunkSize: 4)
    #expect(records.map(\.fields) == [["sku"], ["A"]])
    #expect(tally.byteCount == Int64(bytes.count))
    #expect(tally.sha256Hex == SHA256.hash(data: bytes).map { String(format: $0) }.joined())
}

@Test func blankLinesTakeANumberAndAreSkipped() throws {
    let records = try readRecords("a,b\n1,2\n\n3,4\r\n\r\n\n")
    #expect(records == [
        ReadRecord(number: 1, fields: ["a", "b"]),
        ReadRecord(number: 2, fields: ["1", "2"]),
        ReadRecord(number: 4, fields: ["3", "4"]),
    ])
}

@Test func aLoneCarriageReturnIsData() throws {
    #expect(try readRecords("a\rb,c\n").map(\.fields) == [["a\rb", "c"]])
}

@Test func emptyInputHasNoRecords() throws {
    #expect(try readRecords("").isEmpty)
    #expect(try readRecords([0xEF, 0xBB, 0xBF]).0.isEmpty)
}

@Test func quoteInsideAnUnquotedFieldIsAProblemAndReadingGoesOn() throws {
    let records = try readRecords("a,b\nx,y\"z\nok,1\n")
    #expect(records[1] == ReadRecord(number: 2, fields: ["x"], problem: "quote inside an unquoted field"))
    #expect(records[2] == ReadRecord(number: 3, fields: ["ok", "1"]))
}

@Test func characterAfterClosingQuoteIsAProblem() throws {
    let records = try readRecords("a,b\n\"x\"y,z\nok,1\n", chunkSize: 5)
    #expect(records[1].problem == "unexpected character after a closing quote")
    #expect(records[2] == ReadRecord(number: 3, fields: ["ok", "1"]))
}

@Test func unterminatedQuoteAtTheEndIsAProblem() throws {
    let records = try readRecords("a,b\n1,\"open\n2,3\n")
    #expect(records.count == 2)
    #expect(records[1].number == 2)
    #expect(records[1].problem == "quoted field not closed before the end of the file")
}

@Test func sha256AndByteCountOfAFileReadInChunks() throws {
    let bytes = Array(String(repeating: "a,b,c\n1,2,3\n", count: 50).utf8)
    let (_, tally) = try readRecords(bytes, chunkSize: 7)
    #expect(tally.byteCount == Int64(bytes.count))
    #expect(tally.sha256Hex == hexadecimal(SHA256.hash(data: bytes)))
}

extension String {
    fileprivate init(format byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 15)]])
    }
}

/// The word-at-a-time scan must stop at each comma, quote and line end wherever it falls in a
/// word, pass over the bytes below the comma that are data (space, `!`, `+`, a tab), and notice a
/// non-ASCII byte at any position.
@Test func longUnquotedFieldsWithEveryStopAtEveryOffset() throws {
    for offset in 0..<17 {
        let padding = String(repeating: "x", count: offset)
        let text = "\(padding)a b!c+d\te,\(padding)2,é\(padding)\n\(padding)\"q\",\(padding)z\"\n"
        for chunkSize in [4, 7, 64] {
            let (records, _) = try readRecords(Array(text.utf8), chunkSize: chunkSize)
            #expect(records[0] == ReadRecord(number: 1, fields: ["\(padding)a b!c+d\te", "\(padding)2", "é\(padding)"]))
            #expect(records[1].problem == "quote inside an unquoted field")
        }
        var sawNonASCII: [Bool] = []
        var reader = CSVReader(source: MemorySource(bytes: Array("\(padding)abcdefgh,\(padding)é\nplain,\(padding)ascii\n".utf8)))
        _ = try reader.forEachRecord { sawNonASCII.append($0.hasNonASCII) }
        #expect(sawNonASCII == [true, false])
    }
}
