// The ledger's knowledge order: an ingest never goes back in time and one writer at a time assigns
// seq, so each table's rows in seq order have non-decreasing recorded_at and file ids, and the rows
// known at any T are a prefix of that order (what a read "as known at T" by seq range, or a ledger
// without an index on recorded_at, may rely on).
import CountinghouseCore
import Testing

@testable import CountinghouseStore

@Suite struct KnowledgePrefixTests {
    @Test(arguments: StoreFlavor.all)
    func theRowsKnownAtAnyTimeAreAPrefixOfTheRowSequence(_ flavor: StoreFlavor) throws {
        try withStore(flavor) { store, _ in
            // Files on days 1, 1 (the same instant), 3 and 7, rows of each interleaved by order id.
            var row = 2
            for (index, dayNumber) in [1, 1, 3, 7].enumerated() {
                let rows = (0..<5).map { line -> LedgerRow in
                    row += 1
                    return posLine("O-\(line)-\(index)", Int64(index + 1), row: row, occurredDay: Int64(4 - line))
                }
                _ = try #require(appended(try append(store, fileInfo("f\(index).csv", at: Int64(dayNumber)), rows)))
            }
            let sql = try #require(store as? SQLLedgerStore)
            let table = LedgerKind.posLines.schema.tableName
            let sequence = try sql.queryRows("SELECT seq, recorded_at, file_id FROM \(table) ORDER BY seq", integerColumns: [true, true, true])
            let recorded = sequence.compactMap { $0[1].integerValue }
            let files = sequence.compactMap { $0[2].integerValue }
            #expect(recorded.count == 20 && recorded == recorded.sorted() && files == files.sorted())
            let all = try store.rows(of: .posLines, knownAt: nil)
            for dayNumber: Int64 in [0, 1, 2, 3, 6, 7, 9] {
                let known = try store.rows(of: .posLines, knownAt: instant(dayNumber))
                #expect(known == Array(all.prefix(known.count)), "known at day \(dayNumber)")
                #expect(known.count == all.filter { $0.recordedAt <= instant(dayNumber) }.count)
                // Streamed, in pages that end inside a file and at its end, the same rows.
                for pageSize in [1, 3, 5, 20, 21] {
                    var streamed: [StoredRow] = []
                    try sql.forEachRow(of: .posLines, knownAt: instant(dayNumber), pageSize: pageSize) { streamed.append($0) }
                    #expect(streamed == known, "known at day \(dayNumber), pages of \(pageSize)")
                }
            }
            // A query read row by row (PostgreSQL's single-row mode) gives every row in order; a
            // reader that stops early leaves the connection ready for the next statement.
            let sequenceQuery = "SELECT seq FROM \(table) ORDER BY seq"
            var streamedSequence: [Int64] = []
            try sql.database.forEachRow(sequenceQuery, [], integerColumns: [true]) { streamedSequence.append($0[0].integerValue ?? -1) }
            #expect(streamedSequence == sequence.compactMap { $0[0].integerValue })
            struct Enough: Error {}
            var seen = 0
            #expect(throws: Enough.self) {
                try sql.database.forEachRow(sequenceQuery, [], integerColumns: [true]) { _ in
                    seen += 1
                    if seen == 3 { throw Enough() }
                }
            }
            #expect(seen == 3)
            #expect(try store.rows(of: .posLines, knownAt: nil) == all)
        }
    }
}
