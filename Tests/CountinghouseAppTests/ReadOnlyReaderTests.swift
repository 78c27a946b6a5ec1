// A person who may only read the ledger still gets costs: when the cost cache is behind and this
// connection cannot write, the engine computes them from the rows instead of failing with 77.
import CountinghouseCore
import CountinghouseStore
import Foundation
import Testing

@testable import CountinghouseApp
@testable import CountinghouseStore

@Suite struct ReadOnlyReaderTests {
    @Test func aReaderThatCannotWriteComputesCostsInsteadOfRefreshingTheCache() throws {
        let ledger = try TestLedger("readonly")
        defer { ledger.remove() }
        let (context, writer) = (ledger.context, ledger.session)
        let day = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sample-data/2026-10-01")
        let outcomes = try IngestJob.ingest(
            writer, paths: ["purchases.csv", "pos_lines.csv"].map { day.appendingPathComponent($0).path }, kind: nil, recordedAt: nil
        ) { _ in }
        #expect(outcomes.allSatisfy { if case .landed = $0.fate { return true } else { return false } })
        #expect(try writer.store.costCacheThroughFileID() == nil, "the cache is behind: a reader would refresh it")

        let reader = try LedgerAccess.open(context)
        try #require(reader as? SQLLedgerStore).execute("PRAGMA query_only = 1")
        let view = try Costs.asKnown(reader, at: context.now)
        guard case .computed(let runs) = view else {
            Issue.record("a read-only reader cannot have refreshed the cache")
            return
        }
        #expect(!runs.isEmpty)
        // The same positions the writer's cache gives once refreshed.
        let cached = try Costs.asKnown(writer.store, at: context.now)
        guard case .cached = cached else {
            Issue.record("the writer refreshes the cache")
            return
        }
        let end = Instant(nanosecondsSinceEpoch: .max)
        #expect(try view.positions(through: end) == cached.positions(through: end))
    }
}
