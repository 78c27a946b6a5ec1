// A file that changes between ingest's check and its load (an upload still being written when the
// nightly job starts) is rejected like any other bad file: nothing of it lands, and the run goes on
// with the next file instead of stopping.
import CountinghouseCore
import CountinghouseIngest
import CountinghouseStore
import Foundation
import Testing

@testable import CountinghouseApp

@Suite struct IngestJobTests {
    @Test func aFileThatChangedSinceItsCheckIsRejectedNotThrown() throws {
        let ledger = try TestLedger("ingestjob")
        defer { ledger.remove() }
        let (root, context, session) = (ledger.root, ledger.context, ledger.session)
        let header = "document_id,line_no,occurred_at,location,sku,type,quantity,unit_cost\n"
        let path = root.appendingPathComponent("purchases.csv").path
        try (header + "GR1,1,2026-10-05T09:00:00Z,S01,A,RECEIVE,1,1.00\n").write(toFile: path, atomically: false, encoding: .utf8)
        let ingestor = FileIngestor(settings: IngestSettings(functionalCurrency: "USD"))
        guard case .valid(let checked) = ingestor.check(path: path, displayName: path, kind: nil) else {
            Issue.record("the file should pass its check")
            return
        }
        // The upload goes on after the check.
        try (header + "GR1,1,2026-10-05T09:00:00Z,S01,A,RECEIVE,1,1.00\nGR1,2,2026-10-05T09:00:00Z,S01,B,RECEIVE,1,1.00\n")
            .write(toFile: path, atomically: false, encoding: .utf8)
        let fate = try IngestJob.load(path, checked: checked, store: session.store, ingestor: ingestor, recordedAt: context.now)
        guard case .rejected(let kind, let errors) = fate else {
            Issue.record("expected a rejection, got \(fate)")
            return
        }
        #expect(kind == .purchases)
        #expect(errors.map(\.description) == [
            "\(path): the file changed between checking and loading (sha256 was \(checked.sha256), now \(sha256Hex(try String(contentsOfFile: path, encoding: .utf8))))"
        ])
        #expect(try session.store.files().isEmpty)
    }
}
