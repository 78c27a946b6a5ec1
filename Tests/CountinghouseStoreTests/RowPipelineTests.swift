// The row pipeline (a file read on a thread of its own while the store writes its rows) against
// the obvious version, the reader called in place: the same rows in the same order, the reader's
// error after the rows before it, the store's error stopping the reader, and what the reading
// thread works out for each row given to the store with that row. Generated cases, fixed seed;
// chunks from one row to more rows than a case has, one chunk waiting to several.
import CountinghouseCore
import CountinghouseSample
import Synchronization
import Testing

@testable import CountinghouseStore

@Suite("RowPipeline")
struct RowPipelineTests {
    struct ReaderFailure: Error, Equatable { let afterRows: Int }
    struct StoreFailure: Error, Equatable { let atRow: Int }

    static func row(_ number: Int) -> LedgerRow {
        posLine("O\(number / 10)", Int64(number % 10 + 1), row: number + 2)
    }

    /// Rows read so far, counted on the reading thread.
    final class ReadCount: Sendable {
        let value = Atomic<Int>(0)
    }

    /// A reader of `count` rows that throws after `failAfter` rows when set.
    static func reader(count: Int, failAfter: Int?, read: ReadCount? = nil) -> RowProducer {
        { emit in
            for number in 0..<count {
                if number == failAfter { throw ReaderFailure(afterRows: number) }
                read?.value.add(1, ordering: .relaxed)
                try emit(row(number))
            }
        }
    }

    /// What a consumer saw: its rows (by source row: each was made from its number), then the
    /// error that ended the call, if any.
    struct Seen: Equatable {
        var rows: [Int] = []
        var readerFailure: ReaderFailure?
        var storeFailure: StoreFailure?
    }

    /// How a case's rows reach the consumer: the reader called in place, or through the pipeline.
    enum Path {
        case inPlace
        case pipelined(chunkRows: Int, chunksWaiting: Int)
    }

    /// The consumer of a case: keeps each row, throws at row `failAt` when set.
    static func consume(_ produce: RowProducer, failAt: Int?, path: Path) -> Seen {
        var seen = Seen()
        func take(_ row: LedgerRow) throws {
            if seen.rows.count == failAt { throw StoreFailure(atRow: seen.rows.count) }
            seen.rows.append(row.sourceRow)
        }
        do {
            switch path {
            case .inPlace:
                try produce { try take($0) }
            case .pipelined(let chunkRows, let chunksWaiting):
                try RowPipeline.forEachRow(produce, chunkRows: chunkRows, chunksWaiting: chunksWaiting) { try take($0) }
            }
        } catch let failure as ReaderFailure {
            seen.readerFailure = failure
        } catch let failure as StoreFailure {
            seen.storeFailure = failure
        } catch {
            Issue.record("unexpected error \(error)")
        }
        return seen
    }

    @Test func theSameRowsAndErrorsAsTheReaderCalledInPlace() throws {
        var generator = SplitMix64(seed: 26)
        for _ in 0..<300 {
            let count = Int(generator.next() % 1_200)
            let failAfter = generator.next() % 3 == 0 ? Int(generator.next() % UInt64(count + 1)) : nil
            let failAt = generator.next() % 3 == 0 ? Int(generator.next() % UInt64(count + 1)) : nil
            let chunkRows = Int(generator.next() % 300) + 1
            let chunksWaiting = Int(generator.next() % 4) + 1

            let expected = Self.consume(Self.reader(count: count, failAfter: failAfter), failAt: failAt, path: .inPlace)
            let read = ReadCount()
            let seen = Self.consume(
                Self.reader(count: count, failAfter: failAfter, read: read), failAt: failAt,
                path: .pipelined(chunkRows: chunkRows, chunksWaiting: chunksWaiting))
            #expect(seen == expected, "\(count) rows, reader fails after \(failAfter.map(String.init) ?? "none"), store at \(failAt.map(String.init) ?? "none"), chunks of \(chunkRows), \(chunksWaiting) waiting")
            // A store that stopped stopped the reader: it read at most the chunks that could wait,
            // the one being filled and the one being taken beyond the rows taken.
            if let failure = seen.storeFailure {
                #expect(read.value.load(ordering: .relaxed) <= failure.atRow + chunkRows * (chunksWaiting + 2))
            }
        }
    }

    @Test func forEachRowIsTheReaderInPlace() throws {
        var seen: [LedgerRow] = []
        try RowPipeline.forEachRow(Self.reader(count: 1_000, failAfter: nil)) { seen.append($0) }
        #expect(seen == (0..<1_000).map(Self.row))
        // The reader's error comes after every row read before it.
        seen.removeAll()
        #expect(throws: ReaderFailure(afterRows: 700)) {
            try RowPipeline.forEachRow(Self.reader(count: 1_000, failAfter: 700)) { seen.append($0) }
        }
        #expect(seen == (0..<700).map(Self.row))
    }

    @Test func whatTheReadingThreadWorksOutGoesWithItsRow() throws {
        // A running total kept on the reading thread, as SQLite's appender keeps the hash chain.
        var total = 0
        var seen: [(Int, Int)] = []
        try RowPipeline.run(
            Self.reader(count: 5_000, failAfter: nil), chunkRows: 7, chunksWaiting: 2,
            newChunk: { [(LedgerRow, Int)]() },
            add: { chunk, row in
                total += row.sourceRow
                chunk.append((row, total))
                return chunk.count
            }
        ) { chunk in
            for (row, running) in chunk { seen.append((row.sourceRow, running)) }
        }
        var expected: [(Int, Int)] = []
        var running = 0
        for number in 0..<5_000 {
            running += number + 2
            expected.append((number + 2, running))
        }
        #expect(seen.map(\.0) == expected.map(\.0) && seen.map(\.1) == expected.map(\.1))
    }
}
