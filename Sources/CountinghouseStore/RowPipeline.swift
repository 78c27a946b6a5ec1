// A file's rows read on a thread of their own while the store writes them: the one place an
// append runs on two threads.
//
// Place in the pipeline: both stores' append loops take a file's rows through `RowPipeline` rather
// than calling the reader (`produceRows`) in place. The reader (CSV parsing and validation, a
// fifth of a large file's ingest) then runs beside the inserts, on the machine's other core, and
// so may whatever else a store can work out for a row before it is written (SQLite: the row's
// chained hash, see SQLiteAppender).
// Invariant: the rows reach the store in the reader's order, on the caller's thread, with the
// reader's contract: every row emitted before the reader threw is consumed, then the reader's
// error is thrown; an error thrown while consuming stops the reader and is thrown once the
// reader's thread has ended. Nothing runs on the other thread after `run` returns or throws.
// `RowPipelineTests` holds it to the same rows and errors as calling the reader in place.
// Errors a user can see: none of its own; the reader's and the store's pass through unchanged.
import CountinghouseCore
import Foundation

enum RowPipeline {
    /// Rows per chunk handed from the reader to the store, and chunks waiting at most.
    static let chunkRows = 256
    static let chunksWaiting = 8

    /// Calls `body` with each row of `produceRows` in order, on this thread, while the reading runs
    /// on a thread of its own: `produceRows { row in try body(row) }`, on two cores.
    static func forEachRow(
        _ produceRows: RowProducer, chunkRows: Int = chunkRows, chunksWaiting: Int = chunksWaiting,
        _ body: (LedgerRow) throws -> Void
    ) throws {
        try run(
            produceRows, chunkRows: chunkRows, chunksWaiting: chunksWaiting,
            newChunk: { [LedgerRow]() },
            add: { chunk, row in
                chunk.append(row)
                return chunk.count
            }
        ) { chunk in
            for row in chunk { try body(row) }
        }
    }

    /// Reads `produceRows` on a thread of its own, where `add` puts each row into a chunk (made by
    /// `newChunk`; `add` returns the chunk's row count) with whatever else that thread can work out
    /// for it; `consume` takes the chunks in order on this thread. The reader's error is thrown
    /// after the chunks before it were consumed; `consume`'s stops the reader.
    static func run<Chunk>(
        _ produceRows: RowProducer, chunkRows: Int = chunkRows, chunksWaiting: Int = chunksWaiting,
        newChunk: @escaping () -> Chunk, add: @escaping (inout Chunk, LedgerRow) -> Int,
        consume: (Chunk) throws -> Void
    ) throws {
        precondition(chunkRows > 0 && chunksWaiting > 0, "a pipeline needs room for a chunk")
        let channel = RowChannel<Chunk>(chunksWaiting: chunksWaiting)
        try withoutActuallyEscaping(produceRows) { produceRows in
            // The reading is not Sendable: the other thread takes it from the slot and lets it go
            // before it finishes, and this thread waits for the finish (below) before returning; so
            // the reader never outlives this call (`withoutActuallyEscaping` checks that it did not).
            let slot = ReadingSlot {
                var chunk = newChunk()
                var rows = 0
                do {
                    try produceRows { row in
                        rows = add(&chunk, row)
                        if rows >= chunkRows {
                            try channel.put(chunk)
                            chunk = newChunk()
                            rows = 0
                        }
                    }
                    if rows > 0 { try channel.put(chunk) }
                    return nil
                } catch is RowChannel<Chunk>.Stopped {
                    return nil
                } catch {
                    // The rows read before the error are the store's too, then the error.
                    if rows > 0 { try? channel.put(chunk) }
                    return error
                }
            }
            let thread = Thread {
                let readerError = slot.take()()
                channel.finish(readerError)
            }
            thread.start()
            do {
                while let chunk = try channel.take() {
                    try consume(chunk)
                    channel.giveBack(chunk)
                }
            } catch {
                channel.stop()
                channel.waitUntilFinished()
                throw error
            }
            channel.waitUntilFinished()
        }
    }
}

/// The reading (the reader with its chunking), handed to the other thread once: it returns the
/// reader's error, if any.
private final class ReadingSlot: @unchecked Sendable {
    typealias Reading = () -> (any Error)?
    // Written before the thread starts; taken (and cleared) by that thread alone.
    private var reading: Reading?

    init(_ reading: @escaping Reading) { self.reading = reading }

    func take() -> Reading {
        guard let taken = reading else { preconditionFailure("a pipeline's reading is taken once") }
        reading = nil
        return taken
    }
}

/// The chunks between the reader's thread and the store's, bounded, with the reader's end.
private final class RowChannel<Chunk>: @unchecked Sendable {
    /// Thrown to the reader once the store has stopped taking rows.
    struct Stopped: Error {}

    // Every field is read and written with `condition` locked.
    private let condition = NSCondition()
    private var chunks: [Chunk?] = []
    private var first = 0
    private let chunksWaiting: Int
    private var finished = false
    private var readerError: (any Error)?
    private var stopped = false
    /// Chunks the store is done with (`giveBack`).
    private var given: [Chunk] = []

    init(chunksWaiting: Int) { self.chunksWaiting = chunksWaiting }

    /// The reader's side: waits for room, then queues the chunk; throws `Stopped` once the store
    /// has stopped. The chunks the store gave back are let go here, on the reader's thread.
    func put(_ chunk: Chunk) throws {
        var spent: [Chunk] = []
        defer { spent.removeAll() }  // after the unlock below
        condition.lock()
        defer { condition.unlock() }
        while !stopped && chunks.count - first >= chunksWaiting { condition.wait() }
        if stopped { throw Stopped() }
        chunks.append(chunk)
        swap(&spent, &given)
        condition.broadcast()
    }

    /// The store's side: a chunk it is done with, for the reader's thread to let go. Why: the
    /// reader's thread made its rows, and freeing them there keeps that work off the thread that
    /// runs the inserts (its CPU on a million-row file: 10.2–10.6 → 9.4–9.8 s).
    func giveBack(_ chunk: Chunk) {
        condition.lock()
        defer { condition.unlock() }
        given.append(chunk)
    }

    /// The reader's side: the reader has returned (`nil`) or thrown.
    func finish(_ error: (any Error)?) {
        condition.lock()
        defer { condition.unlock() }
        finished = true
        readerError = error
        condition.broadcast()
    }

    /// The store's side: the next chunk; nil once the reader has returned and every chunk was
    /// taken; the reader's error once every chunk before it was taken.
    func take() throws -> Chunk? {
        condition.lock()
        defer { condition.unlock() }
        while first == chunks.count && !finished { condition.wait() }
        if first < chunks.count {
            guard let chunk = chunks[first] else { preconditionFailure("a chunk is taken once") }
            chunks[first] = nil
            first += 1
            if first == chunks.count {
                chunks.removeAll(keepingCapacity: true)
                first = 0
            }
            if first >= 64 {
                chunks.removeFirst(first)
                first = 0
            }
            condition.broadcast()
            return chunk
        }
        if let readerError { throw readerError }
        return nil
    }

    /// The store's side: no more rows are taken; a waiting or later `put` throws `Stopped`.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        stopped = true
        condition.broadcast()
    }

    /// The store's side: waits until the reader's thread has finished.
    func waitUntilFinished() {
        condition.lock()
        defer { condition.unlock() }
        while !finished { condition.wait() }
    }
}
