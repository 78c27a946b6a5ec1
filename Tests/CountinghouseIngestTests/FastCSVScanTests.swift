// The CSV reader's fast scanner (FastCSVScan.swift) against a slow, obviously correct RFC 4180
// parser (SlowCSV.swift): the same records (numbers, fields, problems, where each ends) for generated files with
// quotes, commas, CR/LF, byte-order marks, non-ASCII and broken quoting, read with a chunk boundary
// at every position; and the word-at-a-time stop test against a byte-by-byte one.

import Crypto
import Testing

@testable import CountinghouseIngest

/// Hands out its bytes in pieces of the given sizes (then whatever is left), so that a read ends
/// exactly where a test wants a chunk boundary.
struct PiecewiseSource: ByteSource {
    let bytes: [UInt8]
    var pieces: [Int]
    var offset = 0

    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(ReadFailure) -> Int {
        var count = min(buffer.count, bytes.count - offset)
        if let piece = pieces.first {
            count = min(count, piece)
            if count == piece { pieces.removeFirst() } else { pieces[0] -= count }
        }
        if count > 0 {
            bytes.withUnsafeBytes { source in
                buffer.baseAddress!.copyMemory(from: source.baseAddress! + offset, byteCount: count)
            }
            offset += count
        }
        return count
    }
}

/// What the fast reader makes of `source`, in the slow parser's terms.
private func fastRecords<Source: ByteSource>(_ source: Source, chunkSize: Int) throws -> ([SlowCSV.Record], ByteTally) {
    var reader = CSVReader(source: source, chunkSize: chunkSize)
    var records: [SlowCSV.Record] = []
    let tally = try reader.forEachRecord { record in
        records.append(
            SlowCSV.Record(
                number: record.number, fields: (0..<record.fieldCount).map { Array(record.bytes($0)) },
                problem: record.problem?.reason, problemField: record.problem?.fieldIndex,
                hasNonASCII: record.problem == nil ? record.hasNonASCII : false, end: Int(record.end)))
    }
    return (records, tally)
}

/// The slow parser's records with `hasNonASCII` cleared where a problem makes it meaningless.
private func comparable(_ records: [SlowCSV.Record]) -> [SlowCSV.Record] {
    records.map { record in
        var record = record
        if record.problem != nil { record.hasNonASCII = false }
        return record
    }
}

/// A random CSV file: fields quoted or not, holding commas, quotes, CR, LF, spaces, tabs, non-ASCII
/// (and a byte that is not UTF-8), long runs of plain text, blank lines, every line end, a
/// byte-order mark at the start or in the middle, and now and then broken quoting.
private func generatedCSV(_ random: inout SeededGenerator) -> [UInt8] {
    let pieces: [[UInt8]] = [
        Array("a".utf8), Array("Z9".utf8), Array(" ".utf8), Array("\t".utf8), Array("!+-.".utf8), Array(",".utf8),
        Array("\"".utf8), Array("\r".utf8), Array("\n".utf8), Array("\r\n".utf8), Array("é".utf8), Array("€".utf8),
        Array("🧾".utf8), [0xFF], [0xEF, 0xBB, 0xBF], Array("plain-text-longer-than-a-word".utf8),
        Array("0123456789abcdefghijklmnop".utf8),
    ]
    func text(_ random: inout SeededGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<random.below(6) { bytes += random.pick(pieces) }
        return bytes
    }
    var file: [UInt8] = random.percent(20) ? [0xEF, 0xBB, 0xBF] : []
    for _ in 0..<random.below(8) {
        let fieldCount = random.percent(5) ? 65 + random.below(80) : 1 + random.below(6)
        for field in 0..<fieldCount {
            if field > 0 { file.append(UInt8(ascii: ",")) }
            var content = text(&random)
            switch random.below(100) {
            case 0..<45:
                // Quoted, quotes doubled.
                content = content.flatMap { $0 == UInt8(ascii: "\"") ? [$0, $0] : [$0] }
                file += [UInt8(ascii: "\"")] + content + [UInt8(ascii: "\"")]
            case 45..<50:
                // Quoted, then a stray byte after the closing quote.
                file += [UInt8(ascii: "\"")] + content.filter { $0 != UInt8(ascii: "\"") } + [UInt8(ascii: "\""), UInt8(ascii: "x")]
            case 50..<52:
                // A quote opened and maybe never closed.
                file += [UInt8(ascii: "\"")] + content
            default:
                // Unquoted: mostly without the bytes that end or break a field, sometimes with them.
                if random.percent(85) {
                    content = content.filter { ![UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r")].contains($0) }
                }
                file += content
            }
        }
        switch random.below(6) {
        case 0: file += Array("\r\n".utf8)
        case 1: file += Array("\n\n".utf8)
        case 2: file += Array("\r\n\r\n".utf8)
        default: file += Array("\n".utf8)
        }
    }
    if random.percent(30) && !file.isEmpty { file.removeLast(random.below(min(3, file.count) + 1)) }
    return file
}

@Test func theSlowParserReadsTheReadersOwnExamples() {
    let text = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\nplain,,\"\"\n\n\"crlf\r\ninside\",z,\"\"\"\"\nlast,no,newline"
    let records = SlowCSV.records(Array(text.utf8))
    #expect(records.map(\.number) == [1, 2, 3, 5, 6])
    #expect(records.map { $0.fields.map { String(decoding: $0, as: UTF8.self) } } == [
        ["a", "b", "c"], ["x, y", "say \"hi\"", "two\nlines"], ["plain", "", ""], ["crlf\r\ninside", "z", "\""],
        ["last", "no", "newline"],
    ])
    let broken = SlowCSV.records(Array("a,b\nx,y\"z\nok,\"1\"2\n\"open".utf8))
    #expect(broken.map(\.problem) == [nil, "quote inside an unquoted field", "unexpected character after a closing quote",
        "quoted field not closed before the end of the file"])
    #expect(broken.map(\.problemField) == [nil, 1, 1, 0])
}

/// Generated files read by the fast reader with chunk sizes from 4 bytes up and with one read
/// ending at every byte position give exactly the slow parser's records, and the sha256 of every
/// byte.
@Test func theScannerReadsGeneratedFilesLikeTheSlowParserWithBoundariesEverywhere() throws {
    var random = SeededGenerator(seed: 0xC5F_2026)
    var compared = 0
    for _ in 0..<150 {
        let file = generatedCSV(&random)
        let expected = comparable(SlowCSV.records(file))
        let digest = hexadecimal(SHA256.hash(data: file))
        for chunkSize in [4, 5, 6, 7, 8, 9, 13, 16, 31, 64, 1 << 20] {
            let (records, tally) = try fastRecords(MemorySource(bytes: file), chunkSize: chunkSize)
            #expect(records == expected, "chunk size \(chunkSize) of \(Array(file))")
            #expect(tally.sha256Hex == digest && tally.byteCount == Int64(file.count))
            compared += 1
        }
        for boundary in 1..<max(2, file.count) {
            let (records, _) = try fastRecords(PiecewiseSource(bytes: file, pieces: [boundary]), chunkSize: 1 << 12)
            #expect(records == expected, "a read ending at byte \(boundary) of \(Array(file))")
            compared += 1
        }
    }
    #expect(compared > 5_000)
}

/// A source that starts mid-file (the second half of a two-halves check) keeps a byte-order mark
/// as data, like the slow parser told not to skip it.
@Test func aSourceStartingMidFileKeepsAByteOrderMarkAsData() throws {
    var random = SeededGenerator(seed: 0xB0_4D)
    for _ in 0..<100 {
        let file = [0xEF, 0xBB, 0xBF] + generatedCSV(&random)
        var reader = CSVReader(source: MemorySource(bytes: file), chunkSize: 7)
        reader.skipsByteOrderMark = false
        var fields: [[[UInt8]]] = []
        _ = try reader.forEachRecord { record in fields.append((0..<record.fieldCount).map { Array(record.bytes($0)) }) }
        #expect(fields == SlowCSV.records(file, skipsByteOrderMark: false).map(\.fields))
    }
}

/// `bytesBelowComma` flags exactly the bytes up to the comma (0x2C, and so the quote, CR and LF),
/// each by its high bit, whatever the other bytes of the word are: every byte value at every
/// position, and random words.
@Test func theWordStopTestFlagsExactlyTheBytesUpToTheComma() {
    func slow(_ word: UInt64) -> UInt64 {
        var flags: UInt64 = 0
        for position in 0..<8 where UInt8(truncatingIfNeeded: word >> (8 * UInt64(position))) <= 0x2C {
            flags |= 0x80 << (8 * UInt64(position))
        }
        return flags
    }
    var random = SeededGenerator(seed: 0x2C2C)
    for position in 0..<8 {
        for value in 0...255 {
            for _ in 0..<4 {
                let others = random.next()
                let mask: UInt64 = 0xFF << (8 * UInt64(position))
                let word = (others & ~mask) | (UInt64(value) << (8 * UInt64(position)))
                #expect(bytesBelowComma(word) == slow(word), "byte \(value) at \(position) in \(word)")
            }
        }
    }
    for _ in 0..<100_000 {
        let word = random.next()
        if bytesBelowComma(word) != slow(word) {
            Issue.record("word \(word)")
            break
        }
    }
}
