// The sample chain (sample-data/) in a new SQLite ledger, replayed as `make demo` and the CLI's
// golden test do: October day by day (each day's files recorded the next morning at 06:00 UTC),
// October closed on the morning of November 1, then November; the clock at the morning after the
// last delivery. A test removes it with `defer { chain.remove() }`.
import CountinghouseCore
import Foundation
import Testing

@testable import CountinghouseApp

struct SampleChainLedger {
    let root: URL
    let configuration: Configuration
    /// The clock at 2026-12-01T12:00:00Z.
    let session: Session
    var context: AppContext { session.context }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let now = Instant(date: CivilDate(year: 2026, month: 12, day: 1)!, secondOfDay: 12 * 3600)
    static let octoberClose = Instant(date: CivilDate(year: 2026, month: 11, day: 1)!, secondOfDay: 12 * 3600)
    /// The kinds in the order the nightly job ingests a day's files (vendor files after them).
    static let kindOrder = ["items", "purchases", "transfers", "counts", "pos_lines", "pos_tenders", "settlements"]

    init(_ name: String) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("countinghouse-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let text = try String(contentsOf: Self.repository.appendingPathComponent("jobs/countinghouse.toml"), encoding: .utf8)
        var configuration = try Configuration.parse(text, fileName: "countinghouse.toml")
        configuration.database = root.appendingPathComponent("ledger.sqlite").path
        self.configuration = configuration
        let context = try AppContext(configuration: configuration, now: Self.now)
        _ = try LedgerAccess.initialise(context)
        session = try Session(context)
        let sampleData = Self.repository.appendingPathComponent("sample-data")
        let days = try FileManager.default.contentsOfDirectory(atPath: sampleData.path).sorted()
        for day in days where day.hasPrefix("2026-10-") { try ingest(day: day, from: sampleData) }
        _ = try CloseJob.close(try self.session(now: Self.octoberClose), period: Period("2026-10")!)
        for day in days where day.hasPrefix("2026-11-") { try ingest(day: day, from: sampleData) }
    }

    /// A session on the same ledger with another clock.
    func session(now: Instant) throws -> Session {
        Session(context: try AppContext(configuration: configuration, now: now), store: session.store)
    }

    private func ingest(day: String, from sampleData: URL) throws {
        let folder = sampleData.appendingPathComponent(day)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        let ordered = Self.kindOrder.filter { names.contains("\($0).csv") }.map { "\($0).csv" }
            + names.filter { $0.hasSuffix(".csv") && !Self.kindOrder.contains(String($0.dropLast(4))) }.sorted()
        let date = CivilDate(text: day)!
        let recordedAt = Instant(date: date.adding(days: 1), secondOfDay: 6 * 3600)
        // Named as the CLI's inbox names them, so late rows read as they do there.
        let paths = ordered.map { folder.appendingPathComponent($0).path }
        let outcomes = try IngestJob.ingest(session, paths: paths, kind: nil, recordedAt: recordedAt) { _ in }
        for outcome in outcomes where outcome.isRejected { Issue.record("\(outcome.path) was rejected: \(outcome.fate)") }
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}
