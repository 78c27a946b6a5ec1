// A new SQLite ledger in a temporary folder, with a context whose clock is 2026-11-05, for the use
// cases' tests. A test removes it with `defer { ledger.remove() }`.
import CountinghouseCore
import Foundation

@testable import CountinghouseApp

struct TestLedger {
    let root: URL
    let context: AppContext
    let session: Session

    init(_ name: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.database = root.appendingPathComponent("ledger.sqlite").path
        context = try AppContext(configuration: configuration, now: Instant(date: CivilDate(year: 2026, month: 11, day: 5)!))
        _ = try LedgerAccess.initialise(context)
        session = try Session(context)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
